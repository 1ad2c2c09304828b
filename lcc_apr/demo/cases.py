"""Capability cases for the demo: one record per case, at the stage the case has reached.

Contract: `plan_cases(...)` picks about CAPABILITY_SHARE of the staff (at
least one) and gives each a path through the capability workflow
(lcc_apr/workflow/definitions.py) and the dates along it, all on or before
as_of except the review or hearing an open case is waiting for. `case_answers`
then fills the form (resources/forms/capability/v1.toml) up to the stage
reached: every section a step on the path needs is complete, the stage in
progress holds what is known so far. Dates are in order: a letter, then the
meeting at least 5 working days later (a postponed meeting within 5 working
days of the first date), the written outcome, the review; an appeal is lodged
within 5 working days of the outcome it is against. The record's date is the
informal meeting that opened the case. Demo staff are all still employed on
as_of, so a dismissal is recent (the notice is still running) or overturned
on appeal.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from lcc_apr.workdays import add_months, add_working_days, is_working_day

from .answers import Answers, Context, Writer, long_date

CAPABILITY_SHARE = 0.005
ELIGIBLE_DAYS = 3 * 365  # only people in post this long have a case
IMPROVEMENT_NOTE_MONTHS = 6  # HR policy defaults (resources/policy/policy.toml)
FINAL_WARNING_MONTHS = 12

INF, IN, FW, FH = "informal", "improvement_note", "final_warning", "final_hearing"
CI, CH, AP, AD = "closed_improved", "closed_hearing", "appeal", "appeal_decided"
OPEN = frozenset({INF, IN, FW, FH, AP})
# Paths through the workflow, in the order cases are handed out: any first few
# are varied, and the full organisation's thirty include some closed_improved,
# a closed_hearing and two appeals. Larger organisations cycle through it.
CASE_PLAN: tuple[tuple[str, ...], ...] = (
    (INF, IN, FW),
    (INF,),
    (INF, CI),
    (INF, IN),
    (INF, IN, FW, FH, CH),
    (INF,),
    (INF, IN, CI),
    (INF, IN, AP),
    (INF,),
    (INF, CI),
    (INF, IN, FW, FH),
    (INF, IN),
    (INF, IN, FW, CI),
    (INF, IN, FW, FH, CH, AP, AD),
    (INF,),
    (INF, CI),
    (INF, IN),
    (INF, IN, FW),
    (INF,),
    (INF, IN, CI),
    (INF,),
    (INF, CI),
    (INF, IN),
    (INF,),
    (INF, CI),
    (INF, IN, FW),
    (INF,),
    (INF, IN, CI),
    (INF,),
    (INF, CI),
)
APPEAL_AGAINST = {IN: "improvement_note", FW: "final_warning", CH: "hearing_decision"}
DECISIONS = ["dismissal", "redeployment", "downgrading", "extended_warning", "no_further_action"]
DECISION_WEIGHTS = [35, 25, 10, 20, 10]
APPEAL_OUTCOMES = ["upheld", "partly_upheld", "not_upheld"]
APPEAL_WEIGHTS = [25, 35, 40]
COMPANIONS = ["trade_union", "colleague", "none"]
COMPANION_WEIGHTS = [45, 30, 25]
# Random whole numbers a timeline needs, drawn before it is laid out: (low, high).
DRAWS = {
    "weeks": (4, 12),  # informal review period
    "improvement_note_gap": (2, 8),  # days from the last review to the letter
    "improvement_note_notice": (5, 9),  # working days from the letter to the meeting
    "improvement_note_delay": (2, 5),  # working days a postponed meeting moves
    "improvement_note_decide": (1, 3),  # working days to the written outcome
    "improvement_note_weeks": (8, 13),  # improvement period
    "final_warning_gap": (2, 8),
    "final_warning_notice": (5, 9),
    "final_warning_delay": (2, 5),
    "final_warning_decide": (1, 3),
    "final_warning_weeks": (10, 16),
    "hearing_gap": (3, 10),
    "hearing_notice": (6, 12),
    "hearing_delay": (2, 5),
    "hearing_decide": (1, 4),
    "notice_weeks": (4, 12),  # contractual notice after a dismissal (longer than 20 days)
    "lodge": (1, 5),  # working days from an outcome to the appeal
    "appeal_meeting": (8, 15),
    "appeal_decide": (1, 4),
    "closed_ago": (14, 400),  # days from a closed case's last event to as_of
}


@dataclass(frozen=True)
class CasePlan:
    """One case: its workflow path, the dates along it, and its random choices."""

    path: tuple[str, ...]
    dates: dict[str, date]
    choices: dict[str, Any]

    @property
    def status(self) -> str:
        return self.path[-1]

    @property
    def opened(self) -> date:
        return self.dates["meeting_date"]

    @property
    def closed(self) -> date | None:
        """The case's last event if it is over, else None."""
        return None if self.status in OPEN else self.dates["last"]


