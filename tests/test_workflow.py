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


# What APR form v2 adds for its preparation step: a section only the employee writes,
# only while preparing (and the employee's own comments elsewhere).
PREPARATION = """
[[sections]]
key = "self_assessment"
title = "Self-assessment"
editable_in = ["preparation"]
private_in = ["preparation"]
[[sections.fields]]
key = "self_view"
type = "long_text"
label = "Your view"
editable_by = ["employee"]
required_at = ["send_preparation"]
[[sections]]
key = "comments"
title = "Comments"
[[sections.fields]]
key = "employee_comments"
type = "long_text"
label = "Employee's comments"
editable_by = ["employee"]
"""


def template_for(kind: RecordKind, tmp_path, *, preparation: bool = False) -> Template:
    """A minimal template; with `preparation`, one with a self-assessment (APR v2's)."""
    path = tmp_path / kind.value / "v1.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(MINIMAL.format(kind=kind.value) + (PREPARATION if preparation else ""))
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
    template = template_for(kind, tmp_path, preparation=kind is RecordKind.APR)
    workflow = WORKFLOWS[kind]
    for state in reachable(kind):
        for step in workflow.steps_from(state):
            for party, actor in [*ACTORS.items(), (None, STRANGER)]:
                record = new_record(session, kind)
                drive_to(session, record, state, template)
                if step.when and step.when[0].equals == "fail":
                    update_record(session, record, user_id=1, at=T0, answers={"outcome": "fail"})
                if step.name == "send_preparation":
                    update_record(session, record, user_id=2, at=T0, answers={"self_view": "x"})
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
    assert [t.name for t in available_steps(record, self_manager, template)] == []


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
    # A template without a self-assessment (APR v1) has no preparation step.
    assert [t.label for t in available_steps(record, MANAGER, template)] == [
        "Share with {employee} for review"
    ]
    assert available_steps(record, EMPLOYEE, template) == []
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


# --- the preparation step (APR form v2) ------------------------------------------------


def test_a_form_without_a_self_assessment_has_no_preparation_step(session, tmp_path):
    """APR v1 records keep their workflow: 'prepare' is neither offered nor taken."""
    template = template_for(RecordKind.APR, tmp_path)
    record = new_record(session, RecordKind.APR)
    assert "prepare" not in [t.name for t in available_steps(record, MANAGER, template)]
    with pytest.raises(WorkflowError, match="not part of version 1 of this form"):
        take_step(session, record, "prepare", actor=MANAGER, template=template, at=T0)
    assert record.status == "draft"


def test_preparation_legal_and_illegal_moves(session, tmp_path):
    template = template_for(RecordKind.APR, tmp_path, preparation=True)
    record = new_record(session, RecordKind.APR)
    assert [t.name for t in available_steps(record, MANAGER, template)] == ["share", "prepare"]
    for actor in (EMPLOYEE, HR, STRANGER):
        with pytest.raises(WorkflowError, match="Only the manager"):
            take_step(session, record, "prepare", actor=actor, template=template, at=T0)
    with pytest.raises(WorkflowError, match="not possible while the record is draft"):
        take_step(session, record, "send_preparation", actor=EMPLOYEE, template=template, at=T0)
    # The draft needs nothing to go to the employee: the summary is for later.
    take_step(session, record, "prepare", actor=MANAGER, template=template, at=T0)
    assert record.status == "preparation"
    assert [t.name for t in available_steps(record, EMPLOYEE, template)] == ["send_preparation"]
    assert [t.name for t in available_steps(record, MANAGER, template)] == ["withdraw"]
    for name in ("share", "respond", "employee_sign"):
        with pytest.raises(WorkflowError, match="not possible while the record is shared with"):
            take_step(session, record, name, actor=MANAGER, template=template, at=T0)
    for actor in (MANAGER, HR):
        with pytest.raises(WorkflowError, match="Only the employee"):
            take_step(session, record, "send_preparation", actor=actor, template=template, at=T0)
    # Sending needs the self-assessment only (not the manager's summary, still empty).
    with pytest.raises(WorkflowError, match="needs 1 more answer") as err:
        take_step(session, record, "send_preparation", actor=EMPLOYEE, template=template, at=T0)
    assert [p.path for p in err.value.problems] == ["self_view"]
    update_record(session, record, user_id=2, at=T0, answers={"self_view": "A good year."})
    take_step(session, record, "send_preparation", actor=EMPLOYEE, template=template, at=T0)
    assert record.status == "draft"
    # Back with the manager, who shares the review as in version 1.
    update_record(session, record, user_id=1, at=T0, answers={"summary": "Agreed."})
    take_step(session, record, "share", actor=MANAGER, template=template, at=T0)
    assert record.status == "shared"


def test_the_manager_can_take_a_preparation_back(session, tmp_path):
    template = template_for(RecordKind.APR, tmp_path, preparation=True)
    record = new_record(session, RecordKind.APR)
    take_step(session, record, "prepare", actor=MANAGER, template=template, at=T0)
    take_step(session, record, "withdraw", actor=MANAGER, template=template, at=T0)
    assert record.status == "draft"


def test_a_record_in_preparation_waits_for_the_employee():
    from lcc_apr.workflow import waiting_for, waiting_note

    assert waiting_for(RecordKind.APR, "preparation") == {Party.EMPLOYEE}
    note = waiting_note(RecordKind.APR, "preparation", frozenset({Party.MANAGER}), employee="Sam")
    assert note.startswith("Shared with Sam to prepare their self-assessment")
    assert waiting_note(RecordKind.APR, "preparation", frozenset({Party.EMPLOYEE})) == ""
