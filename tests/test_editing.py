"""EditSession: filling each kind of record, its workflow to the end, undo, rights, crashes.

The helpers above the tests (a demo store per test, the cast of people, filling a
record from tests/examples.py) are shared with tests/ui_editor.
"""

from __future__ import annotations

import importlib
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from lcc_apr.demo.build import build_demo_store, open_demo_store
from lcc_apr.editing import COUNTERSIGN, EditRefused, EditSession, item_path, parse_path
from lcc_apr.forms import Catalogue, FieldType
from lcc_apr.history import history, verify_history
from lcc_apr.models import ChangeAction, Employee, Record, RecordKind, Role, User
from lcc_apr.new_records import start_record
from lcc_apr.policy import load_policy
from lcc_apr.server.ca import build_certificate, create_authority
from lcc_apr.server.settings import ServerSettings
from lcc_apr.signing.certs import new_private_key
from lcc_apr.signing.identity import SigningIdentity
from lcc_apr.store import keys
from lcc_apr.workflow import Actor, WorkflowError

from .conftest import MemoryKeyring
from .examples import EXAMPLES, LATEST, REFERENCE_DATES

CATALOGUE = Catalogue.load()
POLICY = load_policy()
AT = datetime(2026, 11, 30, 10, tzinfo=UTC)
M, E, H = "manager", "employee", "hr"

# Who takes each step, to the end of each kind's workflow (capability: through an appeal).
SCRIPTS: dict[RecordKind, list[tuple[str, str]]] = {
    RecordKind.APR: [
        (M, "prepare"),  # APR form v2: the employee's self-assessment before the meeting
        (E, "send_preparation"),
        (M, "share"),
        (E, "respond"),
        (E, "employee_sign"),
        (M, "manager_sign"),
    ],
    RecordKind.SUPERVISION: [(M, "share"), (E, "employee_sign"), (M, "manager_sign")],
    RecordKind.PROBATION: [(M, "share"), (E, "employee_sign"), (M, "manager_sign")],
    RecordKind.CAPABILITY: [
        (M, "issue_improvement_note"),
        (M, "issue_final_warning"),
        (M, "refer_to_hearing"),
        (H, "decide_hearing"),
        (E, "lodge_appeal"),
        (H, "decide_appeal"),
    ],
    RecordKind.RETURN_TO_WORK: [(M, "share"), (E, "employee_sign"), (M, "manager_sign")],
    RecordKind.WELFARE_CONTACT: [(M, "share"), (E, "employee_sign"), (M, "manager_sign")],
    RecordKind.ATTENDANCE: [
        (M, "issue_first_warning"),
        (M, "issue_final_warning"),
        (M, "refer_to_hearing"),
        (H, "decide_hearing"),
        (E, "lodge_appeal"),
        (H, "decide_appeal"),
    ],
}
FINAL = {
    RecordKind.APR: "completed",
    RecordKind.SUPERVISION: "completed",
    RecordKind.PROBATION: "completed",
    RecordKind.CAPABILITY: "appeal_decided",
    RecordKind.RETURN_TO_WORK: "completed",
    RecordKind.ATTENDANCE: "appeal_decided",
    RecordKind.WELFARE_CONTACT: "completed",
}


# -- shared helpers (also used by tests/ui_editor) ---------------------------------------

AUTHORITY = create_authority("Test County Council", AT - timedelta(days=30))


def identity(user_id: int, store: Any = None) -> SigningIdentity:
    """A signing key and certificate for this user (named as in `store` when given, so
    the signature checks as theirs), from a test authority."""
    person = SimpleNamespace(display_name=f"User {user_id}", username=f"u{user_id}")
    if store is not None:
        with store.session() as s:
            user = s.get(User, user_id)
            person = SimpleNamespace(display_name=user.display_name, username=user.username)
    key = new_private_key()
    settings = ServerSettings(database_url="sqlite://", secret_key="x" * 40)
    cert = build_certificate(AUTHORITY, person, key.public_key(), settings, AT - timedelta(days=1))
    return SigningIdentity(key, cert, user_id)


def move_on(session: EditSession, step: str, *, at: datetime = AT, reason: str | None = None):
    """Take a step as the app does: signing steps are signed (the first decision offered)."""
    option = next((o for o in session.steps() if o.name == step), None)
    if option is not None and option.signs:
        who = identity(session.actor.user_id, session._store)
        return session.sign(step, at=at, identity=who, decision=option.decisions[0])
    return session.take(step, at=at, reason=reason)


