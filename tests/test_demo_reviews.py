"""The demo's attendance reviews (lcc_apr/demo/reviews.py): a few, each after a trigger
the person's demo absences reached, at varied stages, dates in order, valid at their
status, and the same each time (seeded)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import pytest

from lcc_apr.attendance.episodes import Episode
from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.attendance.triggers import trigger
from lcc_apr.demo import build_organisation, generate_history
from lcc_apr.demo.validity import record_problems
from lcc_apr.forms import Catalogue
from lcc_apr.models import RecordKind
from lcc_apr.workdays import add_months, working_days_between

AS_OF = date(2026, 11, 30)
KINDS = {RecordKind.ATTENDANCE}
ORDER = [
    "meeting_date",
    "review_date",
    *(
        f"{stage}_{key}"
        for stage in ("first_warning", "final_warning")
        for key in ("letter_date", "meeting_date", "new_meeting_date", "outcome_date")
    ),
    "hearing_letter_date",
    "hearing_meeting_date",
    "hearing_outcome_date",
    "appeal_lodged_date",
    "appeal_meeting_date",
    "appeal_outcome_date",
]


@pytest.fixture(scope="module")
def organisation():
    return build_organisation(seed=2020, size=400, as_of=AS_OF)


@pytest.fixture(scope="module")
def reviews(organisation) -> list[dict]:
    rows = list(generate_history(organisation, seed=2020, as_of=AS_OF, kinds=KINDS))
    return [r for r, _ in rows]


def test_a_few_reviews_at_varied_stages_one_a_person_each_valid(reviews):
    assert 4 <= len(reviews) <= 40  # about 10% of those who reached a trigger
    assert len({r["subject_id"] for r in reviews}) == len(reviews)
    stages = Counter(r["status"] for r in reviews)
    assert len(stages) >= 4 and stages["informal"] >= 1 and stages["closed_improved"] >= 1
    catalogue = Catalogue.load()
    for r in reviews:
        assert r["kind"] == RecordKind.ATTENDANCE and r["template_version"] == 1
        problems = record_problems(catalogue, r)
        assert not problems, (r["status"], problems)


def test_each_review_follows_a_trigger_its_demo_absences_reached(organisation, reviews):
    policy = default_attendance_policy()
    mine: dict[int, list[Episode]] = defaultdict(list)
    for a in organisation.absences:
        mine[a["employee_id"]].append(
            Episode(
                a["id"],
                a["employee_id"],
                a["first_day"],
                a["last_day"],
                a["reason"],
                a["disability_related"],
                a["pregnancy_related"],
            )  # fmt: skip
        )
    for r in reviews:
        opened = r["record_date"]
        a = r["answers"]
        assert a["meeting_date"] == opened.isoformat()
        before = [e for e in mine[r["subject_id"]] if e.first_day < opened]
        reached = trigger(before, policy, opened, in_order=True)
        assert reached is not None and reached.reached_on < opened, r["subject_id"]
        assert "trigger point" in a["concerns"] and "absences" in a["concerns"]


def test_dates_run_in_order_with_notice_and_a_first_warning_lasts_twelve_months(reviews):
    for r in reviews:
        a = r["answers"]
        days = [(k, date.fromisoformat(a[k])) for k in ORDER if k in a]
        past = [d for d in days if d[1] <= AS_OF]
        assert all(x[1] <= y[1] for x, y in zip(past, past[1:], strict=False)), past
        if "first_warning_letter_date" in a:
            letter = date.fromisoformat(a["first_warning_letter_date"])
            meeting = date.fromisoformat(a["first_warning_meeting_date"])
            assert working_days_between(letter, meeting) >= 5
        if "first_warning_outcome_date" in a:
            given = date.fromisoformat(a["first_warning_outcome_date"])
            assert a["first_warning_expiry_date"] == add_months(given, 12).isoformat()
        assert not any(k.startswith("improvement_note") for k in a)  # attendance's names
        if r["status"] == "first_warning":
            assert a["stage"] == "first_warning"


def test_the_reviews_are_the_same_each_time_and_leave_the_other_records_alone(organisation):
    again = [r for r, _ in generate_history(organisation, seed=2020, as_of=AS_OF, kinds=KINDS)]
    first = [r for r, _ in generate_history(organisation, seed=2020, as_of=AS_OF, kinds=KINDS)]
    assert [(r["id"], r["answers"]) for r in again] == [(r["id"], r["answers"]) for r in first]
    without = {RecordKind.CAPABILITY, RecordKind.RETURN_TO_WORK}

    def ids(kinds) -> list[str]:
        rows = generate_history(organisation, seed=2020, as_of=AS_OF, kinds=kinds)
        return [r["id"] for r, _ in rows]

    some = ids(without)
    assert [i for i in ids(without | KINDS) if i in set(some)] == some
