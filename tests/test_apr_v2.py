"""APR form version 2 (issue 19): who writes what at each stage, the mid-year review's
due date, its policy default, and new records on version 2 while version 1 stays."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from lcc_apr.forms import Catalogue, edit_problems
from lcc_apr.history import update_record
from lcc_apr.models import Record, RecordKind, Role
from lcc_apr.policy import load_policy, policy_path
from lcc_apr.schedule import DueState, PersonFacts, RecordFact, due_for, schedule
from lcc_apr.workflow import Party, editing_roles
from tests.examples import APR_V2, APR_V2_MID_YEAR

CATALOGUE = Catalogue.load()
V1, V2 = CATALOGUE.get("apr", 1), CATALOGUE.get("apr", 2)
POLICY = load_policy()
TODAY = date(2026, 11, 30)
EMPLOYEE, MANAGER = frozenset({Role.EMPLOYEE}), frozenset({Role.MANAGER})


def changes(before, after, *, party: Party, status: str, template=V2) -> list[str]:
    """The answers `party` may not change from `before` to `after` at `status`."""
    roles = editing_roles(RecordKind.APR, [status], frozenset({party}))
    found = edit_problems(template, before, after, roles=roles, statuses=[status])
    return sorted({p.path.split("[")[0].split(".")[0] for p in found})


# --- the template -----------------------------------------------------------------------


def test_new_records_are_written_with_version_2_and_version_1_stays():
    assert CATALOGUE.current(RecordKind.APR) is V2
    assert V1.version == 1 and "self_achievements" not in {f.key for f in V1.fields()}
    assert V1.print_header == () and not V1.reserved_states()
    assert V2.print_header == ("post", "grade", "date_in_post", "period_covered")


def test_each_new_objective_names_its_plan():
    group = V2.field("new_objectives")
    link = next(f for f in group.fields if f.key == "plan_link")
    assert link.required and "service or team plan" in link.label.lower()


def test_the_self_assessment_is_the_employees_and_only_while_preparing():
    section = V2.section_of("self_achievements")
    assert section.editable_in == {"preparation"} and section.private_in == {"preparation"}
    assert all(f.editable_by == EMPLOYEE for f in section.fields)
    wrote = {**APR_V2, "self_achievements": "Rewritten"}
    assert changes(APR_V2, wrote, party=Party.EMPLOYEE, status="preparation") == []
    for status in ("draft", "shared", "responded", "completed"):
        assert changes(APR_V2, wrote, party=Party.EMPLOYEE, status=status) == [
            "self_achievements"
        ], status
    assert changes(APR_V2, wrote, party=Party.MANAGER, status="draft") == ["self_achievements"]


def test_while_preparing_the_employee_writes_nothing_else():
    for key, value in (("employee_comments", "Early"), ("employee_response", "agree")):
        after = {**APR_V2, key: value + "!" if key == "employee_comments" else "disagree"}
        assert changes(APR_V2, after, party=Party.EMPLOYEE, status="preparation") == [key]
    # ... and the manager nothing at all until it is sent back.
    after = {**APR_V2, "manager_comments": "Changed"}
    assert changes(APR_V2, after, party=Party.MANAGER, status="preparation") == ["manager_comments"]
    # In version 1 the employee's comments are theirs at the stages they always were.
    v1 = {k: v for k, v in APR_V2.items() if k in {f.key for f in V1.fields()}}
    after = {**v1, "employee_comments": "Fine"}
    assert changes(v1, after, party=Party.EMPLOYEE, status="shared", template=V1) == []


def test_the_mid_year_review_is_written_on_the_completed_review():
    section = V2.section_of("mid_year_date")
    assert section.editable_in == {"completed", "accepted"}
    signed = dict(APR_V2)
    held = {**signed, **APR_V2_MID_YEAR}
    roles = editing_roles(RecordKind.APR, ["completed"], frozenset({Party.MANAGER}))
    assert edit_problems(V2, signed, held, roles=roles, locked=True, statuses=["completed"]) == []
    # Not before the review is completed, and nothing signed changes with it.
    assert changes(signed, held, party=Party.MANAGER, status="draft")
    rated = {**held, "overall_rating": "exceeds"}
    found = edit_problems(V2, held, rated, roles=roles, locked=True, statuses=["completed"])
    assert [p.path for p in found] == ["overall_rating"]


# --- the mid-year review in the schedule ------------------------------------------------


def held_apr(day: date, *, version: int = 2, status: str = "completed", **answers) -> PersonFacts:
    record = RecordFact(f"apr-{day}", RecordKind.APR, status, day, answers, version)
    return PersonFacts(1, date(2015, 3, 2), "Librarian", None, None, [record])


def mid_year(facts: PersonFacts, today: date = TODAY, policy=POLICY):
    return [
        (i.label, i.due, i.state)
        for i in schedule(facts, policy, today)
        if i.label.startswith("Mid-year")
    ]


def test_the_mid_year_review_is_due_six_months_after_the_meeting():
    facts = held_apr(date(2026, 5, 20))
    due = date(2026, 11, 20)
    assert mid_year(facts, date(2026, 9, 1)) == [
        ("Mid-year review (APR 2026/27)", due, DueState.OK)
    ]
    assert mid_year(facts, date(2026, 11, 1))[0][2] is DueState.DUE_SOON
    assert mid_year(facts)[0][2] is DueState.OVERDUE
    # The APR itself is next due in the next cycle, as before.
    apr = [i for i in schedule(facts, POLICY, TODAY) if i.label.startswith("APR")]
    assert [(i.label, i.due) for i in apr] == [("APR 2027/28", date(2027, 6, 30))]


def test_no_mid_year_review_once_held_or_for_older_forms_or_unheld_reviews():
    assert mid_year(held_apr(date(2026, 5, 20), mid_year_date="2026-11-12")) == []
    assert mid_year(held_apr(date(2026, 5, 20), version=1)) == []
    assert mid_year(held_apr(date(2026, 5, 20), status="shared")) == []
    assert mid_year(held_apr(date(2025, 5, 20)), date(2026, 4, 10)) == []  # last cycle's


def test_the_mid_year_date_is_hr_policy_marked_as_a_product_default():
    assert POLICY.apr.mid_year_months == 6
    text = policy_path().read_text(encoding="utf-8")
    block = " ".join(
        line.lstrip("# ")
        for line in text[text.index("[apr]") : text.index("[supervision]")].split("\n")
    )
    assert "PRODUCT DEFAULT" in block and "mid_year_months = 6" in block
    assert "People Strategy" in block and "HR confirms" in block
    four = replace(POLICY, apr=replace(POLICY.apr, mid_year_months=4))
    assert mid_year(held_apr(date(2026, 5, 20)), policy=four)[0][1] == date(2026, 9, 20)


def test_due_for_reads_the_mid_year_from_the_store(demo_store_copy):
    """The demo's newest cycle is on form 2: each held review without a mid-year date has
    one due six months after it; recording the date clears it (the memo follows changes)."""
    with demo_store_copy.session() as s:
        records = s.scalars(
            select(Record).where(
                Record.kind == RecordKind.APR,
                Record.template_version == 2,
                Record.status.in_(["completed", "accepted"]),
                ~Record.deleted,
            )
        ).all()
        open_ = [r for r in records if "mid_year_date" not in r.answers]
        done = [r for r in records if "mid_year_date" in r.answers]
        assert open_ and done
        due = due_for(s, POLICY, today=TODAY)
        for record in records:
            labels = {(i.label, i.due) for i in due[record.subject_id]}
            expected = ("Mid-year review (APR 2026/27)", _months(record.record_date, 6))
            assert (expected in labels) is (record in open_), record.id
        record = open_[0]
        update_record(
            s,
            record,
            user_id=None,
            at=datetime.now(UTC) + timedelta(seconds=1),
            answers={"mid_year_date": TODAY.isoformat()},
        )
        s.flush()
        again = due_for(s, POLICY, today=TODAY)
        assert not any(i.label.startswith("Mid-year") for i in again[record.subject_id])


def _months(day: date, months: int) -> date:
    from lcc_apr.workdays import add_months

    return add_months(day, months)
