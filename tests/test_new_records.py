"""Starting records: carried-forward actions and objectives, the probation point due."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue, validate
from lcc_apr.history import create_record
from lcc_apr.models import Employee, Record, RecordKind, Role
from lcc_apr.new_records import carried_actions, start_record
from lcc_apr.ops.records import actor_towards
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import load_policy
from lcc_apr.store import migrate, plain_engine
from lcc_apr.workflow import WorkflowError

from .test_migrations import populate_first_schema

CATALOGUE = Catalogue.load()
POLICY = load_policy()
AT = datetime(2026, 11, 30, 10, tzinfo=UTC)


@pytest.fixture
def session(tmp_path):
    engine = plain_engine(tmp_path / "n.db")
    migrate.upgrade(engine)
    populate_first_schema(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def add(session, kind, day, answers, status="completed"):
    t = CATALOGUE.current(kind)
    create_record(
        session,
        kind=kind,
        subject_id=2,
        author_id=1,
        template_id=t.id,
        template_version=t.version,
        answers=answers,
        status=status,
        record_date=day,
        at=AT,
    )
    session.flush()


def actor(session, *, employee_id, roles, subject_id=2):
    """Someone as seen from a record about `subject_id` (employee 1 manages 2 and 3); the
    store has one user (1), who writes every record here."""
    me = CurrentUser(1, "User 1", frozenset(roles), employee_id)
    return actor_towards(session, subject_id, user=me)


def start(session, kind, today):
    record = start_record(
        session,
        kind=kind,
        subject_id=2,
        actor=actor(session, employee_id=1, roles={Role.MANAGER}),
        catalogue=CATALOGUE,
        policy=POLICY,
        today=today,
        at=AT,
    )
    template = CATALOGUE.get(record.template_id, record.template_version)
    assert validate(template, record.answers, reference=today) == []
    return record


def test_a_supervision_carries_the_previous_ones_open_actions(session):
    add(
        session,
        RecordKind.SUPERVISION,
        date(2026, 10, 1),
        {
            "previous_actions": [
                {"action": "Finish audit", "owner": "Sam", "status": "open"},
                {"action": "Book training", "owner": "Sam", "status": "done"},
                {"action": "Dropped idea", "owner": "Sam", "status": "dropped", "update": "n/a"},
            ],
            "new_actions": [
                {"action": "Write the care plan", "owner": "Sam", "due_date": "2026-10-20"},
                {"action": "finish audit", "owner": "Sam", "due_date": "2026-10-30"},
            ],
        },
    )
    add(
        session,
        RecordKind.SUPERVISION,
        date(2026, 8, 1),
        {
            "new_actions": [{"action": "Old action", "owner": "Sam", "due_date": "2026-08-30"}],
        },
    )
    record = start(session, RecordKind.SUPERVISION, date(2026, 11, 2))
    assert record.status == "draft" and record.template_id == "supervision"
    assert record.answers["previous_actions"] == [
        {
            "action": "Write the care plan",
            "owner": "Sam",
            "status": "open",
            "due_date": "2026-10-20",
        },
        {"action": "finish audit", "owner": "Sam", "status": "open", "due_date": "2026-10-30"},
    ]


def test_the_first_supervision_starts_empty():
    assert carried_actions({}) == []


def test_an_apr_starts_with_last_years_objectives_to_review(session):
    add(
        session,
        RecordKind.APR,
        date(2025, 5, 1),
        {
            "new_objectives": [
                {
                    "objective": "Cut waiting times",
                    "measure": "Under 28 days",
                    "target_date": "2026-03-31",
                },
            ]
        },
    )
    record = start(session, RecordKind.APR, date(2026, 5, 1))
    assert record.answers["previous_objectives"] == [{"objective": "Cut waiting times"}]


def test_a_probation_review_knows_which_point_is_due(session):
    start_day = date(2026, 6, 1)
    session.execute(
        update(Employee)
        .where(Employee.id == 2)
        .values(start_date=start_day, probation_end_date=start_day + timedelta(weeks=26))
    )
    first = start(session, RecordKind.PROBATION, start_day + timedelta(weeks=8))
    assert (first.answers["review_point_weeks"], first.answers["is_final_review"]) == (8, False)
    for week in (8, 16):
        add(
            session,
            RecordKind.PROBATION,
            start_day + timedelta(weeks=week),
            {"review_point_weeks": week, "is_final_review": False},
        )
    final = start(session, RecordKind.PROBATION, start_day + timedelta(weeks=24))
    assert (final.answers["review_point_weeks"], final.answers["is_final_review"]) == (24, True)
    add(
        session,
        RecordKind.PROBATION,
        start_day + timedelta(weeks=24),
        {
            "review_point_weeks": 24,
            "is_final_review": True,
            "outcome": "extend",
            "extension_end_date": (start_day + timedelta(weeks=34)).isoformat(),
        },
    )
    extra = start(session, RecordKind.PROBATION, start_day + timedelta(weeks=32))
    assert (extra.answers["review_point_weeks"], extra.answers["is_final_review"]) == (32, True)


def test_a_capability_case_starts_informal(session):
    record = start(session, RecordKind.CAPABILITY, date(2026, 11, 30))
    assert record.status == "informal" and record.answers["stage"] == "informal"


def test_starting_for_an_unknown_employee_is_refused(session):
    with pytest.raises(ValueError, match="No employee 99"):
        start_record(
            session,
            kind=RecordKind.APR,
            subject_id=99,
            actor=actor(session, employee_id=1, roles={Role.MANAGER}, subject_id=99),
            catalogue=CATALOGUE,
            policy=POLICY,
            today=date(2026, 5, 1),
            at=AT,
        )


def start_as(session, who, subject_id=2):
    return start_record(
        session,
        kind=RecordKind.SUPERVISION,
        subject_id=subject_id,
        actor=who,
        catalogue=CATALOGUE,
        policy=POLICY,
        today=date(2026, 5, 1),
        at=AT,
    )


@pytest.mark.parametrize(
    ("employee_id", "roles", "subject_id"),
    [
        pytest.param(3, {Role.MANAGER, Role.EMPLOYEE}, 2, id="a manager of someone else"),
        pytest.param(2, {Role.EMPLOYEE}, 2, id="the employee themselves"),
        pytest.param(2, {Role.MANAGER, Role.EMPLOYEE}, 2, id="a manager on their own record"),
        pytest.param(1, {Role.HR, Role.MANAGER}, 1, id="HR on their own record"),
    ],
)
def test_only_the_line_manager_or_hr_may_start_a_record(session, employee_id, roles, subject_id):
    who = actor(session, employee_id=employee_id, roles=roles, subject_id=subject_id)
    with pytest.raises(WorkflowError, match="Only the employee's line manager or HR"):
        start_as(session, who, subject_id)
    assert session.query(Record).count() == 0


@pytest.mark.parametrize(
    ("employee_id", "roles"),
    [
        pytest.param(1, {Role.MANAGER}, id="the line manager"),
        pytest.param(3, {Role.HR, Role.EMPLOYEE}, id="HR"),
        pytest.param(None, {Role.HR}, id="HR with no staff record"),
    ],
)
def test_the_line_manager_and_hr_start_records(session, employee_id, roles):
    who = actor_towards(session, 2, user=CurrentUser(1, "User 1", frozenset(roles), employee_id))
    record = start_as(session, who)
    assert (record.subject_id, record.author_id, record.status) == (2, 1, "draft")


def test_an_action_carried_from_over_a_year_ago_keeps_its_wording_not_its_due_date(session):
    """Found by tests/reliability: the server refused such a supervision at every sync."""
    add(
        session,
        RecordKind.SUPERVISION,
        date(2025, 10, 1),
        {"new_actions": [{"action": "Finish audit", "owner": "Sam", "due_date": "2025-10-20"}]},
    )
    record = start(session, RecordKind.SUPERVISION, date(2026, 12, 5))  # checks validity
    assert record.answers["previous_actions"] == [
        {"action": "Finish audit", "owner": "Sam", "status": "open"}
    ]


def test_hr_starts_a_record_with_only_the_answers_hr_may_write(session):
    """Found by tests/reliability: the server refused HR's new supervision at every sync
    (the date of the meeting and carried actions are the manager's to write)."""
    from lcc_apr.forms import edit_problems
    from lcc_apr.workflow import editing_roles

    add(
        session,
        RecordKind.SUPERVISION,
        date(2026, 4, 1),
        {"new_actions": [{"action": "Finish audit", "owner": "Sam", "due_date": "2026-04-20"}]},
    )
    manager = start_as(session, actor(session, employee_id=1, roles={Role.MANAGER}))
    assert manager.answers["meeting_date"] == "2026-05-01"  # the manager's start is as it was
    assert manager.answers["previous_actions"][0]["action"] == "Finish audit"
    hr = actor_towards(session, 2, user=CurrentUser(1, "HR", frozenset({Role.HR}), 3))
    record = start_as(session, hr)
    template = CATALOGUE.get(record.template_id, record.template_version)
    roles = editing_roles(RecordKind.SUPERVISION, ["draft"], hr.parties())
    assert edit_problems(template, {}, record.answers, roles=roles) == []
    assert "meeting_date" not in record.answers
