"""Welfare contacts in long-term absence through sync (issue 19): started on the manager's
laptop, signed on the employee's, seen by HR, kept from managers further up.

Runs on SQLite, and on PostgreSQL when LCC_APR_TEST_PG_URL is set (tests/server/conftest.py).
"""

from __future__ import annotations

import uuid

from lcc_apr.models import RecordKind
from tests.examples import EXAMPLES

from .harness import AS_OF
from .test_attendance_review_sync import held, pair, start_on, step_on
from .test_signing import device as device  # noqa: F401 (the fixture)


def test_a_welfare_contact_goes_to_the_server_is_signed_by_both_and_comes_back(live_server, device):
    people = live_server.people
    employee_user, manager_user = pair(people)
    manager, employee = device(manager_user), device(employee_user)
    manager.sync()
    contact = EXAMPLES["welfare_contact"]
    subject = employee_user.employee_id
    record_id = start_on(manager, people, RecordKind.WELFARE_CONTACT, subject, contact)
    assert manager.sync().sent == 1
    (stored,) = live_server.records(id=record_id)
    assert (stored.kind, stored.status) == (RecordKind.WELFARE_CONTACT, "draft")
    assert stored.answers["next_contact_date"] == "2025-02-17"
    employee.sync()
    assert held(employee, record_id) is None  # a draft is not shared with the employee

    step_on(manager, people, record_id, "share")
    assert manager.sync().sent == 1
    employee.sync()
    assert held(employee, record_id) == ("welfare_contact", "shared")
    employee.sign(record_id, people, decision="agree")
    result = employee.sync()
    assert result.sent == 1 and result.refused == [], result.refused
    manager.sync()
    manager.sign(record_id, people)
    assert manager.sync().sent == 1
    (stored,) = live_server.records(id=record_id)
    assert stored.status == "completed"
    hr = device(people.hr[0])
    hr.sync()
    assert held(hr, record_id) == ("welfare_contact", "completed")


def test_managers_further_up_never_see_welfare_contacts(live_server_factory):
    server = live_server_factory(indirect_reports=True)
    people = server.people
    top, middle = next(
        (m, r) for m in people.managers for r in people.reports(m) if r in people.managers
    )
    below = next(r for r in people.reports(middle) if r in people.employees)
    record = {
        "id": str(uuid.uuid4()),
        "kind": "welfare_contact",
        "subject_id": below.employee_id,
        "author_id": None,
        "template_id": "welfare_contact",
        "template_version": 1,
        "answers": {},
        "status": "draft",
        "record_date": AS_OF.isoformat(),
        "created_at": "2025-11-30T09:00:00+00:00",
        "updated_at": "2025-11-30T09:00:00+00:00",
        "deleted": False,
        "server_rev": None,
        "base_rev": None,
    }
    result = server.login(people.hr[0].username).push([record]).json()["results"][0]
    assert result["outcome"] == "applied", result

    def pulled(user) -> set[str]:
        items, _ = server.login(user.username).pull_all()
        return {i["record"]["id"] for i in items if "record" in i}

    assert record["id"] not in pulled(top)
    assert record["id"] in pulled(middle)
