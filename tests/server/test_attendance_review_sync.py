"""Return-to-work interviews and attendance reviews through sync (issue 19, part): started
on the manager's laptop, signed on the employee's, seen by HR, kept from managers further up.

Runs on SQLite, and on PostgreSQL when LCC_APR_TEST_PG_URL is set (tests/server/conftest.py).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from lcc_apr.history import update_record
from lcc_apr.models import Record, RecordKind, Role, SignOff, now_utc
from lcc_apr.new_records import start_record, writable
from lcc_apr.policy import load_policy
from lcc_apr.workflow import take_step
from tests.examples import EXAMPLES, REFERENCE_DATES

from .harness import AS_OF
from .test_signing import CATALOGUE, actor_for
from .test_signing import device as device  # noqa: F401 (the fixture)

POLICY = load_policy()


def pair(people):
    """An employee who manages nobody, and their line manager."""
    employee = next(u for u in people.employees if u.manager_id is not None)
    return employee, people.manager_of(employee.employee_id)


def start_on(laptop, people, kind: RecordKind, subject_id: int, answers: dict) -> str:
    """Start a record on the laptop and fill in the answers its user may write."""
    template = CATALOGUE.current(kind)
    actor = actor_for(people, laptop.user, subject_id)
    with laptop.store.session() as s:
        record = start_record(s, kind=kind, subject_id=subject_id, actor=actor,
                              catalogue=CATALOGUE, policy=POLICY,
                              today=REFERENCE_DATES[template.id], at=now_utc())  # fmt: skip
        roles = frozenset({Role.MANAGER})
        mine = writable(template, answers, roles=roles, today=record.record_date)
        update_record(s, record, user_id=laptop.user.id, at=now_utc(), answers=mine)
        return record.id


def step_on(laptop, people, record_id: str, name: str) -> None:
    with laptop.store.session() as s:
        record = s.get(Record, record_id)
        template = CATALOGUE.get(record.template_id, record.template_version)
        actor = actor_for(people, laptop.user, record.subject_id)
        take_step(s, record, name, actor=actor, template=template, at=now_utc())


def held(laptop, record_id: str) -> tuple[str, str] | None:
    with laptop.store.session() as s:
        record = s.get(Record, record_id)
        return (record.kind.value, record.status) if record else None


def test_an_rtw_interview_goes_to_the_server_is_signed_by_both_and_comes_back(live_server, device):
    people = live_server.people
    employee_user, manager_user = pair(people)
    manager, employee = device(manager_user), device(employee_user)
    manager.sync()
    rtw = EXAMPLES["return_to_work"]
    record_id = start_on(manager, people, RecordKind.RETURN_TO_WORK, employee_user.employee_id, rtw)
    assert manager.sync().sent == 1
    (stored,) = live_server.records(id=record_id)
    assert (stored.kind, stored.status) == (RecordKind.RETURN_TO_WORK, "draft")
    assert stored.answers["absence_first_day"] == "2025-03-03"
    employee.sync()
    assert held(employee, record_id) is None  # a draft is not shared with the employee

    step_on(manager, people, record_id, "share")
    assert manager.sync().sent == 1
    employee.sync()
    assert held(employee, record_id) == ("return_to_work", "shared")
    employee.sign(record_id, people, decision="agree")
    result = employee.sync()
    assert result.sent == 1 and result.refused == [], result.refused
    manager.sync()
    manager.sign(record_id, people)
    assert manager.sync().sent == 1
    (stored,) = live_server.records(id=record_id)
    assert stored.status == "completed"
    with live_server.session() as s:
        rows = s.scalars(select(SignOff).where(SignOff.record_id == record_id)).all()
        assert [(r.role, r.signature is not None) for r in rows] == [
            ("employee", True),
            ("manager", True),
        ]
    hr = device(people.hr[0])
    hr.sync()
    assert held(hr, record_id) == ("return_to_work", "completed")
    employee.sync()
    assert held(employee, record_id) == ("return_to_work", "completed")


def test_an_attendance_review_syncs_and_moves_on_by_its_steps(live_server, device):
    people = live_server.people
    employee_user, manager_user = pair(people)
    manager, employee = device(manager_user), device(employee_user)
    manager.sync()
    review = EXAMPLES["attendance"]
    record_id = start_on(manager, people, RecordKind.ATTENDANCE, employee_user.employee_id, review)
    step_on(manager, people, record_id, "issue_first_warning")
    result = manager.sync()
    assert result.sent == 1 and result.refused == [], result.refused
    (stored,) = live_server.records(id=record_id)
    assert (stored.kind, stored.status) == (RecordKind.ATTENDANCE, "first_warning")
    assert stored.answers["first_warning_outcome_date"] == "2025-01-08"
    employee.sync()
    assert held(employee, record_id) == ("attendance", "first_warning")
    hr = device(people.hr[0])
    hr.sync()
    assert held(hr, record_id) == ("attendance", "first_warning")


def test_managers_further_up_never_see_rtw_interviews_or_attendance_reviews(
    live_server_factory,
):
    server = live_server_factory(indirect_reports=True)
    people = server.people
    top, middle = next(
        (m, r) for m in people.managers for r in people.reports(m) if r in people.managers
    )
    below = next(r for r in people.reports(middle) if r in people.employees)
    hr = server.login(people.hr[0].username)
    made = {}
    for kind, status in (("return_to_work", "draft"), ("attendance", "informal")):
        record = {
            "id": str(uuid.uuid4()),
            "kind": kind,
            "subject_id": below.employee_id,
            "author_id": None,
            "template_id": kind,
            "template_version": 1,
            "answers": {},
            "status": status,
            "record_date": AS_OF.isoformat(),
            "created_at": "2025-11-30T09:00:00+00:00",
            "updated_at": "2025-11-30T09:00:00+00:00",
            "deleted": False,
            "server_rev": None,
            "base_rev": None,
        }
        result = hr.push([record]).json()["results"][0]
        assert result["outcome"] == "applied", result
        made[kind] = record["id"]
    top_items, _ = server.login(top.username).pull_all()
    top_ids = {i["record"]["id"] for i in top_items if "record" in i}
    direct_only = (RecordKind.RETURN_TO_WORK, RecordKind.ATTENDANCE, RecordKind.CAPABILITY)
    below_ids = {  # the demo's own RTW interviews are kept from them too
        r.id for r in server.records(subject_id=below.employee_id) if r.kind not in direct_only
    } - set(made.values())
    assert below_ids <= top_ids  # the rest of the person's records: seen from further up
    assert not set(made.values()) & top_ids
    middle_items, _ = server.login(middle.username).pull_all()
    assert set(made.values()) <= {i["record"]["id"] for i in middle_items if "record" in i}
