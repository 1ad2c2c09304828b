"""Taking workflow steps: who may, what each needs, and recording it.

Called by the UI (through a write op) and the server; never by a widget.
Every refusal is a WorkflowError whose message says why in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.forms import Problem, Template, is_visible, validate
from lcc_apr.history import update_record
from lcc_apr.models import ChangeAction, Record, RecordChange, Role, SignOff

from .definitions import WORKFLOWS
from .model import PREVIOUS, Lifecycle, Party, Transition, Workflow


class WorkflowError(Exception):
    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


@dataclass(frozen=True)
class Actor:
    """The person acting, as seen from one record."""

    user_id: int
    roles: frozenset[Role]
    is_subject: bool = False  # the record is about them
    is_line_manager: bool = False  # they manage the subject

    def parties(self) -> frozenset[Party]:
        found = set()
        if self.is_subject:
            found.add(Party.EMPLOYEE)
        if self.is_line_manager and Role.MANAGER in self.roles and not self.is_subject:
            found.add(Party.MANAGER)
        if Role.HR in self.roles and not self.is_subject:
            found.add(Party.HR)
        return frozenset(found)


@dataclass(frozen=True)
class StepCheck:
    transition: Transition
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def workflow_for(record: Record) -> Workflow:
    return WORKFLOWS[record.kind]


def available_steps(record: Record, actor: Actor) -> list[Transition]:
    """Steps this actor could take now (their button may still report missing answers)."""
    mine = actor.parties()
    return [t for t in workflow_for(record).steps_from(record.status) if t.parties & mine]


def check_step(record: Record, name: str, actor: Actor, template: Template) -> StepCheck:
    """Raise WorkflowError if the step is not allowed at all; list missing answers if incomplete."""
    workflow = workflow_for(record)
    try:
        step = workflow.transition(name)
    except KeyError:
        raise WorkflowError(f"There is no step {name!r} for {record.kind.value} records.") from None
    state = workflow.state(record.status)
    if record.status not in step.sources:
        raise WorkflowError(
            f"'{step.label}' is not possible while the record is {state.label.lower()}."
        )
    if not step.parties & actor.parties():
        who = " or ".join(
            p.value.replace("employee", "employee the record is about")
            for p in sorted(step.parties)
        )
        raise WorkflowError(f"Only the {who} can '{_plain(step.label)}'.")
    if step.when and not is_visible(step.when, record.answers):
        raise WorkflowError(f"'{_plain(step.label)}' does not fit this record's outcome.")
    problems: list[Problem] = []
    if step.complete:
        reference = record.record_date or date.today()
        problems = validate(template, record.answers, reference=reference, strict=True, step=name)
    return StepCheck(step, problems)


def take_step(
    session: Session,
    record: Record,
    name: str,
    *,
    actor: Actor,
    template: Template,
    at: datetime,
    reason: str | None = None,
) -> RecordChange:
    """Move the record on by one step and record it in its history."""
    check = check_step(record, name, actor, template)
    if not check.ok:
        raise WorkflowError(
            f"'{_plain(check.transition.label)}' needs {len(check.problems)} more answer(s).",
            check.problems,
        )
    step = check.transition
    if step.needs_reason and not (reason and reason.strip()):
        raise WorkflowError(
            "Say why the record is being amended; the reason is kept in its history."
        )
    target = _previous_state(session, record) if step.target == PREVIOUS else step.target
    action = ChangeAction.AMEND if step.voids_signatures else ChangeAction.STATUS
    if step.voids_signatures:
        for signature in record.sign_offs:
            if signature.superseded_at is None:
                signature.superseded_at = at
    change = update_record(
        session,
        record,
        user_id=actor.user_id,
        at=at,
        status=target,
        action=action,
        note={"step": name, **({"reason": reason} if reason else {})},
    )
    assert change is not None
    return change


def is_locked(record: Record) -> bool:
    return workflow_for(record).state(record.status).lifecycle is Lifecycle.LOCKED


def active_signatures(record: Record) -> list[SignOff]:
    return [s for s in record.sign_offs if s.superseded_at is None]


def _previous_state(session: Session, record: Record) -> str:
    """The status the record had just before its latest amendment."""
    changes = session.scalars(
        select(RecordChange).where(RecordChange.record_id == record.id).order_by(RecordChange.seq)
    ).all()
    status: str | None = None
    before = record.status
    for change in changes:
        if change.action == ChangeAction.AMEND:
            before = status
        status = change.patch.get("status", status)
    return before or record.status


def _plain(label: str) -> str:
    return label.replace("{employee}", "the employee").replace("{manager}", "the manager")
