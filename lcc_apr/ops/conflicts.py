"""Records changed here and on the server: listing them, both versions of one, and
settling one (keep a mix of answers, take the server's version, or restore a record
the server deleted).

Reads return frozen values the dialog shows as they are; writes return Changes. The
sync engine keeps both versions (a Conflict row beside the local record) and pushes
nothing for that record until it is settled here. Any worker thread; no Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from lcc_apr.forms import Catalogue, Field, FieldType, Template
from lcc_apr.forms.display import display_text
from lcc_apr.history import base_state, state_of
from lcc_apr.models import Conflict, Employee, Record
from lcc_apr.store import Store
from lcc_apr.sync import settle
from lcc_apr.sync.apply import DELETED_ON_SERVER, OUT_OF_VIEW
from lcc_apr.sync.merge import STATUS, Merge, merge, resolve
from lcc_apr.workflow import WORKFLOWS

from .changes import Changes

DELETED = DELETED_ON_SERVER  # the pseudo-field apply.take_with_local_changes writes
MINE, THEIRS, EDIT = "mine", "theirs", "edit"  # a disputed answer's choices
OUTSIDE = "(someone outside your view)"


@dataclass(frozen=True)
class Disagreement:
    """One answer (or the status) as it stands on each side, with its readable text."""

    key: str
    label: str
    field: Field | None  # None: the status, or a field the template no longer has
    mine: Any
    theirs: Any
    mine_text: str
    theirs_text: str


@dataclass(frozen=True)
class ConflictView:
    record_id: str
    form: str  # the template's title
    person: str
    record_date: date | None
    answers: tuple[Disagreement, ...]  # answers both sides changed differently
    status: Disagreement | None
    deleted: bool  # deleted on the server while changed here
    reason: str | None  # the server refused the change outright
    merged: Merge  # both sides' other changes combined; disputed answers hold the server's
    local: dict[str, Any]
    server_answers: dict[str, Any] | None  # the server's version, None when none is known
    differences: tuple[Disagreement, ...] = ()  # a refused change: how mine differs
    server_known: bool = False  # the server's whole version is held here (status and all)
    out_of_view: bool = False  # no longer this person's to see: discarding removes the copy

    @property
    def title(self) -> str:
        when = f", {day_words(self.record_date)}" if self.record_date else ""
        return f"{self.form} for {self.person}{when}"


@dataclass(frozen=True)
class ConflictRow:
    record_id: str
    form: str
    person: str
    record_date: date | None
    what: str  # "2 answers", "Refused by the server", ...


def day_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def value_text(field: Field | None, value: Any) -> str:
    """An answer as a person reads it; a group's items one per line."""
    if value is None or value == "" or value == []:
        return ""
    if field is None:
        return str(value)
    if field.type is FieldType.GROUP and isinstance(value, list):
        lines = []
        for number, item in enumerate(value, start=1):
            parts = [
                f"{sub.label}: {display_text(sub, item.get(sub.key))}"
                for sub in field.fields
                if isinstance(item, dict) and item.get(sub.key) not in (None, "")
            ]
            lines.append(f"{number}. " + ("; ".join(parts) or "(empty)"))
        return "\n".join(lines)
    return display_text(field, value)


# -- reads ----------------------------------------------------------------------------


def load_conflict(store: Store, *, catalogue: Catalogue, record_id: str) -> ConflictView:
    """Read: both versions of one record in conflict. KeyError: nothing to resolve."""
    with store.session() as s:
        conflict, record = s.get(Conflict, record_id), s.get(Record, record_id)
        if conflict is None or record is None:
            raise KeyError(record_id)
        form, template = _form_title(catalogue, record)
        subject = s.get(Employee, record.subject_id)
        local, base = state_of(record), base_state(s, record)
        server = conflict.server or base  # a refusal carries no record: the last one held here
        theirs: dict[str, Any] | None = dict(server["answers"]) if server else None
        in_form = _form_order(template)
        pseudo = (STATUS, DELETED, OUT_OF_VIEW)
        keys = sorted((k for k in conflict.fields if k not in pseudo), key=in_form)
        combined = merge(base or {"answers": {}}, local, {"answers": theirs or {}})
        answers = {k: v for k, v in combined.answers.items() if k not in keys}
        answers |= {k: (theirs or {})[k] for k in keys if (theirs or {}).get(k) is not None}
        mine_answers: dict[str, Any] = local["answers"]
        differences: tuple[Disagreement, ...] = ()
        if conflict.reason and not keys and theirs is not None:
            every = set(mine_answers) | set(theirs)
            changed = sorted(
                (k for k in every if mine_answers.get(k) != theirs.get(k)), key=in_form
            )
            differences = tuple(
                _disagreement(template, k, mine_answers.get(k), theirs.get(k)) for k in changed
            )
        status = None
        if STATUS in conflict.fields and server:
            status = Disagreement(
                STATUS,
                "Status",
                None,
                record.status,
                server["status"],
                _status_label(record, record.status),
                _status_label(record, server["status"]),
            )
        return ConflictView(
            record_id=record.id,
            form=form,
            person=subject.display_name if subject else OUTSIDE,
            record_date=record.record_date,
            answers=tuple(
                _disagreement(template, k, mine_answers.get(k), (theirs or {}).get(k)) for k in keys
            ),
            status=status,
            deleted=DELETED in conflict.fields,
            reason=conflict.reason,
            merged=Merge(answers, combined.status, keys),
            local=local,
            server_answers=theirs,
            differences=differences,
            server_known=bool(conflict.server),
            out_of_view=OUT_OF_VIEW in conflict.fields,
        )


