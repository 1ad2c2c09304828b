"""An open record in the editor: opening it as the signed-in person, saving what is typed,
taking a workflow step and signing. Each write returns its Changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lcc_apr.editing import EditSession, SaveResult
from lcc_apr.forms import Catalogue
from lcc_apr.policy import Policy
from lcc_apr.store import Store

from .audit import VIEWED, tell_server
from .changes import NOTHING, Changes, edited, moved
from .history import HistoryRow, record_history
from .records import actor_for
from .user import CurrentUser


def open_record(
    store: Store,
    *,
    record_id: str,
    user: CurrentUser,
    catalogue: Catalogue,
    policy: Policy | None = None,
) -> EditSession:
    """Read: the record ready to edit as this person (raises EditRefused when gone);
    `policy` gives the form's warnings (a supervision shorter than policy asks)."""
    with store.session() as session:
        actor = actor_for(session, record_id, user=user)
    edit = EditSession(store, record_id, actor=actor, catalogue=catalogue, policy=policy)
    tell_server(store, VIEWED, [record_id])  # the server's audit learns at the next push
    return edit


@dataclass(frozen=True)
class Saved:
    result: SaveResult
    changes: Changes


@dataclass(frozen=True)
class Moved:
    status: str  # the record's new status
    changes: Changes


def save(edit: EditSession, *, at: datetime) -> Saved:
    """Write: the editor's changed answers (autosave); nothing due or listed moves."""
    result = edit.save(at)
    changes = edited(edit.record_id, edit.subject_id) if result.written else NOTHING
    return Saved(result, changes)


def take_step(edit: EditSession, *, step: str, at: datetime, reason: str | None = None) -> Moved:
    """Write: save, then take a workflow step."""
    status = edit.take(step, at=at, reason=reason)
    return Moved(status, moved([edit.record_id], [edit.subject_id]))


def sign(
    edit: EditSession,
    *,
    step: str,
    at: datetime,
    identity: Any,
    decision: str | None = None,
    reason: str | None = None,
    trust: Any = None,
) -> Moved:
    """Write: save, then sign the record, taking the signing step."""
    status = edit.sign(
        step, at=at, identity=identity, decision=decision, reason=reason, trust=trust
    )
    return Moved(status, moved([edit.record_id], [edit.subject_id]))


def history(edit: EditSession) -> list[HistoryRow]:
    """Read: the open record's history in words, newest first (lcc_apr.ops.history)."""
    return record_history(edit.store, edit.record_id, template=edit.template)
