"""A record's history as its editor shows it: who did what, and when, in words.

Read from the hash-chained history (lcc_apr.history): started, answers changed,
shared, responded, signed, amended, deleted; and from this computer's audit, printed
(a print is not a change to the record, so it is not synced). Times are UK local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from lcc_apr.editing import StoreLike
from lcc_apr.forms import Template
from lcc_apr.history import history
from lcc_apr.models import ChangeAction, Employee, Record, RecordChange, SignOff, User
from lcc_apr.uk_time import uk_time as local_time
from lcc_apr.workflow import WORKFLOWS, fill_names

from .audit import PRINTED, audit_entries

SHOWN_LABELS = 3  # answers named in one "Changed ..." line; the rest are counted


@dataclass(frozen=True)
class HistoryRow:
    at: datetime  # UK local time
    when: str  # "4 December 2026, 18:30"
    who: str
    what: str


def record_history(
    store: StoreLike, record_id: str, *, template: Template | None = None
) -> list[HistoryRow]:
    """Read: the record's history, newest first. `template` names the answers changed."""
    with store.session() as session:
        record = session.get(Record, record_id)
        if record is None:
            return []
        changes = history(session, record_id)
        prints = [
            e for e in audit_entries(store)
            if e.get("event") == PRINTED and e.get("record_id") == record_id
        ]  # fmt: skip
        ids = {c.user_id for c in changes if c.user_id is not None}
        ids |= {e["user_id"] for e in prints if e.get("user_id") is not None}
        names = dict(
            session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
        )
        signatures = list(session.scalars(select(SignOff).where(SignOff.record_id == record_id)))
        subject = session.get(Employee, record.subject_id)
        manager = subject.line_manager if subject else None
        people = {
            "employee": subject.display_name if subject else "the employee",
            "manager": manager.display_name if manager else "the manager",
        }
        rows = [
            _row(c, record, names, signatures, template, people)
            for c in changes
            if c.action is not ChangeAction.SYNC
        ]
    rows.reverse()  # newest first: the history is in the order it was written
    for printed in map(_printed, prints, [names] * len(prints)):
        later = next((i for i, row in enumerate(rows) if row.at <= printed.at), len(rows))
        rows.insert(later, printed)
    return rows


def _printed(entry: dict[str, Any], names: dict[int, str]) -> HistoryRow:
    at, when = uk_time(datetime.fromisoformat(entry["at"]))
    who = names.get(entry.get("user_id") or -1, "Someone")
    return HistoryRow(at, when, who, "Printed or saved as PDF (on this computer)")


def _row(
    change: RecordChange,
    record: Record,
    names: dict[int, str],
    signatures: list[SignOff],
    template: Template | None,
    people: dict[str, str],
) -> HistoryRow:
    at, when = uk_time(change.at)
    who = names.get(change.user_id, "Someone") if change.user_id is not None else "The server"
    return HistoryRow(at, when, who, _what(change, record, signatures, template, people))


def uk_time(at: datetime) -> tuple[datetime, str]:
    """A stored (UTC) time in UK local time (lcc_apr.uk_time), and in words: "1 July
    2026, 10:05"."""
    local, zone = local_time(at)
    return local, f"{local.day} {local:%B %Y, %H:%M}" + (" UTC" if zone == "UTC" else "")


def _what(
    change: RecordChange,
    record: Record,
    signatures: list[SignOff],
    template: Template | None,
    people: dict[str, str],
) -> str:
    patch: dict[str, Any] = change.patch
    note = patch.get("note") or {}
    action = change.action
    if action is ChangeAction.CREATE:
        return "Started the record"
    if action is ChangeAction.DELETE:
        return "Deleted the record"
    if action is ChangeAction.SIGN:
        role = str(note.get("countersigned", "hr"))
        return f"Countersigned as {'HR' if role == 'hr' else role}"
    if "step" in note:
        workflow = WORKFLOWS[record.kind]
        try:
            step = workflow.transition(note["step"])
        except KeyError:
            return f"Moved the record on ({note['step']})"
        label = fill_names(step.label, **people)
        if action is ChangeAction.AMEND:
            reason = note.get("reason")
            return "Amended the record (signatures voided)" + (f": {reason}" if reason else "")
        signed = _signature(change, signatures)
        if signed is not None:
            return f"Signed: {label} ({_decision(signed)})"
        return label
    if "answers" in patch:
        keys = list(patch["answers"])
        return "Changed " + _labels(keys, template)
    if "status" in patch:
        return f"Moved the record to '{WORKFLOWS[record.kind].state(patch['status']).label}'"
    return "Changed the record"


def _signature(change: RecordChange, signatures: list[SignOff]) -> SignOff | None:
    """The signature made with this step (same person, within a minute)."""
    for s in signatures:
        if s.user_id == change.user_id and abs((s.signed_at - change.at).total_seconds()) <= 60:
            return s
    return None


def _decision(signed: SignOff) -> str:
    words = {"agree": "agrees", "disagree": "disagrees", "confirm": "confirmed"}
    return words.get(str(signed.decision), str(signed.decision))


def _labels(keys: list[str], template: Template | None) -> str:
    def label(key: str) -> str:
        if template is None:
            return key.replace("_", " ")
        try:
            return template.field(key).label
        except KeyError:
            return key.replace("_", " ")

    shown = [f"'{label(k)}'" for k in keys[:SHOWN_LABELS]]
    more = len(keys) - SHOWN_LABELS
    if more > 0:
        shown.append(f"{more} more answer{'s' if more > 1 else ''}")
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]