def list_conflicts(store: Store, *, catalogue: Catalogue) -> list[ConflictRow]:
    """Read: every unresolved conflict, oldest first."""
    with store.session() as s:
        query = (
            select(Conflict, Record, Employee)
            .join(Record, Record.id == Conflict.record_id)
            .join(Employee, Employee.id == Record.subject_id, isouter=True)
            .order_by(Conflict.created_at, Conflict.record_id)
        )
        return [
            ConflictRow(
                record.id,
                _form_title(catalogue, record)[0],
                subject.display_name if subject else OUTSIDE,
                record.record_date,
                _what(conflict),
            )
            for conflict, record, subject in s.execute(query)
        ]


def final_answers(
    view: ConflictView, *, choices: Mapping[str, str], edits: Mapping[str, Any]
) -> dict[str, Any]:
    """The answers the person chose: everything combined, then mine / the server's / edited."""
    picked = {k: v for k, v in edits.items() if choices.get(k) == EDIT}
    answers = resolve(view.merged, view.local, dict(choices), picked)
    return {k: v for k, v in answers.items() if v is not None}


# -- writes ---------------------------------------------------------------------------


def resolve_conflict(
    store: Store, *, record_id: str, answers: dict[str, Any], user_id: int | None
) -> Changes:
    """Write: settle the conflict with the answers chosen (final_answers); the server's
    version becomes the base and the choice the next local change, sent at the next sync.
    KeyError: nothing left to resolve."""
    return _settling(
        store,
        record_id,
        lambda: settle.resolve_conflict(store, record_id, answers=answers, user_id=user_id),
    )


def accept_server_version(store: Store, *, record_id: str) -> Changes:
    """Write: drop this computer's unsent change; the server's version (status, deletion
    and all) becomes the record, or, for a record no longer this person's to see, the copy
    here goes. ValueError when the server's version is not held here."""
    return _settling(store, record_id, lambda: settle.accept_server_version(store, record_id))


def restore_deleted(store: Store, *, record_id: str, user_id: int | None) -> Changes:
    """Write: keep this computer's version of a record the server deleted; it is sent as a
    restore at the next sync. ValueError when there is nothing to restore."""
    return _settling(
        store, record_id, lambda: settle.restore_deleted(store, record_id, user_id=user_id)
    )


def _settling(store: Store, record_id: str, settle: Callable[[], None]) -> Changes:
    """Run `settle`; what changed: the record, its subject, the counts, and the lists when
    its status or existence moved."""
    before = _standing(store, record_id)
    if before is None:
        raise KeyError(record_id)
    settle()
    after = _standing(store, record_id)
    return Changes(
        records=frozenset({record_id}),
        people=frozenset({before[0]}),
        listed=after != before,
        unsent=True,
        conflicts=True,
    )


def _standing(store: Store, record_id: str) -> tuple[int, str, bool] | None:
    """(subject, status, deleted) of the record, None when it is not here."""
    with store.session() as s:
        record = s.get(Record, record_id)
        return None if record is None else (record.subject_id, record.status, record.deleted)


# -- helpers --------------------------------------------------------------------------


def _what(conflict: Conflict) -> str:
    if OUT_OF_VIEW in conflict.fields:
        return "No longer yours to see"
    if conflict.reason and not conflict.fields:
        return "Refused by the server"
    if DELETED in conflict.fields:
        return "Deleted on the server"
    count = len([k for k in conflict.fields if k != STATUS])
    parts = [f"{count} answer{'s' if count != 1 else ''}"] if count else []
    parts += ["the status"] if STATUS in conflict.fields else []
    return " and ".join(parts).capitalize()


def _form_title(catalogue: Catalogue, record: Record) -> tuple[str, Template | None]:
    try:
        template = catalogue.get(record.template_id, record.template_version)
    except KeyError:
        return record.kind.value.capitalize(), None
    return template.title, template


def _form_order(template: Template | None) -> Callable[[str], tuple[int, str]]:
    """Sorts answer keys as the form shows them; keys it no longer has go last."""
    order = {f.key: i for i, f in enumerate(template.fields())} if template else {}
    return lambda key: (order.get(key, len(order)), key)


def _status_label(record: Record, status: str | None) -> str:
    try:
        return WORKFLOWS[record.kind].state(status or "").label
    except KeyError:
        return status or ""


def _disagreement(template: Template | None, key: str, mine: Any, theirs: Any) -> Disagreement:
    try:
        field: Field | None = template.field(key) if template else None
    except KeyError:
        field = None
    label = field.label if field else key
    return Disagreement(
        key, label, field, mine, theirs, value_text(field, mine), value_text(field, theirs)
    )