def _working(day: date) -> date:
    """`day`, or the next working day."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _stage(
    t: dict[str, date], prefix: str, after: date, d: dict[str, int], postponed: bool
) -> date:
    """Letter, meeting (maybe postponed) and written outcome of a formal stage; the outcome."""
    letter = _working(after + timedelta(days=d[f"{prefix}_gap"]))
    meeting = add_working_days(letter, d[f"{prefix}_notice"])
    t[f"{prefix}_letter_date"] = letter
    t[f"{prefix}_meeting_date"] = meeting
    if postponed:
        meeting = add_working_days(meeting, d[f"{prefix}_delay"])
        t[f"{prefix}_new_meeting_date"] = meeting
    outcome = add_working_days(meeting, d[f"{prefix}_decide"])
    t[f"{prefix}_outcome_date"] = outcome
    return outcome


def timeline(
    path: Sequence[str], start: date, d: dict[str, int], c: dict[str, Any]
) -> dict[str, date]:
    """Every date of a case opened on (or just after) `start`.

    Also "last": the latest event that has happened, and "pending": the review or
    hearing an open case is waiting for (absent when closed).
    """
    t: dict[str, date] = {}
    meeting = _working(start)
    t["meeting_date"] = meeting
    t["review_date"] = review = _working(meeting + timedelta(weeks=d["weeks"]))
    t["last"], t["pending"] = meeting, review
    if len(path) == 1:
        return t
    del t["pending"]
    t["last"] = review
    appealed: date | None = None
    for stage, months in ((IN, IMPROVEMENT_NOTE_MONTHS), (FW, FINAL_WARNING_MONTHS)):
        if stage not in path:
            break
        outcome = _stage(t, stage, review, d, c[f"{stage}_postponed"])
        t[f"{stage}_expiry_date"] = add_months(outcome, months)
        review = _working(outcome + timedelta(weeks=d[f"{stage}_weeks"]))
        t[f"{stage}_review_date"] = review
        following = path[path.index(stage) + 1] if path[-1] != stage else None
        if following is None:
            t["last"], t["pending"] = outcome, review
            return t
        if following == AP:
            t["last"] = appealed = outcome
            break
        t["last"] = review
    if FH in path:
        letter = _working(review + timedelta(days=d["hearing_gap"]))
        hearing = add_working_days(letter, d["hearing_notice"])
        t["hearing_letter_date"], t["hearing_meeting_date"] = letter, hearing
        if CH not in path:
            t["last"], t["pending"] = letter, hearing
            return t
        if c["hearing_postponed"]:
            hearing = add_working_days(hearing, d["hearing_delay"])
            t["hearing_new_meeting_date"] = hearing
        t["hearing_outcome_date"] = t["last"] = appealed = add_working_days(
            hearing, d["hearing_decide"]
        )
        if c["decision"] == "dismissal":
            t["hearing_last_day"] = t["last"] + timedelta(weeks=d["notice_weeks"])
    if AP in path and appealed is not None:
        t["appeal_lodged_date"] = t["last"] = add_working_days(appealed, d["lodge"])
        if AD in path:
            meeting = add_working_days(t["appeal_lodged_date"], d["appeal_meeting"])
            t["appeal_meeting_date"] = meeting
            t["appeal_outcome_date"] = t["last"] = add_working_days(meeting, d["appeal_decide"])
    return t


def _fit(
    path: Sequence[str], as_of: date, d: dict[str, int], c: dict[str, Any], rng: random.Random
) -> dict[str, date]:
    """Place the timeline so it ends before as_of (an open case still waiting)."""
    t = timeline(path, as_of, d, c)
    span = (t["last"] - t["meeting_date"]).days
    if path[-1] == AP:
        ago = rng.randint(0, 10)
    elif path[-1] in OPEN:  # the review or hearing it waits for is still ahead
        ago = rng.randint(0, max(0, (t["pending"] - t["last"]).days - 2))
    else:
        ago = d["closed_ago"]
    target = as_of - timedelta(days=ago)
    start = target - timedelta(days=span)
    while True:  # working-day rounding can push it a few days late: move it back
        t = timeline(path, start, d, c)
        over = (t["last"] - target).days
        if over <= 0:
            return t
        start -= timedelta(days=over)


def plan_cases(
    candidates: Sequence[tuple[int, date]], size: int, rng: random.Random, as_of: date
) -> dict[int, CasePlan]:
    """Cases for about CAPABILITY_SHARE of `size` staff, from (employee id, start date)."""
    eligible = [pid for pid, start in candidates if (as_of - start).days > ELIGIBLE_DAYS]
    count = min(len(eligible), max(1, round(size * CAPABILITY_SHARE)))
    plans: dict[int, CasePlan] = {}
    for i, pid in enumerate(rng.sample(eligible, count)):
        path = CASE_PLAN[i % len(CASE_PLAN)]
        d = {key: rng.randint(lo, hi) for key, (lo, hi) in DRAWS.items()}
        c: dict[str, Any] = {f"{stage}_postponed": rng.random() < 0.15 for stage in (IN, FW)}
        c["hearing_postponed"] = rng.random() < 0.15
        if AP in path and CH in path:  # an appeal against dismissal, which it overturns
            c["decision"], c["appeal_outcome"] = "dismissal", rng.choice(APPEAL_OUTCOMES[:2])
        else:
            c["decision"] = rng.choices(DECISIONS, DECISION_WEIGHTS)[0]
            c["appeal_outcome"] = rng.choices(APPEAL_OUTCOMES, APPEAL_WEIGHTS)[0]
        if CH in path and AP not in path and c["decision"] == "dismissal":  # working notice
            d["closed_ago"] = rng.randint(0, 20)
        c["occupational_health"] = rng.random() < 0.25
        plans[pid] = CasePlan(path, _fit(path, as_of, d, c, rng), c)
    return plans


class CaseWriter:
    """Writes a case's answers from its plan, with the phrase banks of a Writer."""

    def __init__(self, writer: Writer) -> None:
        self.w = writer
        self.bank: dict[str, Any] = writer.p["capability"]

    def _say(self, key: str, fill: dict[str, str], *sub: str) -> str:
        options: Any = self.bank[key]
        for part in sub:
            options = options[part]
        return str(self.w.one(options)).format_map(fill)

    def _companion(self, a: Answers, prefix: str) -> str | None:
        kind = self.w.rng.choices(COMPANIONS, COMPANION_WEIGHTS)[0]
        a[f"{prefix}_companion"] = kind
        if kind == "none":
            return None
        name = self.w.full_name()
        name += f", {self.w.one(self.bank['unions'])}" if kind == "trade_union" else ""
        a[f"{prefix}_companion_name"] = name
        return name

    def answers(self, ctx: Context, plan: CasePlan, seniors: Sequence[str]) -> Answers:
        """The case's answers; `seniors`: 'Name, Job title' of the managers above the manager."""
        w, t, c, path = self.w, plan.dates, plan.choices, plan.path
        fill = w.pick(ctx)

        def say(key: str, *sub: str) -> str:
            return self._say(key, fill, *sub)

        status = plan.status
        stage = status if status not in (AP, AD) else path[path.index(AP) - 1]
        iso = {k: v.isoformat() for k, v in t.items() if k not in ("last", "pending")}
        a: Answers = {
            "stage": stage,
            "concerns": say("concerns"),
            "outcome": say("outcomes", status),
            "meeting_date": iso["meeting_date"],
            "underlying_causes": say("underlying_causes"),
            "occupational_health_referral": c["occupational_health"],
        }
        if c["occupational_health"] or w.chance(0.4):
            a["reasonable_adjustments"] = say("adjustments")
        a["standards_expected"] = say("standards")
        a["employee_actions"] = say("employee_actions")
        a["support_offered"] = say("support")
        a["review_period_weeks"] = (t["review_date"] - t["meeting_date"]).days // 7
        a["review_date"] = iso["review_date"]
        if len(path) > 1:
            a["informal_review_findings"] = say("review_met" if path[1] == CI else "review_not_met")
        since = long_date(t["meeting_date"])
        for stage_key, consequences in (
            (IN, "consequences_improvement_note"),
            (FW, "consequences_final_warning"),
        ):
            if stage_key not in path:
                break
            fill["letter"] = long_date(t[f"{stage_key}_letter_date"])
            fill["since"] = since
            a[f"{stage_key}_concerns_in_writing"] = say("concerns_in_writing")
            a[f"{stage_key}_letter_date"] = iso[f"{stage_key}_letter_date"]
            a[f"{stage_key}_meeting_date"] = iso[f"{stage_key}_meeting_date"]
            self._companion(a, stage_key)
            a[f"{stage_key}_postponed"] = c[f"{stage_key}_postponed"]
            if c[f"{stage_key}_postponed"]:
                a[f"{stage_key}_new_meeting_date"] = iso[f"{stage_key}_new_meeting_date"]
            a[f"{stage_key}_meeting_notes"] = say("meeting_notes")
            a[f"{stage_key}_improvement_required"] = say("improvement_required")
            a[f"{stage_key}_review_date"] = iso[f"{stage_key}_review_date"]
            a[f"{stage_key}_support"] = say("stage_support")
            a[f"{stage_key}_consequences"] = say(consequences)
            a[f"{stage_key}_outcome_date"] = iso[f"{stage_key}_outcome_date"]
            a[f"{stage_key}_expiry_date"] = iso[f"{stage_key}_expiry_date"]
            following = path[path.index(stage_key) + 1] if path[-1] != stage_key else None
            if following in (FW, FH, CI):  # the review at the end of the period was held
                met = following == CI
                a[f"{stage_key}_review_findings"] = say("review_met" if met else "review_not_met")
        chair = seniors[0] if seniors else "A head of service from another directorate"
        if FH in path:
            fill["letter"] = long_date(t["hearing_letter_date"])
            a["hearing_concerns_in_writing"] = say("hearing_concerns")
            a["hearing_letter_date"] = iso["hearing_letter_date"]
            a["hearing_meeting_date"] = iso["hearing_meeting_date"]
            if CH in path:
                self._companion(a, "hearing")
                a["hearing_postponed"] = c["hearing_postponed"]
                if c["hearing_postponed"]:
                    a["hearing_new_meeting_date"] = iso["hearing_new_meeting_date"]
                a["hearing_meeting_notes"] = say("hearing_notes")
                a["hearing_chair"] = chair
                decision = c["decision"]
                a["hearing_decision"] = decision
                a["hearing_decision_reasons"] = say("decision_reasons", decision)
                if decision == "dismissal":
                    a["hearing_last_day"] = iso["hearing_last_day"]
                elif decision in self.bank["action_details"]:
                    a["hearing_action_details"] = say("action_details", decision)
                a["hearing_outcome_date"] = iso["hearing_outcome_date"]
        if AP in path:
            against = APPEAL_AGAINST[path[path.index(AP) - 1]]
            a["appeal_against"] = against
            a["appeal_lodged_date"] = iso["appeal_lodged_date"]
            a["appeal_grounds"] = say("appeal_grounds", against)
            if AD in path:
                heard = seniors[1] if len(seniors) > 1 else "A member of the Employment Committee"
                a["appeal_heard_by"] = heard
                a["appeal_manager_not_involved"] = True
                a["appeal_meeting_date"] = iso["appeal_meeting_date"]
                companion = a.get("hearing_companion_name")
                if companion:
                    a["appeal_companion_name"] = companion
                a["appeal_outcome"] = c["appeal_outcome"]
                a["appeal_outcome_reasons"] = say("appeal_reasons", c["appeal_outcome"])
                a["appeal_outcome_date"] = iso["appeal_outcome_date"]
        if w.chance(0.4):
            a["employee_comments"] = say("employee_comments")
        return a
