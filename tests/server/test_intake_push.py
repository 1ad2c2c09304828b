"""HR's intake reaches the server like any step: HR's acceptance and return are applied and
kept in the record's history, anyone else's refused; a returned record's note travels as
step_reason, and its manager shares it again."""

from lcc_apr.history import history
from lcc_apr.models import ChangeAction, RecordKind

from .harness import wire_of
from .test_push import fetch, plain_subject, result


def test_hr_accepts_and_returns_and_nobody_else_may(live_server):
    accepted, returned = [
        r
        for r in live_server.records(kind=RecordKind.APR, status="completed")
        if r.subject_id in {u.employee_id for u in live_server.people.employees}
    ][:2]
    manager = live_server.login(live_server.people.manager_of(accepted.subject_id).username)
    refused = result(manager.push([wire_of(accepted, status="accepted")]))
    assert refused["outcome"] == "refused" and "Only the hr" in refused["reason"]

    hr = live_server.login(live_server.people.hr[0].username)
    applied = result(hr.push([wire_of(accepted, status="accepted")]))
    assert applied["outcome"] == "applied"
    assert fetch(live_server, accepted.id).status == "accepted"
    with live_server.session() as session:
        step = history(session, accepted.id)[-1]
    assert step.patch["note"] == {"step": "hr_accept"} and step.user_id == hr.user["id"]

    no_note = result(hr.push([wire_of(returned, status="returned")]))
    assert no_note["outcome"] == "refused" and "note for the manager" in no_note["reason"]
    note = "Objective 2 has no measure."
    sent = result(hr.push([wire_of(returned, status="returned", step_reason=note)]))
    assert sent["outcome"] == "applied"
    with live_server.session() as session:
        step = history(session, returned.id)[-1]
    assert step.action == ChangeAction.AMEND
    assert step.patch["note"] == {"step": "hr_return", "reason": note}
    boss = live_server.login(live_server.people.manager_of(returned.subject_id).username)
    again = result(boss.push([wire_of(fetch(live_server, returned.id), status="shared")]))
    assert again["outcome"] == "applied" and fetch(live_server, returned.id).status == "shared"


def test_an_employee_cannot_take_their_record_into_the_register(live_server):
    record = plain_subject(live_server, RecordKind.SUPERVISION, "completed")
    employee = live_server.login(live_server.people.by_employee(record.subject_id).username)
    refused = result(employee.push([wire_of(record, status="accepted")]))
    assert refused["outcome"] == "refused"
    assert fetch(live_server, record.id).status == "completed"