def build_demo(path: Path, ring: MemoryKeyring | None) -> Path:
    """A small demo organisation (50 people); ring None: the published passphrase."""
    build_demo_store(path, size=50, as_of=date(2026, 11, 30), keyring_backend=ring)
    return path


def copy_store(source: Path, source_ring: MemoryKeyring, dest: Path, ring: MemoryKeyring) -> Path:
    """Copy a store and its key file; put its key into `ring`."""
    shutil.copy(source, dest)
    shutil.copy(keys.info_path(source), keys.info_path(dest))
    info = keys.read_info(dest)
    assert info
    name = keys.entry_name(info)
    ring.set_password(keys.SERVICE, name, source_ring.get_password(keys.SERVICE, name) or "")
    return dest


@dataclass(frozen=True)
class Cast:
    """An employee, their line manager and someone in HR, as workflow actors."""

    subject_id: int
    manager: Actor
    employee: Actor
    hr: Actor

    def __getitem__(self, party: str) -> Actor:
        return {M: self.manager, E: self.employee, H: self.hr}[party]


def cast_of(store: Any) -> Cast:
    with store.session() as s:
        users = {u.employee_id: u for u in s.scalars(select(User)) if u.employee_id}
        hr = next(u for u in users.values() if Role.HR in u.roles)
        for employee in s.scalars(select(Employee).order_by(Employee.id)):
            boss = users.get(employee.line_manager_id)
            me = users.get(employee.id)
            if not (boss and me and Role.MANAGER in boss.roles):
                continue
            if hr.id in (boss.id, me.id) or Role.MANAGER in me.roles:
                continue
            return Cast(
                subject_id=employee.id,
                manager=Actor(boss.id, boss.roles, is_line_manager=True),
                employee=Actor(me.id, me.roles, is_subject=True),
                hr=Actor(hr.id, hr.roles),
            )
    raise AssertionError("the demo organisation has no suitable employee")


def start(store: Any, cast: Cast, kind: RecordKind) -> str:
    """A new record of `kind` dated like its example in tests/examples.py."""
    with store.session() as s:
        record = start_record(
            s,
            kind=kind,
            subject_id=cast.subject_id,
            actor=cast.manager,
            catalogue=CATALOGUE,
            policy=POLICY,
            today=REFERENCE_DATES[CATALOGUE.current(kind).id],
            at=AT,
        )
        return record.id


def fill(session: EditSession, example: dict[str, Any]) -> list[str]:
    """Set every answer of `example` this person may change now; returns their keys."""
    done = []
    for f in session.template.fields():
        want = example.get(f.key)
        if want is None or session.value(f.key) == want or not session.may_edit(f.key):
            continue
        if f.type is FieldType.GROUP:
            while session.value(f.key):
                session.remove_item(f.key, 0)
            for i, item in enumerate(want):
                session.add_item(f.key)
                for key, value in item.items():
                    session.set(item_path(f.key, i, key), value)
        else:
            session.set(f.key, want)
        done.append(f.key)
    return done


def responded_apr(store: Any, cast: Cast, response: str) -> str:
    """An APR shared by the manager, to which the employee answered `response`."""
    record_id = start(store, cast, RecordKind.APR)
    manager = open_as(store, record_id, cast.manager)
    fill(manager, LATEST["apr"])
    manager.take("share", at=AT)
    employee = open_as(store, record_id, cast.employee)
    reasons = {"disagreement_reasons": "Objective 2 was never agreed."}
    fill(employee, {**LATEST["apr"], "employee_response": response, **reasons})
    employee.take("respond", at=AT)
    return record_id


def stored(store: Any, record_id: str) -> Record:
    with store.session() as s:
        return s.get(Record, record_id)


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MemoryKeyring]:
    ring = MemoryKeyring()
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.db", ring), ring


@pytest.fixture
def store(tmp_path, _demo_template, memory_keyring):
    path = copy_store(*_demo_template, tmp_path / "demo.db", memory_keyring)
    opened = open_demo_store(path, keyring_backend=memory_keyring)
    yield opened
    opened.close()


@pytest.fixture
def cast(store) -> Cast:
    return cast_of(store)


