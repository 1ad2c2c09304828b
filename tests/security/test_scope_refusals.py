"""Out of scope reads the same whether or not the target exists (issue 13, finding 8).

A refusal that said "no such employee" to one id and "not your team" to another
would tell anyone signed in which ids exist. Every out-of-scope refusal has one
wording and one shape, and each is audited as refused:scope.
"""

import uuid

from sqlalchemy import func, select

from lcc_apr.models import Employee, RecordKind
from lcc_apr.server.tables import AuditEntry

from ..server.harness import AS_OF, wire_of


def new_record(subject_id, kind="supervision"):
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "subject_id": subject_id,
        "author_id": None,
        "template_id": kind,
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


def without_id(result):
    return {k: v for k, v in result.items() if k != "id"}


def test_out_of_scope_and_missing_targets_get_the_same_refusal_and_are_audited(live_server):
    people = live_server.people
    manager = people.managers[0]
    team = {u.employee_id for u in people.reports(manager)} | {manager.employee_id}
    stranger = next(u for u in people.employees if u.employee_id not in team)
    with live_server.session() as session:
        missing = session.scalar(select(func.max(Employee.id))) + 1000
    theirs = next(
        r for r in live_server.records(kind=RecordKind.SUPERVISION) if r.subject_id not in team
    )
    signed_in = live_server.login(manager.username)
    pushed = [
        new_record(stranger.employee_id),  # a real person, not theirs
        new_record(missing),  # nobody
        new_record(stranger.employee_id, kind="capability"),
        wire_of(theirs, answers={"workload": "Changed by a stranger"}),  # a real record
    ]
    reply = signed_in.push(pushed)
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [r["outcome"] for r in results] == ["refused"] * len(pushed)
    assert len({str(without_id(r)) for r in results}) == 1, results
    assert results[0]["server_rev"] is None and "record" not in results[0]
    with live_server.session() as session:
        audited = session.scalars(
            select(AuditEntry.outcome).where(
                AuditEntry.user_id == manager.id, AuditEntry.event == "push"
            )
        ).all()
    assert audited == ["refused:scope"] * len(pushed)
