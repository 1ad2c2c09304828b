"""Editing one record as one person: the working copy, undo/redo, autosave and workflow steps.

An `EditSession` is all the record editor talks to. It loads a record and the
template version it was written with, holds the working answers, and answers
the editor's questions (may this person change this field, is it visible, what
is wrong with it, which steps come next and what do they still need). It never
imports Qt.

Rights come from `edit_problems`, validity from `validate`, steps from the
workflow engine: nothing here restates a rule. Every write goes through
`lcc_apr.history.update_record` or `take_step` inside `store.session()`, so each
saved change is in the record's hash-chained history and marked for sync.

Paths name answers as validation does: `"review_period"`, `"new_objectives[1]"`,
`"new_objectives[1].target_date"`.

Threads: create and edit on the UI thread. `save` and `take` may run on the single
writer thread while the UI keeps editing: they copy the working answers under a
lock, write, then move the saved baseline forward under the lock. After a step the
record is reloaded and what was typed meanwhile is kept on top of it (see `_load`).
"""

from __future__ import annotations

import copy
import pathlib
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from lcc_apr.answer_paths import (
    PROBE,
    Path,
    changed_answers,
    clean,
    get_at,
    item_path,
    parse_path,
    top_key,
    with_changes,
    with_value,
)
from lcc_apr.edit_options import SaveResult, StepOption
from lcc_apr.edit_steps import COUNTERSIGN, signature_lines, step_options
from lcc_apr.forms import (
    Catalogue,
    Field,
    Problem,
    Section,
    Template,
    edit_problems,
    editors,
    is_visible,
    validate,
    warnings,
)
from lcc_apr.forms.display import for_reader
from lcc_apr.history import update_record
from lcc_apr.models import Employee, Record, RecordKind, Role
from lcc_apr.policy import Policy
from lcc_apr.posts import post_held_on
from lcc_apr.workflow import (
    Actor,
    WorkflowError,
    editing_roles,
    is_locked,
    take_step,
    waiting_note,
    workflow_for,
)

UNDO_LIMIT = 200


class StoreLike(Protocol):
    path: pathlib.Path  # the store's file: what is kept beside it (the audit) goes in its folder

    def session(self) -> AbstractContextManager[Session]: ...