def open_as(store, record_id: str, actor: Actor) -> EditSession:
    return EditSession(store, record_id, actor=actor, catalogue=CATALOGUE)


# -- whole workflows ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(RecordKind))
def test_each_kind_is_filled_and_taken_through_its_workflow(store, cast, kind):
    template_id = CATALOGUE.current(kind).id
    example = LATEST[template_id]
    record_id = start(store, cast, kind)
    at = AT
    first = open_as(store, record_id, cast.manager)
    opening = {o.name: o for o in first.steps()}
    checked = next(step for _, step in SCRIPTS[kind] if step in opening and step != "prepare")
    assert not opening[checked].ready  # nothing filled in yet
    for party, step in SCRIPTS[kind]:
        for filler in (M, E, H):
            session = open_as(store, record_id, cast[filler])
            if fill(session, example):
                assert session.dirty and session.problems() == []
                at += timedelta(minutes=1)
                result = session.save(at)
                assert result.written and not result.held_back and not session.dirty
        session = open_as(store, record_id, cast[party])
        option = {o.name: o for o in session.steps()}[step]
        assert option.ready, option.missing
        assert "{" not in option.label
        at += timedelta(minutes=1)
        new_status = move_on(session, step, at=at)
        assert session.status == new_status and not session.can_undo

    record = stored(store, record_id)
    assert record.status == FINAL[kind]
    assert record.answers == example
    assert record.dirty
    with store.session() as s:
        assert verify_history(s, s.get(Record, record_id)) == []
        notes = [c.patch.get("note", {}).get("step") for c in history(s, record_id)]
    assert [n for n in notes if n] == [step for _, step in SCRIPTS[kind]]


def test_a_probation_not_passed_goes_through_hr(store, cast):
    record_id = start(store, cast, RecordKind.PROBATION)
    failing = {
        **EXAMPLES["probation"],
        "outcome": "fail",
        "fail_reasons": "Invoices were still wrong after support.",
    }
    manager = open_as(store, record_id, cast.manager)
    fill(manager, failing)
    manager.take("share", at=AT)
    employee = open_as(store, record_id, cast.employee)
    move_on(employee, "employee_sign")
    manager = open_as(store, record_id, cast.manager)
    options = {o.name: o for o in manager.steps()}
    assert set(options) == {"refer_to_hr", "amend"}  # not "manager_sign": the outcome is fail
    assert options["refer_to_hr"].label == "Refer to HR: probation not passed"
    move_on(manager, "refer_to_hr")
    hr = open_as(store, record_id, cast.hr)
    assert hr.locked and hr.may_edit("hr_decision") and not hr.may_edit("fail_reasons")
    (close,) = [o for o in hr.steps() if o.name == "hr_close"]
    assert {p.path for p in close.missing} == {
        "hr_meeting_date",
        "hr_decision",
        "hr_decision_reasons",
        "hr_letter_date",
    }
    hr.set("hr_meeting_date", "2025-07-30")
    hr.set("hr_decision", "end_employment")
    hr.set("hr_decision_reasons", "Standards not met; alternatives considered.")
    hr.set("hr_letter_date", "2025-07-31")
    # Version 2: ending employment needs the right of appeal confirmed as told.
    (close,) = [o for o in hr.steps() if o.name == "hr_close"]
    assert {p.path for p in close.missing} == {"appeal_right_given"}
    hr.set("appeal_right_given", True)
    assert move_on(hr, "hr_close") == "completed"
    with store.session() as s:
        assert verify_history(s, s.get(Record, record_id)) == []


# -- steps -------------------------------------------------------------------------------


