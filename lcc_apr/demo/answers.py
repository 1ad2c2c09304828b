"""Answers (form content) for demo records, written from the phrase banks.

Contract: every method returns a dict of plain JSON values (str, int, bool,
ISO date strings, lists of dicts) with snake_case keys that are the same for
every record of a kind. A field with no value is left out, never None: in
lcc_apr.history a None answer means "remove this field".
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .data import load_toml

RATINGS = ["exceeds", "meets", "partly_meets", "does_not_meet"]
RATING_WEIGHTS = [15, 70, 12, 3]
OUTCOMES = ["met", "partly_met", "not_met"]
OUTCOME_WEIGHTS = [65, 25, 10]
Answers = dict[str, Any]


class Writer:
    """Fills phrase templates for one person at a time with the seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.p = load_toml("phrases")
        self.services: dict[str, Any] = self.p["services"]

    def context(self, *, name: str, job: str, manager: str, service: str) -> dict[str, Any]:
        """Per-person context; `pick` adds a {work} and {learning} per record."""
        bank = self.services.get(service) or self.services["corporate"]
        return {"name": name, "job": job, "manager": manager, "bank": bank}

    def pick(self, ctx: dict[str, Any]) -> dict[str, str]:
        """The placeholders for one record: the same work and course throughout it."""
        bank = ctx["bank"]
        return {
            "name": ctx["name"],
            "job": ctx["job"],
            "manager": ctx["manager"],
            "work": self.rng.choice(bank["work"]),
            "learning": self.rng.choice(bank["learning"]),
        }

    def say(self, section: str, field: str, fill: dict[str, str]) -> str:
        return self.rng.choice(self.p[section][field]).format_map(fill)

    def objectives(self, ctx: dict[str, Any], meeting: date, n: int) -> list[Answers]:
        rng, bank = self.rng, ctx["bank"]
        return [
            {
                "objective": text,
                "measure": rng.choice(self.p["apr"]["measures"]),
                "target_date": (meeting + timedelta(days=rng.randint(90, 330))).isoformat(),
            }
            for text in rng.sample(bank["objectives"], n)
        ]

    def apr(
        self,
        ctx: dict[str, Any],
        meeting: date,
        previous: list[Answers],
        new: list[Answers],
        status: str,
        rating: str,
    ) -> Answers:
        rng, fill = self.rng, self.pick(ctx)
        reviewed = [
            {
                "objective": o["objective"],
                "evidence": self.say("apr", "evidence", fill),
                "outcome": rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0],
            }
            for o in previous
        ]
        answers: Answers = {
            "meeting_date": meeting.isoformat(),
            "previous_objectives": reviewed,
            "new_objectives": new,
            "values_discussion": self.say("apr", "values", fill),
            "learning_needs": self.say("apr", "learning_needs", fill),
            "development_plan": self.say("apr", "development", fill),
            "wellbeing_discussion": self.say("apr", "wellbeing", fill),
            "career_aspirations": self.say("apr", "career", fill),
            "manager_comments": self.say("apr", "manager_comments", fill),
        }
        if status != "draft":
            answers["overall_rating"] = rating
        if status == "completed":
            answers["employee_comments"] = self.say("apr", "employee_comments", fill)
        return answers

    def rating(self, weak: bool = False) -> str:
        if weak:
            return self.rng.choice(["partly_meets", "does_not_meet"])
        return self.rng.choices(RATINGS, RATING_WEIGHTS)[0]

    def actions(self, ctx: dict[str, Any], meeting: date, n: int) -> list[Answers]:
        rng, fill = self.rng, self.pick(ctx)
        owners = [ctx["name"], ctx["manager"]]
        return [
            {
                "action": template.format_map(fill),
                "owner": owners[rng.random() < 0.25],
                "due_date": (meeting + timedelta(days=rng.randint(14, 42))).isoformat(),
                "carried_forward": False,
            }
            for template in rng.sample(self.p["supervision"]["actions"], n)
        ]

    def supervision(
        self,
        ctx: dict[str, Any],
        meeting: date,
        previous: list[Answers],
        new: list[Answers],
        next_date: date,
    ) -> Answers:
        rng, fill = self.rng, self.pick(ctx)
        case_notes = rng.sample(ctx["bank"]["cases"], 2)
        return {
            "meeting_date": meeting.isoformat(),
            "duration_minutes": rng.choice([30, 45, 45, 60, 60, 60, 90]),
            "attendees": self.say("supervision", "attendees", fill),
            "workload": self.say("supervision", "workload", fill),
            "wellbeing_check_in": self.say("supervision", "wellbeing", fill),
            "case_discussion": " ".join(case_notes),
            "previous_actions": previous,
            "new_actions": new,
            "escalations": self.say("supervision", "escalations", fill),
            "learning": self.say("supervision", "learning", fill),
            "next_supervision_date": next_date.isoformat(),
        }

    def probation(
        self,
        ctx: dict[str, Any],
        weeks: int,
        outcome: str | None,
        extension_end: date | None,
    ) -> Answers:
        fill = self.pick(ctx)
        answers: Answers = {
            "review_point_weeks": weeks,
            "quality_of_work": self.say("probation", "quality", fill),
            "conduct": self.say("probation", "conduct", fill),
            "attendance": self.say("probation", "attendance", fill),
            "values_and_behaviours": self.say("probation", "values", fill),
            "progress": self.say("probation", "progress", fill),
            "areas_to_improve": self.say("probation", "improve", fill),
            "support": self.say("probation", "support", fill),
        }
        if outcome:
            answers["outcome"] = outcome
        if extension_end:
            answers["extension_end_date"] = extension_end.isoformat()
        return answers

    def capability(
        self, ctx: dict[str, Any], stage: str, meeting: date, review_weeks: int
    ) -> Answers:
        fill = self.pick(ctx)
        return {
            "stage": stage,
            "meeting_date": meeting.isoformat(),
            "concerns": self.say("capability", "concerns", fill),
            "standards_expected": self.say("capability", "standards", fill),
            "support_offered": self.say("capability", "support", fill),
            "review_period_weeks": review_weeks,
            "outcome": self.rng.choice(self.p["capability"]["outcomes"][stage]).format_map(fill),
        }
