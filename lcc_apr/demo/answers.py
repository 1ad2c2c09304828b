"""Answers (form content) for demo records, written from the phrase banks.

Contract: every method returns a dict of plain JSON values (str, int, bool,
ISO date strings, lists of dicts) whose keys and values are those the kind's
form template v1 allows (resources/forms/<kind>/v1.toml), filled as far as
the record's workflow status needs: a draft is partly filled, anything past
it is complete for every step it has been through. A field with no value is
left out, never None: in lcc_apr.history a None answer means "remove this
field".
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from .data import load_toml
from .names import NamePicker

RATINGS = ["exceeds", "meets", "partly_meets", "does_not_meet"]
RATING_WEIGHTS = [15, 70, 12, 3]
WEAK_RATINGS = ("partly_meets", "does_not_meet")
# Objective outcomes by overall rating: (met, partly_met, not_met) weights.
OUTCOMES = ["met", "partly_met", "not_met"]
OUTCOME_WEIGHTS = {
    "exceeds": [90, 10, 0],
    "meets": [65, 27, 8],
    "partly_meets": [30, 45, 25],
    "does_not_meet": [10, 40, 50],
}
# Values ratings by overall rating (scale "values", best first).
VALUES = ["consistently_demonstrates", "usually_demonstrates", "developing", "not_yet_demonstrated"]
VALUE_WEIGHTS = {
    "exceeds": [70, 30, 0, 0],
    "meets": [30, 60, 10, 0],
    "partly_meets": [5, 45, 45, 5],
    "does_not_meet": [0, 30, 45, 25],
}
PROGRAMMES = ["aspiring_managers", "supervisor_development", "leadership_framework"]
# The employee has given their view from "responded" on (APR workflow).
RESPONDED = frozenset({"responded", "employee_signed", "completed"})
SIGNED = frozenset({"employee_signed", "completed", "referred_to_hr"})
DURATIONS = [30, 45, 45, 60, 60, 60, 90]
FREQUENCIES = ["four_weekly", "monthly", "six_weekly"]
Answers = dict[str, Any]
Context = dict[str, Any]


def long_date(day: date) -> str:
    """'18 March 2024', as written in letters."""
    return f"{day.day} {day:%B %Y}"


class Writer:
    """Fills phrase templates for one person at a time with the seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.p = load_toml("phrases")
        self.services: dict[str, Any] = self.p["services"]
        self._names: NamePicker | None = None

    def full_name(self) -> str:
        """Someone else's name (a companion, say), from the same pools as the staff's."""
        if self._names is None:
            self._names = NamePicker(self.rng)
        first, last, preferred = self._names.pick(None, None)
        return f"{preferred or first} {last}"

    # --- picking ---------------------------------------------------------------------------

    def one(self, options: Sequence[Any]) -> Any:
        """A uniform choice; cheaper than random.choice, and as deterministic."""
        return options[int(self.rng.random() * len(options))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def between(self, low: int, high: int) -> int:
        """A whole number from low to high inclusive (a cheaper randint)."""
        return low + int(self.rng.random() * (high - low + 1))

    def some(self, options: Sequence[Any], k: int) -> list[Any]:
        """`k` different options (k <= len(options)): a cheaper random.sample."""
        pool, n, random_ = list(options), len(options), self.rng.random
        for i in range(k):  # the first k steps of a Fisher-Yates shuffle
            j = i + int(random_() * (n - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def context(self, *, name: str, job: str, manager: str, service: str) -> Context:
        """Per-person context; `pick` adds a {work} and {learning} per record."""
        bank = self.services.get(service) or self.services["corporate"]
        return {"name": name, "job": job, "manager": manager, "bank": bank}

    def pick(self, ctx: Context) -> dict[str, str]:
        """The placeholders for one record: the same work and course throughout it."""
        bank = ctx["bank"]
        return {
            "name": ctx["name"],
            "job": ctx["job"],
            "manager": ctx["manager"],
            "work": self.one(bank["work"]),
            "learning": self.one(bank["learning"]),
        }

    def say(self, section: str, field: str, fill: dict[str, str]) -> str:
        return str(self.one(self.p[section][field])).format_map(fill)

    def rating(self, weak: bool = False) -> str:
        if weak:
            return self.one(WEAK_RATINGS)
        return self.rng.choices(RATINGS, RATING_WEIGHTS)[0]

    # --- APR -------------------------------------------------------------------------------

    def objectives(self, ctx: Context, meeting: date, n: int) -> list[Answers]:
        rng, bank = self.rng, ctx["bank"]
        return [
            {
                "objective": text,
                "measure": self.one(self.p["apr"]["measures"]),
                "target_date": (meeting + timedelta(days=rng.randint(90, 330))).isoformat(),
            }
            for text in rng.sample(bank["objectives"], n)
        ]

    def apr(
        self,
        ctx: Context,
        meeting: date,
        previous: list[Answers],
        new: list[Answers],
        status: str,
        rating: str,
    ) -> Answers:
        """One APR; `status` decides how far it is filled (apr workflow)."""
        rng, fill, bank = self.rng, self.pick(ctx), self.p["apr"]
        draft = status == "draft"
        outcome_weights = OUTCOME_WEIGHTS[rating]
        reviewed = []
        for o in previous:
            outcome = rng.choices(OUTCOMES, outcome_weights)[0]
            evidence = str(self.one(bank["evidence"][outcome])).format_map(fill)
            reviewed.append({"objective": o["objective"], "evidence": evidence, "outcome": outcome})
        # Meetings are in April to June: the period is the council year the APR is held in
        # and names (its title, the schedule's cycle), as the form's own example reads.
        year = meeting.year
        answers: Answers = {
            "meeting_date": meeting.isoformat(),
            "review_period": f"April {year} to March {year + 1}",
        }
        if reviewed:
            answers["previous_objectives"] = reviewed
        if new and (not draft or self.chance(0.7)):
            answers["new_objectives"] = new
        if not draft:
            evidence = bank["value_evidence"]
            for i, value in enumerate(rng.choices(VALUES, VALUE_WEIGHTS[rating], k=5), 1):
                answers[f"value_{i}_rating"] = value
                answers[f"value_{i}_evidence"] = str(self.one(evidence[value])).format_map(fill)
            answers["overall_rating"] = rating
            if rating in WEAK_RATINGS:
                answers["rating_reasons"] = self.say("apr", "rating_reasons", fill)
        if self.chance(0.2):
            answers["values_discussion"] = self.say("apr", "values", fill)
        for key, phrases in (
            ("learning_needs", "learning_needs"),
            ("development_plan", "development"),
            ("wellbeing_discussion", "wellbeing"),
        ):
            if not draft or self.chance(0.5):
                answers[key] = self.say("apr", phrases, fill)
        if self.chance(0.2):
            answers["wellbeing_support"] = self.say("apr", "wellbeing_support", fill)
        if self.chance(0.45):
            answers["career_aspirations"] = self.say("apr", "career", fill)
        if not draft and self.chance(0.15):
            answers["programmes_of_interest"] = [self.one(PROGRAMMES)]
        if not draft or self.chance(0.3):
            answers["manager_comments"] = self.say("apr", "manager_comments", fill)
        if status in RESPONDED:
            disagree = self.chance(0.15 if rating in WEAK_RATINGS else 0.04)
            answers["employee_response"] = "disagree" if disagree else "agree"
            if disagree:
                answers["disagreement_reasons"] = self.say("apr", "disagreement", fill)
            if self.chance(0.5):
                answers["employee_comments"] = self.say("apr", "employee_comments", fill)
        return answers

    # --- supervision -----------------------------------------------------------------------

    def actions(
        self, ctx: Context, meeting: date, n: int, taken: Sequence[Answers] = ()
    ) -> list[Answers]:
        """`n` new actions, none the same as an action in `taken` (carried forward)."""
        rng, fill = self.rng, self.pick(ctx)
        owners = (ctx["name"], ctx["manager"])
        texts = [t.format_map(fill) for t in self.some(self.p["supervision"]["actions"], n + 2)]
        if taken:
            old = {a["action"] for a in taken}
            texts = [t for t in texts if t not in old]
        return [
            {
                "action": text,
                "owner": owners[rng.random() < 0.25],
                "due_date": (meeting + timedelta(days=self.between(14, 42))).isoformat(),
                "carried_forward": False,
            }
            for text in texts[:n]
        ]

    def action_update(self, status: str) -> str:
        return str(self.one(self.p["supervision"]["action_updates"][status]))

    def supervision(
        self,
        ctx: Context,
        meeting: date,
        previous: list[Answers],
        new: list[Answers],
        next_date: date,
        agreement: str,
        status: str,
    ) -> Answers:
        """One supervision; `agreement` is the template's agreement_status value."""
        fill = self.pick(ctx)
        draft = status == "draft"
        keep = 0.6 if draft else 1.0  # a draft is partly written
        rng = self.rng
        answers: Answers = {
            "meeting_date": meeting.isoformat(),
            "duration_minutes": self.one(DURATIONS),
            "attendees": self.say("supervision", "attendees", fill),
            "supervision_type": "planned" if rng.random() < 0.95 else "unplanned",
        }
        if not draft or rng.random() < keep:
            answers["agreement_status"] = agreement
            if agreement in ("new", "changed"):
                answers["agreed_frequency"] = ctx.get("frequency", "four_weekly")
                answers["confidentiality"] = self.say("supervision", "confidentiality", fill)
                answers["records_kept"] = self.say("supervision", "records_kept", fill)
                if rng.random() < 0.5:
                    answers["agreement_notes"] = self.say("supervision", "agreement_notes", fill)
        if previous:
            answers["previous_actions"] = previous
        answers["workload"] = self.say("supervision", "workload", fill)
        if rng.random() < 0.2:
            answers["performance"] = self.say("supervision", "performance", fill)
        answers["case_discussion"] = " ".join(self.some(ctx["bank"]["cases"], 2))
        if rng.random() < 0.08:
            decision, rationale = self.one(self.p["supervision"]["decisions"])
            answers["case_decisions"] = [
                {"decision": decision.format_map(fill), "rationale": rationale.format_map(fill)}
            ]
        for key, phrases in (("wellbeing_check_in", "wellbeing"), ("learning", "learning")):
            if rng.random() < keep:
                answers[key] = self.say("supervision", phrases, fill)
        if rng.random() < 0.1:
            answers["keeping_in_touch"] = self.say("supervision", "keeping_in_touch", fill)
        if rng.random() < 0.1:
            answers["support_agreed"] = self.say("supervision", "support_agreed", fill)
        if rng.random() < 0.15:
            answers["reflection"] = self.say("supervision", "reflection", fill)
        if new:
            answers["new_actions"] = new
        if rng.random() < keep:
            answers["escalations"] = self.say("supervision", "escalations", fill)
        if rng.random() < keep:
            answers["next_supervision_date"] = next_date.isoformat()
        if status in SIGNED and rng.random() < 0.15:
            answers["employee_comments"] = self.say("supervision", "employee_comments", fill)
        return answers

    # --- probation -------------------------------------------------------------------------

    def probation(
        self,
        ctx: Context,
        meeting: date,
        weeks: int,
        *,
        final: bool,
        outcome: str | None,
        extension_end: date | None,
        concerns: bool,
        status: str,
        hr: dict[str, Any] | None = None,
    ) -> Answers:
        """One probation review; `hr` holds the dates and decision after a fail."""
        fill = self.pick(ctx)
        draft = status == "draft"
        answers: Answers = {
            "review_point_weeks": weeks,
            "meeting_date": meeting.isoformat(),
            "is_final_review": final,
        }
        areas = (
            ("quality_of_work", "quality_concern" if concerns else "quality"),
            ("conduct", "conduct"),
            ("attendance", "attendance"),
            ("values_and_behaviours", "values"),
        )
        for key, phrases in areas:
            if draft and self.chance(0.3):
                continue
            weak = concerns and key == "quality_of_work"
            good = "meeting" if self.chance(0.9) else "partly_meeting"
            answers[f"{key}_rating"] = (
                ("not_meeting" if outcome == "fail" else "partly_meeting") if weak else good
            )
            answers[key] = self.say("probation", phrases, fill)
        answers["progress"] = self.say("probation", "progress", fill)
        answers["areas_to_improve"] = self.say("probation", "improve", fill)
        answers["support"] = self.say("probation", "support", fill)
        if self.chance(0.3):
            answers["reasonable_adjustments"] = self.say("probation", "adjustments", fill)
        if not draft or self.chance(0.5):
            answers["has_concerns"] = concerns
            if concerns:
                answers["concerns"] = self.say("probation", "concerns", fill)
                answers["consequences_explained"] = True
        if final and outcome:
            answers["outcome"] = outcome
            if outcome == "extend" and extension_end:
                answers["extension_end_date"] = extension_end.isoformat()
                answers["extension_reasons"] = self.say("probation", "extension_reasons", fill)
            elif outcome == "fail":
                answers["fail_reasons"] = self.say("probation", "fail_reasons", fill)
        if hr:
            decision = hr["decision"]
            answers["hr_meeting_date"] = hr["meeting"].isoformat()
            if hr.get("companion"):
                answers["hr_companion"] = hr["companion"]
            answers["hr_decision"] = decision
            if decision == "extend":
                answers["hr_extension_end_date"] = hr["extension_end"].isoformat()
            reasons = self.p["probation"]["hr_reasons"][decision]
            answers["hr_decision_reasons"] = str(self.one(reasons)).format_map(fill)
            answers["hr_letter_date"] = hr["letter"].isoformat()
        if self.chance(0.4):
            answers["manager_comments"] = self.say("probation", "manager_comments", fill)
        if status in SIGNED and self.chance(0.3):
            answers["employee_comments"] = self.say("probation", "employee_comments", fill)
        return answers