def test_step_labels_name_the_people_and_list_what_is_missing(store, cast):
    record_id = start(store, cast, RecordKind.APR)
    manager = open_as(store, record_id, cast.manager)
    with store.session() as s:
        subject = s.get(Employee, cast.subject_id)
        name, boss = subject.display_name, subject.line_manager.display_name
    share, prepare = manager.steps()
    assert share.label == f"Share with {name} for review"
    assert not share.locks and not share.needs_reason
    assert prepare.label == f"Share with {name} to prepare" and prepare.ready  # APR v2
    missing = {p.path for p in share.missing}
    assert {"new_objectives", "overall_rating", "manager_comments"} <= missing
    with pytest.raises(WorkflowError, match="needs .* more answer"):
        manager.take("share", at=AT)
    assert stored(store, record_id).status == "draft"
    fill(manager, LATEST["apr"])
    manager.take("share", at=AT)
    employee = open_as(store, record_id, cast.employee)
    labels = {o.name: o.label for o in employee.steps()}
    assert labels == {"respond": f"Send my response to {boss}"}
    assert employee.steps()[0].missing[0].path == "employee_response"
    # Unsaved answers count: the step is ready as soon as the working copy has them.
    employee.set("employee_response", "agree")
    assert employee.steps()[0].ready and employee.dirty
    employee.take("respond", at=AT)
    (sign,) = employee.steps()
    assert sign.name == "employee_sign" and sign.locks


def test_an_amendment_needs_a_reason_and_reopens_the_record(store, cast):
    record_id = start(store, cast, RecordKind.SUPERVISION)
    example = EXAMPLES["supervision"]
    for party, step in SCRIPTS[RecordKind.SUPERVISION]:
        session = open_as(store, record_id, cast[party])
        fill(session, example)
        move_on(session, step)
    manager = open_as(store, record_id, cast.manager)
    assert manager.locked and not manager.may_edit("workload")
    (amend,) = manager.steps()
    assert amend.needs_reason and amend.voids_signatures
    with pytest.raises(WorkflowError, match="Say why"):
        manager.take("amend", at=AT)
    manager.take("amend", at=AT, reason="The next supervision date was wrong")
    assert manager.status == "draft" and not manager.locked and manager.may_edit("workload")


# -- editing -----------------------------------------------------------------------------


def test_typing_is_one_undo_step_and_undo_redo_walk_the_stack(store, cast):
    record_id = start(store, cast, RecordKind.APR)
    s = open_as(store, record_id, cast.manager)
    assert not s.can_undo and s.undo() is None
    for text in ("A", "A g", "A good year"):
        s.set("manager_comments", text)
    s.set("review_period", "2025")
    assert s.undo() == "review_period" and s.value("review_period") is None
    assert s.undo() == "manager_comments" and s.value("manager_comments") is None
    assert not s.can_undo and s.can_redo
    assert s.redo() == "manager_comments" and s.value("manager_comments") == "A good year"
    s.seal()  # focus moved away and back: the next typing is a new step
    s.set("manager_comments", "A good year.")
    assert s.undo() == "manager_comments" and s.value("manager_comments") == "A good year"
    s.set("manager_comments", "Changed")
    assert not s.can_redo  # a new change drops what could be redone
    s.set("manager_comments", "")
    assert "manager_comments" not in s.answers  # empty text is no answer


def test_group_entries_are_added_removed_and_moved_with_undo(store, cast):
    record_id = start(store, cast, RecordKind.APR)
    s = open_as(store, record_id, cast.manager)
    for i, name in enumerate(["one", "two", "three"]):
        assert s.add_item("new_objectives") == i
        s.set(item_path("new_objectives", i, "objective"), name)
    s.move_item("new_objectives", 2, 0)
    assert [o["objective"] for o in s.value("new_objectives")] == ["three", "one", "two"]
    s.remove_item("new_objectives", 1)
    assert [o["objective"] for o in s.value("new_objectives")] == ["three", "two"]
    assert s.add_item("new_objectives", 0) == 0
    assert s.value("new_objectives")[0] == {}
    assert s.undo() == "new_objectives[0]"
    assert s.undo() == "new_objectives"  # the removal
    assert s.undo() == "new_objectives[0]"  # the move
    assert [o["objective"] for o in s.value("new_objectives")] == ["one", "two", "three"]
    s.redo()
    s.save(AT)
    assert [o["objective"] for o in stored(store, record_id).answers["new_objectives"]] == [
        "three",
        "one",
        "two",
    ]
    with pytest.raises(IndexError):
        s.move_item("new_objectives", 0, 3)
    with pytest.raises(IndexError):
        s.remove_item("new_objectives", 5)


