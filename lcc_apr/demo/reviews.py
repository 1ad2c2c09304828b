"""Attendance reviews for the demo, opened after people reached the attendance trigger in
their demo absence episodes (absences.py; lcc_apr.attendance.triggers with HR's policy).

Contract: `plan_reviews(...)` finds, for everyone, the first day a trigger point was
reached in the REACH_DAYS before as_of (checked at the end of each episode; a trigger
reached in the last OPEN_BY_DAYS may still wait for its review), and opens a review for
about REVIEW_SHARE of those people (at least MIN_REVIEWS when that many reached one; the
latest trigger always among them): its informal meeting 5 to 15 working days after the
trigger, the newest first along REVIEW_PLAN. Each review follows a
path of the attendance workflow (REVIEW_PLAN, handed out in turn) laid out by the
capability cases' timeline (cases.py: the same stages, formal stage 1 being the first
written warning); a path that would run past as_of stops at the stage reached by then,
and an open review whose review date is long past is closed as improved instead (the
review was held). `ReviewWriter.answers(...)` fills resources/forms/attendance/v1.toml
as the capability writer fills its form, with the real episode and day counts. The
shape is a DEMO ASSUMPTION: the People Strategy gives no figures. Draws come from the
attendance kind's own RNG (history.py), so no other record changes.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from lcc_apr.attendance.episodes import Episode
from lcc_apr.attendance.policy import AttendancePolicy
from lcc_apr.attendance.triggers import Trigger, trigger
from lcc_apr.workdays import add_months, add_working_days

from .answers import Answers, Context, Writer, long_date
from .cases import (
    AD,
    AP,
    CH,
    CI,
    DRAWS,
    FH,
    FW,
    IN,
    INF,
    OPEN,
    CasePlan,
    CaseWriter,
    timeline,
)

REVIEW_SHARE = 0.1  # of the people who reached a trigger point
MIN_REVIEWS = 3
REACH_DAYS = 450  # triggers reached this long before as_of or since
OPEN_AFTER = (5, 15)  # working days from the trigger to the informal meeting
OPEN_BY_DAYS = 21  # a trigger reached more lately may still wait for its review
STALE_DAYS = 10  # an open review may be this late for its review; later, it was held
FIRST = "first_warning"  # formal stage 1 (capability's improvement_note)
# Paths handed out in turn, the newest trigger first: the first few (a small demo's)
# reach different stages; later ones include a final hearing, an appeal and its outcome.
REVIEW_PLAN: tuple[tuple[str, ...], ...] = (
    (INF,),
    (INF, IN),
    (INF, CI),
    (INF, IN, FW),
    (INF, IN, CI),
    (INF,),
    (INF, IN, AP),
    (INF, CI),
    (INF, IN, FW, FH),
    (INF,),
    (INF, IN, FW, CI),
    (INF, IN, FW, FH, CH),
    (INF, IN),
    (INF, CI),
    (INF, IN, FW, FH, CH, AP, AD),
)


def first_trigger(
    episodes: Sequence[Episode], policy: AttendancePolicy, as_of: date
) -> Trigger | None:
    """The first trigger reached from REACH_DAYS before as_of, else None; `episodes`
    oldest first."""
    since = as_of - timedelta(days=REACH_DAYS)
    for i, episode in enumerate(episodes):
        day = min(episode.last_day or as_of, as_of)
        if day < since:
            continue
        found = trigger(episodes[: i + 1], policy, day, in_order=True)
        if found is not None and found.reached_on >= since:
            return found
    return None


def plan_reviews(
    absences: Mapping[int, Sequence[Mapping[str, Any]]],
    managed: Sequence[int],
    policy: AttendancePolicy,
    rng: random.Random,
    as_of: date,
    *,
    warning_months: int,
) -> dict[int, CasePlan]:
    """Reviews for some of the people in `managed` (those with a line manager) who
    reached a trigger: employee id -> plan (capability's stage names; `status_of`).
    `warning_months`: how long a first written warning lasts (policy.toml)."""
    reached: dict[int, Trigger] = {}
    for pid in managed:
        mine = absences.get(pid, ())
        if len(mine) < min(2, policy.episodes) and not any(_long(a, policy, as_of) for a in mine):
            continue  # one short episode reaches nothing
        episodes = [
            Episode(
                a["id"],
                pid,
                a["first_day"],
                a["last_day"],
                a["reason"],
                a["disability_related"],
                a["pregnancy_related"],
            )
            for a in mine
        ]
        found = first_trigger(episodes, policy, as_of)
        if found is not None and found.reached_on <= as_of - timedelta(days=OPEN_BY_DAYS):
            reached[pid] = found
    if not reached:
        return {}
    count = min(len(reached), max(MIN_REVIEWS, round(len(reached) * REVIEW_SHARE)))
    plans: dict[int, CasePlan] = {}
    newest = max(sorted(reached), key=lambda pid: reached[pid].reached_on)
    others = [pid for pid in sorted(reached) if pid != newest]
    chosen = [newest, *rng.sample(others, count - 1)]  # the latest trigger is in hand
    chosen.sort(key=lambda pid: (reached[pid].reached_on, pid), reverse=True)
    for i, pid in enumerate(chosen):
        found = reached[pid]
        d = {key: rng.randint(lo, hi) for key, (lo, hi) in DRAWS.items()}
        c: dict[str, Any] = {f"{stage}_postponed": rng.random() < 0.15 for stage in (IN, FW)}
        c["hearing_postponed"] = rng.random() < 0.15
        c["decision"] = rng.choice(["redeployment", "extended_warning", "no_further_action"])
        c["appeal_outcome"] = rng.choice(["partly_upheld", "not_upheld"])
        c["occupational_health"] = rng.random() < 0.4
        c["disability_considered"] = rng.random() < 0.3
        c["trigger"] = found
        start = add_working_days(found.reached_on, rng.randint(*OPEN_AFTER))
        if start > as_of:
            continue  # reached too lately: the review is still to be arranged
        path, dates = _fit(REVIEW_PLAN[i % len(REVIEW_PLAN)], start, d, c, as_of)
        outcome = dates.get(f"{IN}_outcome_date")
        if outcome is not None:  # a first written warning, not an improvement note
            dates[f"{IN}_expiry_date"] = add_months(outcome, warning_months)
        plans[pid] = CasePlan(path, dates, c)
    return plans


def _long(absence: Mapping[str, Any], policy: AttendancePolicy, as_of: date) -> bool:
    last = absence["last_day"] or as_of
    return (last - absence["first_day"]).days + 1 >= policy.days


def _fit(
    path: tuple[str, ...], start: date, d: dict[str, int], c: dict[str, Any], as_of: date
) -> tuple[tuple[str, ...], dict[str, date]]:
    """The longest start of `path` that has happened by as_of; an open one long past its
    review closed as improved (a final hearing: decided) when that has happened too."""
    for end in range(len(path), 0, -1):
        part = path[:end]
        t = timeline(part, start, d, c)
        if t["last"] > as_of:
            continue
        pending = t.get("pending")
        stale = pending is not None and pending < as_of - timedelta(days=STALE_DAYS)
        if part[-1] in OPEN and part[-1] != AP and stale:
            closed = (*part, CH if part[-1] == FH else CI)
            done = timeline(closed, start, d, c)
            if done["last"] <= as_of:
                return closed, done
        return part, t
    return (INF,), timeline((INF,), start, d, c)


def status_of(plan: CasePlan) -> str:
    """The record's workflow state (attendance's name for formal stage 1)."""
    return FIRST if plan.status == IN else plan.status


def _renamed(key: str) -> str:
    return FIRST + key[len(IN) :] if key.startswith(IN) else key


class ReviewWriter(CaseWriter):
    """CaseWriter with attendance's phrase bank; answers in attendance's field names."""

    def __init__(self, writer: Writer) -> None:
        self.w = writer
        self.bank = writer.p["attendance_review"]
        self.counts: dict[str, str] = {}

    def _say(self, key: str, fill: dict[str, str], *sub: str) -> str:
        return super()._say(key, {**fill, **self.counts}, *sub)

    def answers(self, ctx: Context, plan: CasePlan, seniors: Sequence[str]) -> Answers:
        found = plan.choices["trigger"]
        self.counts = {
            "episodes": str(found.episodes),
            "days": str(found.days),
            "reached": long_date(found.reached_on),
        }
        a = super().answers(ctx, plan, seniors)
        a.pop("employee_actions", None)  # not on the attendance form
        out: Answers = {_renamed(k): v for k, v in a.items()}
        out["stage"] = _renamed(out["stage"])
        if out.get("appeal_against") == IN:
            out["appeal_against"] = FIRST
        out["disability_considered"] = plan.choices["disability_considered"]
        return out