class EditRefused(Exception):
    """A change this person may not make (or may not make now); `problems` says which."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


@dataclass
class _Edit:
    path: str
    before: dict[str, Any]
    after: dict[str, Any]
    typing: bool = False  # consecutive sets of one path merge into one undo step
    sealed: bool = False


@dataclass
class _Stacks:
    undo: list[_Edit] = field(default_factory=list)
    redo: list[_Edit] = field(default_factory=list)


class EditSession:
    """One person editing one record. See the module docstring for threads."""

    def __init__(
        self,
        store: StoreLike,
        record_id: str,
        *,
        actor: Actor,
        catalogue: Catalogue,
        policy: Policy | None = None,
    ) -> None:
        self.record_id = record_id
        self.actor = actor
        self._store = store
        self._catalogue = catalogue
        self._policy = policy  # its limits give the form's warnings; None: no warnings
        self._lock = threading.RLock()
        self.roles: frozenset[Role] = frozenset()  # whose fields they may change now (_load)
        with store.session() as session:
            self._load(session)

    # -- loading -----------------------------------------------------------------------

    def _load(self, session: Session, *, keep_working: bool = False) -> None:
        """Take the record as stored. `keep_working`: changes made since the last save
        (typed while a step ran) are kept, rebased onto the stored answers, and can be
        undone; a change the person may no longer make stays too, and `save` refuses it."""
        record = session.get(Record, self.record_id)
        if record is None or record.deleted:
            raise EditRefused("This record no longer exists on this computer.")
        template = self._catalogue.get(record.template_id, record.template_version)
        subject = session.get(Employee, record.subject_id)
        self.subject_id = record.subject_id
        manager = subject.line_manager if subject else None
        held = post_held_on(session, record.subject_id, record.record_date or date.today())
        stored = copy.deepcopy(record.answers)
        with self._lock:  # all at once: the UI thread may be calling set()
            self.template: Template = template
            self.kind = record.kind
            self.status = record.status
            self.locked = is_locked(record)
            self.record_date: date | None = record.record_date
            self.reference = record.record_date or date.today()
            self.subject_name = subject.display_name if subject else "the employee"
            # The post held on the record's date (an old APR: the grade of its time).
            self.subject_post = f"{held.job_title} (grade {held.grade})" if held else ""
            self.limits = self._limits(record.kind, held.job_title if held else "")
            self.manager_name = manager.display_name if manager else "the manager"
            parties = self.actor.parties()
            self.roles = editing_roles(record.kind, [record.status], parties)
            self.read_only_reason = waiting_note(
                record.kind,
                record.status,
                parties,
                employee=self.subject_name,
                manager=self.manager_name,
            )
            self._signers = {
                (s.user_id, str(s.role)) for s in record.sign_offs if not s.superseded_at
            }
            pending = changed_answers(self._saved, self._working) if keep_working else {}
            self._saved: dict[str, Any] = stored
            self._working: dict[str, Any] = with_changes(stored, pending)
            self._stacks = _Stacks()
            if pending:
                self._stacks.undo.append(
                    _Edit(next(iter(pending)), stored, self._working, sealed=True)
                )

    @property
    def store(self) -> StoreLike:
        """Where the record is kept (for reads about it: its history)."""
        return self._store

    @property
    def reads_hr_notes(self) -> bool:
        """HR see the templates' "HR configuration" notes; managers and staff do not."""
        return Role.HR in self.actor.roles

    def shown_text(self, text: str) -> str:
        """Template text (help, guidance) as this person reads it."""
        return for_reader(text, hr=self.reads_hr_notes)

    @property
    def state_label(self) -> str:
        return workflow_for(self._as_record()).state(self.status).label

    def _as_record(self, answers: dict[str, Any] | None = None) -> Record:
        """A detached copy of the record for the workflow engine's checks (never saved)."""
        return Record(
            id=self.record_id,
            kind=self.kind,
            status=self.status,
            answers=answers if answers is not None else self.answers,
            record_date=self.record_date,
        )

    # -- reading -----------------------------------------------------------------------

    @property
    def answers(self) -> dict[str, Any]:
        """A copy of the working answers."""
        with self._lock:
            return copy.deepcopy(self._working)

    @property
    def saved_answers(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._saved)

    @property
    def dirty(self) -> bool:
        """True while the working copy holds changes not yet written to the store."""
        with self._lock:
            return self._working != self._saved

    def value(self, path: str) -> Any:
        with self._lock:
            return copy.deepcopy(get_at(self._working, parse_path(path)))

    def field(self, path: str) -> Field:
        """The template field a path names (indices skipped)."""
        return self._fields_on(parse_path(path))[-1]

    def _fields_on(self, parts: Path) -> list[Field]:
        keys = [p for p in parts if isinstance(p, str)]
        found = [self.template.field(keys[0])]
        for key in keys[1:]:
            found.append(next(f for f in found[-1].fields if f.key == key))
        return found

    def visible(self, path: str) -> bool:
        """Whether the field at `path` is shown: its section's and its own conditions hold."""
        parts = parse_path(path)
        fields = iter(self._fields_on(parts))
        with self._lock:
            answers = self._working
            if not is_visible(self.template.section_of(str(parts[0])).visible_when, answers):
                return False
            scopes: list[dict[str, Any]] = [answers]
            for i, part in enumerate(parts):
                if isinstance(part, int):  # inside an entry: its siblings come first
                    item = get_at(answers, parts[: i + 1])
                    scopes.insert(0, item if isinstance(item, dict) else {})
                elif not is_visible(next(fields).visible_when, *scopes):
                    return False
            return True

    def section_visible(self, key: str) -> bool:
        """Shown: its condition holds, and it is not private to others at this stage."""
        section = next(s for s in self.template.sections if s.key == key)
        with self._lock:
            if self.status in section.private_in and not self._writes(section):
                return False
            return is_visible(section.visible_when, self._working)

    def _writes(self, section: Section) -> bool:
        """Whether this person may write some field of `section` now."""
        return any(self.roles & editors(f) for f in section.fields if f.holds_answer)

    def problems(self, *, strict: bool = False, step: str | None = None) -> list[Problem]:
        """What is wrong with the working answers: lenient while typing, strict before a step."""
        with self._lock:
            answers = copy.deepcopy(self._working)
        return validate(self.template, answers, reference=self.reference, strict=strict, step=step)

    def warnings(self) -> list[Problem]:
        """What deserves a second look but blocks nothing (a session shorter than policy
        asks for this person's staff group)."""
        with self._lock:
            answers = copy.deepcopy(self._working)
        return warnings(self.template, answers, limits=self.limits)

    def _limits(self, kind: str, job_title: str) -> dict[str, float]:
        """The policy limits a form's warn_below settings name, for this record's subject."""
        if self._policy is None or kind != RecordKind.SUPERVISION:
            return {}
        return self._policy.supervision.form_limits(job_title)

    def may_edit(self, path: str) -> bool:
        """Whether this person may change the answer at `path` now (rights and lock)."""
        try:
            self._proposed(parse_path(path), PROBE, check=True)
        except (EditRefused, LookupError, TypeError):
            return False
        return True

    def may_change_items(self, group: str) -> bool:
        """Whether this person may add, remove and reorder the group's entries."""
        items = self.value(group) or []
        try:
            self._proposed(parse_path(group), [*items, {}], check=True)
        except EditRefused:
            return False
        return True

    # -- editing -----------------------------------------------------------------------

    def set(self, path: str, value: Any) -> bool:
        """Change one answer; consecutive changes to one path are one undo step.

        Empty text and empty lists remove the answer. Raises EditRefused for a change
        this person may not make. Returns False when nothing changed.
        """
        parts = parse_path(path)
        value = clean(value)
        with self._lock:
            if get_at(self._working, parts) == value:
                return False
            after = self._proposed(parts, value, check=True)
            self._push(_Edit(path, self._working, after, typing=True))
            return True

    def add_item(self, group: str, index: int | None = None) -> int:
        """Insert an empty entry (at the end by default); returns its index."""
        with self._lock:
            items = list(self.value(group) or [])
            index = len(items) if index is None else max(0, min(index, len(items)))
            items.insert(index, {})
            self._change_items(group, items, item_path(group, index))
            return index

    def remove_item(self, group: str, index: int) -> None:
        with self._lock:
            items = list(self.value(group) or [])
            if not 0 <= index < len(items):
                raise IndexError(f"{group} has no entry {index + 1}")
            del items[index]
            self._change_items(group, items, group)

    def move_item(self, group: str, index: int, to: int) -> None:
        """Move entry `index` to position `to` (both counted from 0)."""
        with self._lock:
            items = list(self.value(group) or [])
            if not (0 <= index < len(items) and 0 <= to < len(items)):
                raise IndexError(f"{group} has no entry {max(index, to) + 1}")
            if index == to:
                return
            items.insert(to, items.pop(index))
            self._change_items(group, items, item_path(group, to))

    def _change_items(self, group: str, items: list[Any], focus: str) -> None:
        after = self._proposed(parse_path(group), clean(items), check=True)
        self._push(_Edit(focus, self._working, after))

    def _proposed(self, parts: Path, value: Any, *, check: bool) -> dict[str, Any]:
        with self._lock:
            after = with_value(self._working, parts, value)
            if check:
                found = edit_problems(
                    self.template,
                    self._working,
                    after,
                    roles=self.roles,
                    locked=self.locked,
                    statuses=[self.status],
                )
                if found and self.read_only_reason:  # not at this stage (the workflow's words)
                    raise EditRefused(self.read_only_reason, found)
                if found:
                    raise EditRefused(_sentence(found), found)
            return after

    def _push(self, edit: _Edit) -> None:
        stacks = self._stacks
        top = stacks.undo[-1] if stacks.undo else None
        if top and edit.typing and top.typing and not top.sealed and top.path == edit.path:
            top.after = edit.after
        else:
            if top:
                top.sealed = True
            stacks.undo.append(edit)
            del stacks.undo[:-UNDO_LIMIT]
        stacks.redo.clear()
        self._working = edit.after

    def seal(self) -> None:
        """End the current typing burst: the next change starts a new undo step."""
        with self._lock:
            if self._stacks.undo:
                self._stacks.undo[-1].sealed = True

    def cancel_typing(self, path: str) -> bool:
        """Undo the typing burst at `path` not yet ended by `seal` (Escape in a field).
        Returns False when there is none; redo brings it back."""
        with self._lock:
            top = self._stacks.undo[-1] if self._stacks.undo else None
            if top is None or top.sealed or not top.typing or top.path != path:
                return False
        return self.undo() is not None

    @property
    def can_undo(self) -> bool:
        return bool(self._stacks.undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._stacks.redo)

    def undo(self) -> str | None:
        """Undo one step; returns the path it touched (for focus), or None if nothing to undo."""
        with self._lock:
            if not self._stacks.undo:
                return None
            edit = self._stacks.undo.pop()
            edit.sealed = True
            self._stacks.redo.append(edit)
            self._working = copy.deepcopy(edit.before)
            return edit.path

    def redo(self) -> str | None:
        with self._lock:
            if not self._stacks.redo:
                return None
            edit = self._stacks.redo.pop()
            self._stacks.undo.append(edit)
            self._working = copy.deepcopy(edit.after)
            return edit.path

    # -- writing -----------------------------------------------------------------------

    def save(self, at: datetime) -> SaveResult:
        """Write the changed top-level answers to the store (one history entry).

        Answers that fail lenient validation stay in the working copy only, listed in
        `held_back`, so the store never holds what the server would refuse. Raises
        EditRefused, writing nothing, if a change is one this person may not make
        (checked against the stored record, which sync or a step may have moved on).
        """
        with self._lock:
            working = copy.deepcopy(self._working)
            base = copy.deepcopy(self._saved)
            self.seal()
        changed = list(changed_answers(base, working))
        invalid = validate(self.template, working, reference=self.reference)
        held = tuple(p for p in invalid if top_key(p.path) in changed)
        write = {k: working.get(k) for k in changed if k not in {top_key(p.path) for p in held}}
        if not write:
            return SaveResult((), held)
        with self._store.session() as session:
            record = self._record(session)
            after = with_changes(record.answers, write)
            roles = editing_roles(record.kind, [record.status], self.actor.parties())
            refused = edit_problems(
                self.template,
                record.answers,
                after,
                roles=roles,
                locked=is_locked(record),
                statuses=[record.status],
            )
            if refused:
                raise EditRefused(f"Not saved. {_sentence(refused)}", refused)
            update_record(session, record, user_id=self.actor.user_id, at=at, answers=write)
        with self._lock:
            self._saved = with_changes(self._saved, write)
        return SaveResult(tuple(write), held)

    def _record(self, session: Session) -> Record:
        record = session.get(Record, self.record_id)
        if record is None or record.deleted:
            raise EditRefused("This record no longer exists on this computer.")
        return record

    # -- workflow ----------------------------------------------------------------------

    def steps(self) -> list[StepOption]:
        """The steps this person could take now, each with the answers it still needs
        (lcc_apr.edit_steps)."""
        return step_options(
            self._as_record(),
            actor=self.actor,
            template=self.template,
            names=(self.subject_name, self.manager_name),
            signers=self._signers,
        )

    def sign(
        self,
        step: str,
        *,
        at: datetime,
        identity: Any,
        decision: str | None = None,
        reason: str | None = None,
        trust: Any = None,
    ) -> str:
        """Save, then sign the record, taking the signing step (`COUNTERSIGN`: HR's
        countersignature); returns the new status. `identity` comes from
        lcc_apr.signing.identity.Signer.ready(). Raises SigningError, WorkflowError or EditRefused;
        nothing is written then."""
        from lcc_apr.signing.signoff import sign_off

        self._save_before_moving_on(at)
        with self._store.session() as session:
            record = self._record(session)
            sign_off(
                session,
                record,
                actor=self.actor,
                template=self.template,
                identity=identity,
                decision=decision,
                reason=reason,
                at=at,
                step=None if step == COUNTERSIGN else step,
                trust=trust,
            )
        return self._moved_on()

    def signatures(self) -> list[str]:
        """Each sign-off of the record and whether it holds, in words, oldest first
        (lcc_apr.edit_steps)."""
        with self._store.session() as session:
            return signature_lines(session, self._record(session))

    def take(self, step: str, *, at: datetime, reason: str | None = None) -> str:
        """Save, then take a workflow step; returns the new status.

        Raises WorkflowError when the step is not allowed or answers are missing,
        EditRefused when changes could not be saved first. Undo history ends here (the
        record has moved on), except for changes typed while the step ran.
        """
        option = next((o for o in self.steps() if o.name == step), None)
        if option is not None and option.signs:
            raise WorkflowError(f"'{option.label}' is a signature: sign the record to take it.")
        self._save_before_moving_on(at)
        with self._store.session() as session:
            record = self._record(session)
            take_step(
                session,
                record,
                step,
                actor=self.actor,
                template=self.template,
                at=at,
                reason=reason,
            )
        return self._moved_on()

    def _save_before_moving_on(self, at: datetime) -> None:
        held = self.save(at).held_back
        if held:
            raise EditRefused(
                f"Correct {len(held)} answer(s) before moving the record on.", list(held)
            )

    def _moved_on(self) -> str:
        with self._store.session() as session:  # the committed state, as anyone now sees it
            self._load(session, keep_working=True)
        return self.status


def _sentence(problems: list[Problem]) -> str:
    return "; ".join(p.message for p in problems[:5]) + ("; ..." if len(problems) > 5 else "")


__all__ = [
    "COUNTERSIGN",
    "EditRefused",
    "EditSession",
    "SaveResult",
    "StepOption",
    "StoreLike",
    "item_path",
    "parse_path",
]