def test_fields_the_person_may_not_edit_are_refused(store, cast):
    record_id = start(store, cast, RecordKind.APR)
    employee = open_as(store, record_id, cast.employee)
    manager = open_as(store, record_id, cast.manager)
    hr = open_as(store, record_id, cast.hr)
    assert employee.may_edit("employee_comments") and not employee.may_edit("manager_comments")
    assert not employee.may_change_items("new_objectives")
    assert manager.may_edit("manager_comments") and not manager.may_edit("employee_comments")
    assert manager.may_change_items("new_objectives")
    assert not hr.may_edit("manager_comments") and not hr.may_edit("employee_comments")
    with pytest.raises(EditRefused, match="can only be changed by the manager") as refused:
        employee.set("manager_comments", "Mine now")
    assert refused.value.problems[0].path == "manager_comments"
    with pytest.raises(EditRefused, match="New objectives can only be changed by the manager"):
        employee.add_item("new_objectives")
    assert not employee.dirty and "manager_comments" not in stored(store, record_id).answers


def test_a_locked_record_refuses_edits_even_when_it_locked_during_editing(store, cast):
    record_id = start(store, cast, RecordKind.SUPERVISION)
    manager = open_as(store, record_id, cast.manager)
    fill(manager, EXAMPLES["supervision"])
    manager.take("share", at=AT)
    employee = open_as(store, record_id, cast.employee)
    employee.set("employee_comments", "Added while signing elsewhere")  # not yet saved
    move_on(open_as(store, record_id, cast.employee), "employee_sign")
    before = stored(store, record_id)
    with pytest.raises(EditRefused, match="Not saved. Employee's .* cannot change after sign-off"):
        employee.save(AT)
    after = stored(store, record_id)
    assert after.answers == before.answers and after.local_rev == before.local_rev
    reopened = open_as(store, record_id, cast.manager)
    assert reopened.locked and not reopened.may_edit("performance")
    with pytest.raises(EditRefused, match="cannot change after sign-off"):
        reopened.set("performance", "x")
    with pytest.raises(EditRefused):
        reopened.add_item("new_actions")


def test_fields_marked_for_it_change_after_sign_off(store, cast):
    record_id = start(store, cast, RecordKind.CAPABILITY)
    for party, step in SCRIPTS[RecordKind.CAPABILITY][:4]:
        session = open_as(store, record_id, cast[party])
        fill(session, EXAMPLES["capability"])
        move_on(session, step)
    employee = open_as(store, record_id, cast.employee)
    assert employee.status == "closed_hearing" and employee.locked
    assert employee.may_edit("appeal_grounds") and not employee.may_edit("employee_comments")
    assert not employee.may_edit("concerns")
    assert [o.name for o in employee.steps()] == ["lodge_appeal"]


def test_only_changed_answers_are_written_and_invalid_ones_are_held_back(store, cast):
    record_id = start(store, cast, RecordKind.SUPERVISION)
    s = open_as(store, record_id, cast.manager)
    s.set("attendees", "Aisha and Tom")
    s.set("duration_minutes", 1000)  # more than the template's 480
    s.set("next_supervision_date", "2020-01-01")  # before the record's date
    result = s.save(AT)
    assert result.written == ("attendees",)
    assert {p.path for p in result.held_back} == {"duration_minutes", "next_supervision_date"}
    assert s.dirty  # the held-back answers are still unsaved
    answers = stored(store, record_id).answers
    assert answers["attendees"] == "Aisha and Tom" and "duration_minutes" not in answers
    with store.session() as sess:
        last = history(sess, record_id)[-1]
    assert last.action == ChangeAction.UPDATE and last.patch == {
        "answers": {"attendees": "Aisha and Tom"}
    }
    assert s.save(AT).written == ()  # nothing new to write
    s.set("duration_minutes", 45)
    s.set("next_supervision_date", None)
    assert set(s.save(AT).written) == {"duration_minutes"}
    assert not s.dirty


def test_conditional_fields_follow_the_answers(store, cast):
    record_id = start(store, cast, RecordKind.SUPERVISION)
    s = open_as(store, record_id, cast.manager)
    assert not s.visible("agreed_frequency")
    s.set("agreement_status", "new")
    assert s.visible("agreed_frequency") and s.visible("confidentiality")
    s.set("agreement_status", "unchanged")
    assert not s.visible("agreed_frequency")
    while s.value("previous_actions"):
        s.remove_item("previous_actions", 0)
    s.add_item("previous_actions")
    assert not s.visible("previous_actions[0].update")
    s.set("previous_actions[0].status", "dropped")
    assert s.visible("previous_actions[0].update")
    assert s.field("previous_actions[0].update").label == "Progress or reason"


