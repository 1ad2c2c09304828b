"""Workflows: every legal step per party, illegal steps refused, amendments void signatures."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from lcc_apr.forms import Template, load_template
from lcc_apr.history import create_record, history, update_record, verify_history
from lcc_apr.models import ChangeAction, Record, RecordKind, Role, SignOff
from lcc_apr.store import migrate, plain_engine
from lcc_apr.workflow import (
    WORKFLOWS,
    Actor,
    Party,
    WorkflowError,
    available_steps,
    check_step,
    is_locked,
    take_step,
)

from .test_migrations import populate_first_schema

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)
MANAGER = Actor(1, frozenset({Role.MANAGER, Role.EMPLOYEE}), is_line_manager=True)
EMPLOYEE = Actor(2, frozenset({Role.EMPLOYEE}), is_subject=True)
HR = Actor(3, frozenset({Role.HR, Role.EMPLOYEE}))
STRANGER = Actor(4, frozenset({Role.MANAGER, Role.EMPLOYEE}))
ACTORS = {Party.MANAGER: MANAGER, Party.EMPLOYEE: EMPLOYEE, Party.HR: HR}

MINIMAL = """
[template]
id = "{kind}"
version = 1
kind = "{kind}"
title = "Minimal"
[[sections]]
key = "main"
title = "Main"
[[sections.fields]]
key = "summary"
type = "long_text"
label = "Summary"
required_at = ["share", "issue_improvement_note"]
[[sections.fields]]
key = "outcome"
type = "choice"
label = "Outcome"
options = [{{ value = "pass", label = "Pass" }}, {{ value = "fail", label = "Fail" }}]
"""


@pytest.fixture
def session(tmp_path):
    engine = plain_engine(tmp_path / "w.db")
    migrate.upgrade(engine)
    populate_first_schema(engine)  # employees 1-3, user 1 (the manager)
    from sqlalchemy import insert

    from lcc_apr.models import User

    with engine.begin() as c:
        c.execute(
            insert(User.__table__),
            [
                {
                    "id": i,
                    "username": f"u{i}",
                    "employee_id": i if i < 4 else None,
                    "display_name": f"U{i}",
                    "active": True,
                    "created_at": T0,
                }
                for i in (2, 3, 4)
            ],
        )
    with Session(engine) as s:
        yield s
    engine.dispose()


def template_for(kind: RecordKind, tmp_path) -> Template:
    path = tmp_path / kind.value / "v1.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(MINIMAL.format(kind=kind.value))
    return load_template(path)


def new_record(session, kind: RecordKind, answers=None) -> Record:
    record = create_record(
        session,
        kind=kind,
        subject_id=2,
        author_id=1,
        template_id=kind.value,
        template_version=1,
        answers=answers or {"summary": "Done well", "outcome": "pass"},
        status=WORKFLOWS[kind].initial,
        record_date=date(2026, 5, 1),
        at=T0,
    )
    session.flush()
    return record


def reachable(kind: RecordKind) -> list[str]:
    workflow, seen, todo = WORKFLOWS[kind], [], [WORKFLOWS[kind].initial]
    while todo:
        state = todo.pop(0)
        if state in seen:
            continue
        seen.append(state)
        todo += [t.target for t in workflow.steps_from(state) if not t.target.startswith("@")]
    return seen


@pytest.mark.parametrize("kind", list(RecordKind))
def test_every_state_is_reachable_and_every_step_leads_somewhere(kind):
    workflow = WORKFLOWS[kind]
    assert set(reachable(kind)) == {s.name for s in workflow.states}
    assert any(s.final for s in workflow.states)


def drive_to(session, record, state, template) -> None:
    """Take steps (as whoever may) along the shortest path to `state`."""
    workflow = WORKFLOWS[record.kind]
    paths = {workflow.initial: []}
    todo = [workflow.initial]
    while todo:
        here = todo.pop(0)
        for t in workflow.steps_from(here):
            if t.target not in paths and not t.target.startswith("@"):
                paths[t.target] = paths[here] + [t]
                todo.append(t.target)
    for t in paths[state]:
        if t.when and t.when[0].equals == "fail":
            update_record(session, record, user_id=1, at=T0, answers={"outcome": "fail"})
        actor = ACTORS[sorted(t.parties)[0]]
        take_step(session, record, t.name, actor=actor, template=template, at=T0, reason="fix")


@pytest.mark.parametrize("kind", list(RecordKind))
def test_each_step_is_taken_by_its_parties_and_refused_to_everyone_else(session, tmp_path, kind):
    template = template_for(kind, tmp_path)
    workflow = WORKFLOWS[kind]
    for state in reachable(kind):
        for step in workflow.steps_from(state):
            for party, actor in [*ACTORS.items(), (None, STRANGER)]:
                record = new_record(session, kind)
                drive_to(session, record, state, template)
                if step.when and step.when[0].equals == "fail":
                    update_record(session, record, user_id=1, at=T0, answers={"outcome": "fail"})
                if party in step.parties:
                    take_step(
                        session,
                        record,
                        step.name,
                        actor=actor,
                        template=template,
                        at=T0 + timedelta(hours=1),
                        reason="Correcting a date",
                    )
                    assert record.status == step.target or step.target.startswith("@")
                else:
                    with pytest.raises(WorkflowError, match="Only the"):
                        take_step(
                            session,
                            record,
                            step.name,
                            actor=actor,
                            template=template,
                            at=T0,
                            reason="x",
                        )
                assert verify_history(session, record) == []


@pytest.mark.parametrize("kind", list(RecordKind))
def test_steps_from_other_states_are_refused_with_the_reason(session, tmp_path, kind):
    template = template_for(kind, tmp_path)
    workflow = WORKFLOWS[kind]
    record = new_record(session, kind)
    for step in workflow.transitions:
        if workflow.initial in step.sources:
            continue
        actor = ACTORS[sorted(step.parties)[0]]
        with pytest.raises(WorkflowError, match="is not possible while the record is"):
            take_step(session, record, step.name, actor=actor, template=template, at=T0)
    with pytest.raises(WorkflowError, match="no step 'teleport'"):
        check_step(record, "teleport", MANAGER, template)
    assert record.status == workflow.initial and record.local_rev == 1


def test_a_manager_cannot_approve_their_own_record(session, tmp_path):
    template = template_for(RecordKind.APR, tmp_path)
    record = new_record(session, RecordKind.APR)
    self_manager = Actor(
        2, frozenset({Role.MANAGER, Role.EMPLOYEE, Role.HR}), is_subject=True, is_line_manager=True
    )
    with pytest.raises(WorkflowError, match="Only the manager"):
        take_step(session, record, "share", actor=self_manager, template=template, at=T0)
    assert [t.name for t in available_steps(record, self_manager)] == []


def test_a_step_that_needs_answers_lists_them(session, tmp_path):
    template = template_for(RecordKind.APR, tmp_path)
    record = new_record(session, RecordKind.APR, answers={"outcome": "pass"})
    check = check_step(record, "share", MANAGER, template)
    assert [p.path for p in check.problems] == ["summary"]
    with pytest.raises(WorkflowError, match="needs 1 more answer") as err:
        take_step(session, record, "share", actor=MANAGER, template=template, at=T0)
    assert err.value.problems[0].message == "Summary is required"
    assert record.status == "draft"


def test_apr_path_buttons_and_locking(session, tmp_path):
    template = template_for(RecordKind.APR, tmp_path)
    record = new_record(session, RecordKind.APR)
    assert [t.label for t in available_steps(record, MANAGER)] == [
        "Share with {employee} for review"
    ]
    assert available_steps(record, EMPLOYEE) == []
    for name, actor in [
        ("share", MANAGER),
        ("respond", EMPLOYEE),
        ("employee_sign", EMPLOYEE),
        ("manager_sign", MANAGER),
    ]:
        take_step(session, record, name, actor=actor, template=template, at=T0)
    assert record.status == "completed" and is_locked(record)
    assert [e.patch.get("note", {}).get("step") for e in history(session, record.id)][1:] == [
        "share",
        "respond",
        "employee_sign",
        "manager_sign",
    ]


def test_an_amendment_needs_a_reason_voids_signatures_and_keeps_them(session, tmp_path):
    template = template_for(RecordKind.APR, tmp_path)
    record = new_record(session, RecordKind.APR)
    for name, actor in [
        ("share", MANAGER),
        ("respond", EMPLOYEE),
        ("employee_sign", EMPLOYEE),
        ("manager_sign", MANAGER),
    ]:
        take_step(session, record, name, actor=actor, template=template, at=T0)
    for user, role in ((2, "employee"), (1, "manager")):
        session.add(
            SignOff(
                record_id=record.id,
                user_id=user,
                role=role,
                decision="agree",
                signed_at=T0,
                content_hash="0" * 64,
            )
        )
    session.flush()
    session.refresh(record)
    with pytest.raises(WorkflowError, match="Say why"):
        take_step(session, record, "amend", actor=MANAGER, template=template, at=T0, reason=" ")
    later = T0 + timedelta(days=3)
    change = take_step(
        session,
        record,
        "amend",
        actor=HR,
        template=template,
        at=later,
        reason="Wrong objective date recorded",
    )
    assert change.action == ChangeAction.AMEND and change.patch["note"]["reason"]
    assert record.status == "draft" and not is_locked(record)
    assert len(record.sign_offs) == 2 and all(s.superseded_at == later for s in record.sign_offs)


def test_capability_amendment_reissues_to_the_stage_it_came_from(session, tmp_path):
    template = template_for(RecordKind.CAPABILITY, tmp_path)
    record = new_record(session, RecordKind.CAPABILITY)
    drive_to(session, record, "closed_hearing", template)
    take_step(session, record, "amend", actor=HR, template=template, at=T0, reason="Typo")
    assert record.status == "amending"
    take_step(session, record, "reissue", actor=HR, template=template, at=T0)
    assert record.status == "closed_hearing"


def test_probation_fail_goes_to_hr_and_pass_cannot(session, tmp_path):
    template = template_for(RecordKind.PROBATION, tmp_path)
    record = new_record(session, RecordKind.PROBATION)
    drive_to(session, record, "employee_signed", template)
    with pytest.raises(WorkflowError, match="does not fit"):
        take_step(session, record, "refer_to_hr", actor=MANAGER, template=template, at=T0)
    update_record(session, record, user_id=1, at=T0, answers={"outcome": "fail"})
    with pytest.raises(WorkflowError, match="does not fit"):
        take_step(session, record, "manager_sign", actor=MANAGER, template=template, at=T0)
    take_step(session, record, "refer_to_hr", actor=MANAGER, template=template, at=T0)
    assert record.status == "referred_to_hr"
