"""Who may start, delete (a draft never shared, by its author) or bring back a record,
and how a step is written.

The one home of these rules: the core enforces them (starting a record, taking a
step), the UI asks `may_*` to enable its actions, and the server enforces them on
every push. Each `may_*` answers yes or no; each `check_*` raises WorkflowError
with a sentence for the person. Runs on whichever thread owns the session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.history import update_record
from lcc_apr.models import ChangeAction, Record, RecordChange, RecordKind, SignOff

from .definitions import WORKFLOWS
from .model import ACCEPTED, Actor, Lifecycle, Party, Transition, WorkflowError, fill_names

STARTERS = frozenset({Party.MANAGER, Party.HR})  # who starts, deletes and restores records


def _why_not_start(actor: Actor) -> str | None:
    if actor.parties() & STARTERS:
        return None
    return "Only the employee's line manager or HR can start a record."


def _why_not_delete(
    actor: Actor, kind: RecordKind, status: str, author_id: int | None, shared: bool
) -> str | None:
    if not actor.parties() & STARTERS:
        return "Only the line manager or HR can delete a record."
    workflow = WORKFLOWS[kind]
    state = workflow.state(status)
    if status != workflow.initial or state.lifecycle is Lifecycle.LOCKED:
        return (
            f"A record that is {state.label.lower()} cannot be deleted; "
            "only a draft never shared can."
        )
    if author_id != actor.user_id:
        return "Only the person who started this draft can delete it."
    if shared:
        return (
            "This draft was shared before (and taken back), so it cannot be deleted: "
            "the employee has seen it."
        )
    return None


def _why_not_restore(actor: Actor, kind: RecordKind, status: str) -> str | None:
    if not actor.parties() & STARTERS:
        return "Only the line manager or HR can bring back a record that was deleted."
    if WORKFLOWS[kind].state(status).lifecycle is Lifecycle.LOCKED:
        return "A signed (locked) record cannot be brought back."
    return None


def may_start(*, actor: Actor) -> bool:
    """Start a record about someone: their line manager or HR (never on their own)."""
    return _why_not_start(actor) is None


def check_start(*, actor: Actor) -> None:
    if reason := _why_not_start(actor):
        raise WorkflowError(reason)


def may_delete(
    *, actor: Actor, kind: RecordKind, status: str, author_id: int | None, shared: bool
) -> bool:
    """Delete a mistaken draft: only its author (a line manager or HR), only at its first
    stage and only if it was never shared (`shared`: `ever_shared`)."""
    return _why_not_delete(actor, kind, status, author_id, shared) is None


def check_delete(
    *, actor: Actor, kind: RecordKind, status: str, author_id: int | None, shared: bool
) -> None:
    if reason := _why_not_delete(actor, kind, status, author_id, shared):
        raise WorkflowError(reason)


def ever_shared(session: Session, *, record: Record) -> bool:
    """Whether the record's history shows it ever left its first stage (shared, then
    taken back). A record on this computer without history counts as never shared; the
    server, which holds every record's history, decides."""
    initial = WORKFLOWS[RecordKind(record.kind)].initial
    patches = session.scalars(select(RecordChange.patch).where(RecordChange.record_id == record.id))
    return any(patch.get("status", initial) != initial for patch in patches)


def may_restore(*, actor: Actor, kind: RecordKind, status: str) -> bool:
    """Push back a record deleted on the server (docs/sync-protocol.md, "Restoring"):
    the line manager or HR (those who may start it), never a locked one. The answers and
    any status change pushed with it are checked as for any push."""
    return _why_not_restore(actor, kind, status) is None


def check_restore(*, actor: Actor, kind: RecordKind, status: str) -> None:
    if reason := _why_not_restore(actor, kind, status):
        raise WorkflowError(reason)


def state_before_amendment(session: Session, *, record_id: str) -> str | None:
    """The status a record had just before its latest amendment (where 'reissue' goes
    back to), read from its history; None when it was never amended. HR's acceptance is
    passed over: an amended record goes back to HR's intake, not straight to its register."""
    changes = session.execute(
        select(RecordChange.action, RecordChange.patch)
        .where(RecordChange.record_id == record_id)
        .order_by(RecordChange.seq)
    ).all()
    status: str | None = None
    before: str | None = None
    for action, patch in changes:
        if action == ChangeAction.AMEND:
            before = status
        if patch.get("status", ACCEPTED) != ACCEPTED:
            status = patch["status"]
    return before


def apply_step(
    session: Session,
    record: Record,
    *,
    step: Transition,
    target: str,
    user_id: int | None,
    at: datetime,
    reason: str | None = None,
) -> RecordChange:
    """Write one step already allowed: move `record` to `target` (the step's target, with
    PREVIOUS resolved), void its signatures if the step does, and keep the step's name and,
    for a step that needs one, the reason in its history. Returns the history entry."""
    if step.voids_signatures:
        signed = select(SignOff).where(
            SignOff.record_id == record.id, SignOff.superseded_at.is_(None)
        )
        for signature in session.scalars(signed):
            signature.superseded_at = at
    kept = reason if step.needs_reason and reason else None
    change = update_record(
        session,
        record,
        user_id=user_id,
        at=at,
        status=target,
        action=ChangeAction.AMEND if step.voids_signatures else ChangeAction.STATUS,
        note={"step": step.name, **({"reason": kept} if kept else {})},
    )
    if change is None:
        raise WorkflowError(f"'{fill_names(step.label)}' would leave the record where it is.")
    return change