def test_reopening_after_a_crash_shows_the_last_saved_answers(store, cast, memory_keyring):
    record_id = start(store, cast, RecordKind.APR)
    s = open_as(store, record_id, cast.manager)
    s.set("manager_comments", "Saved by the autosave")
    s.save(AT)
    s.set("manager_comments", "Typed after the last autosave")
    s.add_item("new_objectives")
    del s  # the process dies: no save, no clean shutdown of the session
    store.engine.dispose()
    reopened_store = open_demo_store(store.path, keyring_backend=memory_keyring)
    try:
        again = open_as(reopened_store, record_id, cast.manager)
        assert again.value("manager_comments") == "Saved by the autosave"
        assert not again.dirty and not again.can_undo
        assert again.value("new_objectives") is None
    finally:
        reopened_store.close()


def test_paths_are_parsed_strictly():
    assert parse_path("a") == ("a",)
    assert parse_path("new_objectives[2].target_date") == ("new_objectives", 2, "target_date")
    for wrong in ("", "[1]", "a[x]", "a.b.", ".a", "a b", "A"):
        with pytest.raises(ValueError):
            parse_path(wrong)


def test_hr_is_offered_a_countersignature_once_a_manager_closes_a_case(store, cast):
    record_id = start(store, cast, RecordKind.CAPABILITY)
    manager = open_as(store, record_id, cast.manager)
    fill(manager, EXAMPLES["capability"])
    assert move_on(manager, "close_improved") == "closed_improved"
    hr = open_as(store, record_id, cast.hr)
    (countersign,) = [o for o in hr.steps() if o.signs]
    assert countersign.name == COUNTERSIGN and countersign.decisions == ("confirm",)
    hr.sign(COUNTERSIGN, at=AT, identity=identity(cast.hr.user_id, store), decision="confirm")
    assert not [o for o in hr.steps() if o.signs]  # given once
    assert [line.split(":")[0] for line in hr.signatures()] == ["Not checked yet"] * 2


# -- typing while a step runs (the writer thread) ----------------------------------------


