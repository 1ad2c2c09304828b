"""The server enforces APR form v2's stages on every push: the employee's self-assessment
only while preparing, the mid-year review only on the completed review, nothing signed."""

from lcc_apr.models import RecordKind

from .harness import wire_of
from .test_push import fetch, result

SELF = {
    "self_achievements": "The new referral checklist, used by the whole team.",
    "self_development": "Report writing for court.",
}


def v2(server, status):
    """An APR on form v2 (the demo's newest cycle) about someone who manages nobody."""
    plain = {u.employee_id for u in server.people.employees}
    return next(
        r
        for r in server.records(kind=RecordKind.APR, status=status)
        if r.subject_id in plain and r.template_version == 2
    )


def test_the_self_assessment_is_pushed_while_preparing_and_then_only(live_server):
    record = v2(live_server, "draft")
    manager = live_server.login(live_server.people.manager_of(record.subject_id).username)
    employee = live_server.login(live_server.people.by_employee(record.subject_id).username)
    mine = result(manager.push([wire_of(record, answers={"self_achievements": "Written for"})]))
    assert mine["outcome"] == "refused" and "self_achievements" in mine["reason"]
    shared = result(manager.push([wire_of(record, status="preparation")]))
    assert shared["outcome"] == "applied"
    record = fetch(live_server, record.id)
    early = wire_of(record, answers={"employee_comments": "Before the meeting"})
    refused = result(employee.push([early]))  # only the self-assessment changes now
    assert refused["outcome"] == "refused" and "employee_comments" in refused["reason"]
    sent = result(employee.push([wire_of(record, answers=SELF, status="draft")]))
    assert sent["outcome"] == "applied"
    record = fetch(live_server, record.id)
    assert (
        record.status == "draft" and record.answers["self_development"] == SELF["self_development"]
    )
    late = result(employee.push([wire_of(record, answers={"self_development": "Changed"})]))
    assert late["outcome"] == "refused"
    assert fetch(live_server, record.id).answers["self_development"] == SELF["self_development"]


def test_the_mid_year_review_goes_on_the_completed_review_without_touching_what_was_signed(
    live_server,
):
    record = v2(live_server, "completed")
    manager = live_server.login(live_server.people.manager_of(record.subject_id).username)
    mid_year = {"mid_year_date": "2025-11-20", "mid_year_notes": "On track."}
    rated = result(
        manager.push([wire_of(record, answers={**mid_year, "overall_rating": "exceeds"})])
    )
    assert rated["outcome"] == "refused" and "overall_rating" in rated["reason"]
    held = result(manager.push([wire_of(record, answers=mid_year)]))
    assert held["outcome"] == "applied"
    stored = fetch(live_server, record.id)
    assert stored.status == "completed" and stored.answers["mid_year_notes"] == "On track."
