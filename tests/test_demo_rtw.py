"""The demo's return-to-work interviews: one after each ended absence episode, most on
time, a few recent ones not held yet (lcc_apr/demo/rtw.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from lcc_apr.attendance.episodes import Episode
from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.demo import GENERATED_KINDS, build_organisation, generate_history
from lcc_apr.demo.organisation import Organisation
from lcc_apr.demo.rtw import RECENT_DAYS, RECENT_STATUS_DAYS
from lcc_apr.demo.validity import record_problems
from lcc_apr.forms import Catalogue
from lcc_apr.models import RecordKind
from lcc_apr.schedule.attendance import RETURN_TO_WORK, attendance_items

AS_OF = date(2025, 3, 31)
SIZE = 600
RTW = RecordKind.RETURN_TO_WORK


@pytest.fixture(scope="module")
def org() -> Organisation:
    return build_organisation(seed=2020, size=SIZE, as_of=AS_OF)


@pytest.fixture(scope="module")
def interviews(org: Organisation) -> list[dict]:
    return [r for r, _ in generate_history(org, seed=2020, as_of=AS_OF, kinds={RTW})]


def test_each_interview_follows_an_ended_episode_before_the_next(
    org: Organisation, interviews: list[dict]
) -> None:
    episodes = {(a["employee_id"], a["first_day"]): a for a in org.absences}
    following: dict[str, date | None] = {a["id"]: None for a in org.absences}
    mine: dict[int, list[dict]] = {}  # each person's in date order
    for a in org.absences:
        mine.setdefault(a["employee_id"], []).append(a)
    for rows in mine.values():
        for before, after in zip(rows, rows[1:], strict=False):
            following[before["id"]] = after["first_day"]
    seen = set()
    for r in interviews:
        a = r["answers"]
        first = date.fromisoformat(a["absence_first_day"])
        episode = episodes[(r["subject_id"], first)]
        assert episode["last_day"] is not None
        assert a["absence_last_day"] == episode["last_day"].isoformat()
        meeting = date.fromisoformat(a["meeting_date"])
        assert r["record_date"] == meeting <= AS_OF
        assert episode["last_day"] < meeting
        nxt = following[episode["id"]]
        assert nxt is None or meeting < nxt
        assert episode["id"] not in seen  # one interview an episode
        seen.add(episode["id"])
        if (AS_OF - meeting).days > RECENT_STATUS_DAYS:
            assert r["status"] == "completed"
    ended = [a for a in org.absences if a["last_day"] is not None]
    assert len(seen) > 0.95 * len(ended)
    # the episodes still waiting for their interview ended recently (or one was late)
    waiting = [a for a in ended if a["id"] not in seen]
    assert any(AS_OF - a["last_day"] <= timedelta(days=RECENT_DAYS) for a in waiting)


def test_interviews_pass_their_template_at_their_status(interviews: list[dict]) -> None:
    catalogue = Catalogue.load()
    failures = [(r["status"], record_problems(catalogue, r)) for r in interviews]
    failures = [f for f in failures if f[1]]
    assert not failures, failures[:3]
    statuses = Counter(r["status"] for r in interviews)
    assert set(statuses) == {"draft", "shared", "employee_signed", "completed"}, statuses
    texts = {r["answers"].get("employee_account") for r in interviews}
    assert len(texts) > 40  # varied, with the person's name in them
    assert Counter(r["answers"].get("fit_for_work") for r in interviews)["fit_with_adjustments"]
    assert any(r["answers"].get("occupational_health_referral") for r in interviews)


def test_most_are_on_time_and_few_are_outstanding(
    org: Organisation, interviews: list[dict]
) -> None:
    policy = default_attendance_policy()
    within = policy.rtw_due_within_days
    on_time = 0
    for r in interviews:
        back = date.fromisoformat(r["answers"]["absence_last_day"]) + timedelta(days=1)
        on_time += (r["record_date"] - back).days <= within
    assert 0.75 < on_time / len(interviews) < 0.95
    held: dict[int, list[date]] = {}
    for r in interviews:
        held.setdefault(r["subject_id"], []).append(r["record_date"])
    episodes: dict[int, list[Episode]] = {}
    for a in org.absences:
        episodes.setdefault(a["employee_id"], []).append(
            Episode(a["id"], a["employee_id"], a["first_day"], a["last_day"], a["reason"])
        )
    outstanding = Counter(
        item.state
        for person, mine in episodes.items()
        for item in attendance_items(mine, policy, AS_OF, held.get(person, []), in_order=True)
        if item.topic == RETURN_TO_WORK
    )
    ended = sum(a["last_day"] is not None for a in org.absences)
    share = sum(outstanding.values()) / ended
    assert 0 < share < 0.05, outstanding


def test_interviews_leave_the_other_records_as_they_were() -> None:
    others = set(GENERATED_KINDS) - {RTW}
    small = build_organisation(seed=7, size=50, as_of=AS_OF)
    whole = list(generate_history(small, seed=11, as_of=AS_OF))
    assert any(r["kind"] == RTW for r, _ in whole)
    part = list(generate_history(small, seed=11, as_of=AS_OF, kinds=others))
    assert part == [pair for pair in whole if pair[0]["kind"] != RTW]