def typing_during(monkeypatch, write: str, typing: Callable[[], None]) -> None:
    """Make the step's store write (`write`, "module.name") wait, once it has written,
    while another thread runs `typing`: the person typing as the writer thread works."""
    module, name = write.rsplit(".", 1)
    real = getattr(importlib.import_module(module), name)

    def writing(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        typist = threading.Thread(target=typing)
        typist.start()
        typist.join(10)
        return result

    monkeypatch.setattr(write, writing)


def test_text_typed_while_a_step_runs_is_kept_and_saved_later(store, cast, monkeypatch):
    record_id = start(store, cast, RecordKind.CAPABILITY)
    manager = open_as(store, record_id, cast.manager)
    fill(manager, EXAMPLES["capability"])
    typed = "Typed while the case moved on"
    typing_during(monkeypatch, "lcc_apr.editing.take_step", lambda: manager.set("concerns", typed))
    assert manager.take("issue_improvement_note", at=AT) == "improvement_note"
    assert manager.value("concerns") == typed and manager.dirty
    assert stored(store, record_id).answers["concerns"] == EXAMPLES["capability"]["concerns"]
    assert manager.save(AT).written == ("concerns",)
    assert stored(store, record_id).answers["concerns"] == typed and not manager.dirty


def test_text_typed_while_sharing_is_kept_and_refused_not_dropped(store, cast, monkeypatch):
    """Shared, the manager's answers wait for the employee: what was typed meanwhile is
    kept in the form, and refused with the workflow's reason."""
    record_id = start(store, cast, RecordKind.SUPERVISION)
    manager = open_as(store, record_id, cast.manager)
    fill(manager, EXAMPLES["supervision"])
    typed = "Typed while the record was being shared"
    typing_during(
        monkeypatch, "lcc_apr.editing.take_step", lambda: manager.set("performance", typed)
    )
    assert manager.take("share", at=AT) == "shared"
    assert manager.value("performance") == typed and manager.dirty
    with pytest.raises(EditRefused, match="Not saved"):
        manager.save(AT)
    assert stored(store, record_id).answers["performance"] == EXAMPLES["supervision"]["performance"]


def test_text_typed_while_signing_is_kept_and_refused_not_dropped(store, cast, monkeypatch):
    record_id = start(store, cast, RecordKind.SUPERVISION)
    manager = open_as(store, record_id, cast.manager)
    fill(manager, EXAMPLES["supervision"])
    manager.take("share", at=AT)
    employee = open_as(store, record_id, cast.employee)
    typed = "Typed while signing"
    typing_during(
        monkeypatch,
        "lcc_apr.signing.signoff.sign_off",
        lambda: employee.set("employee_comments", typed),
    )
    assert move_on(employee, "employee_sign") == "employee_signed"
    assert employee.locked and employee.value("employee_comments") == typed and employee.dirty
    with pytest.raises(EditRefused, match="cannot change after sign-off") as refused:
        employee.save(AT)
    assert [p.path for p in refused.value.problems] == ["employee_comments"]
    assert stored(store, record_id).answers.get("employee_comments") != typed
    assert employee.undo() == "employee_comments"  # the person can let it go
    assert not employee.dirty and not employee.can_undo


# -- rights by stage (issue 12, defect 10) -------------------------------------------------


def test_what_each_party_may_edit_follows_the_stage(store, cast):
    record_id = start(store, cast, RecordKind.APR)
    manager = EditSession(store, record_id, actor=cast.manager, catalogue=CATALOGUE)
    fill(manager, LATEST["apr"])
    assert manager.may_edit("manager_comments") and manager.read_only_reason == ""
    manager.take("share", at=AT)
    # Shared: the manager's answers wait for the employee's response.
    assert not manager.may_edit("manager_comments")
    assert not manager.may_change_items("new_objectives")
    assert manager.read_only_reason.startswith(f"Shared with {manager.subject_name} for")
    with pytest.raises(EditRefused, match="Shared with"):
        manager.set("manager_comments", "Changed behind their back")
    employee = EditSession(store, record_id, actor=cast.employee, catalogue=CATALOGUE)
    assert employee.may_edit("employee_comments") and employee.read_only_reason == ""
    employee.set("employee_comments", "Fair.")
    employee.set("employee_response", "agree")
    employee.take("respond", at=AT)
    # Responded: the response is sent; neither side edits until the manager revises.
    assert not employee.may_edit("employee_comments")
    assert manager.manager_name in employee.read_only_reason
    manager = EditSession(store, record_id, actor=cast.manager, catalogue=CATALOGUE)
    assert not manager.may_edit("manager_comments") and "Revise" in manager.read_only_reason
    manager.take("revise", at=AT)
    assert manager.may_edit("manager_comments")


def test_the_employees_self_assessment_is_theirs_while_preparing(store, cast):
    """APR form v2: the manager shares the draft to prepare; only the employee sees and
    writes the self-assessment, and nothing else, until they send it back."""
    record_id = start(store, cast, RecordKind.APR)
    manager = open_as(store, record_id, cast.manager)
    assert manager.template.version == 2
    assert manager.section_visible("self_assessment")  # empty and read-only in the draft
    assert not manager.may_edit("self_achievements")
    manager.take("prepare", at=AT)
    assert not manager.section_visible("self_assessment")  # not theirs to read yet
    assert not manager.may_edit("manager_comments")
    assert manager.read_only_reason.startswith(f"Shared with {manager.subject_name} to prepare")
    employee = open_as(store, record_id, cast.employee)
    assert employee.section_visible("self_assessment")
    assert employee.may_edit("self_achievements") and not employee.may_edit("employee_comments")
    with pytest.raises(EditRefused):
        employee.set("employee_response", "agree")
    (send,) = employee.steps()
    assert send.name == "send_preparation" and not send.ready
    assert {p.path for p in send.missing} == {"self_achievements", "self_development"}
    fill(employee, LATEST["apr"])
    employee.save(AT)
    employee.take("send_preparation", at=AT + timedelta(minutes=1))
    manager = open_as(store, record_id, cast.manager)
    assert manager.status == "draft" and manager.section_visible("self_assessment")
    assert manager.value("self_achievements") == LATEST["apr"]["self_achievements"]
    assert not manager.may_edit("self_achievements") and manager.may_edit("manager_comments")
    employee = open_as(store, record_id, cast.employee)
    assert not employee.may_edit("self_achievements")  # sent: it stays as written
