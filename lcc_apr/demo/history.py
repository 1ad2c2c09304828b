"""Five years of record history for the demo organisation, streamed.

Contract: `generate_history(org, seed=, as_of=)` yields (record row, change
row) pairs made by lcc_apr.history.creation_rows, one employee at a time,
never holding the whole history. The same (org, seed, as_of) gives the same
rows: one seeded RNG, no clock; ids are UUID4s drawn from that RNG and
timestamps are aware UTC times on the record's own date. Authors are line
managers' users (the chief executive's records have no author, and neither do
records dated before the manager joined).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lcc_apr.history import creation_rows
from lcc_apr.models import RecordKind

from .answers import Answers, Writer
from .organisation import Organisation

Rows = tuple[dict[str, Any], dict[str, Any]]
Context = dict[str, Any]
Step = tuple[str, date, int]  # capability stage, meeting date, review period in weeks
TEMPLATE_VERSION = 1
APR_CYCLES = 5
SUPERVISION_GAP_DAYS = (28, 56)
SUPERVISION_YEARS = 5
PROBATION = timedelta(weeks=26)
PROBATION_REVIEW_WEEKS = (8, 16, 24)
PROBATION_HISTORY_DAYS = 730  # reviews are generated for people who started this recently
CAPABILITY_SHARE = 0.005
ACTION_STATUSES = ["completed", "in_progress", "carried_forward"]
ACTION_WEIGHTS = [6, 2, 2]
# Stage sequences of capability cases, with weights; a case is at its last stage.
CASE_PATHS = [
    (("informal",), 5),
    (("informal", "closed_improved"), 5),
    (("informal", "formal_stage_1"), 4),
    (("informal", "formal_stage_1", "closed_improved"), 4),
    (("informal", "formal_stage_1", "formal_stage_2"), 3),
    (("informal", "formal_stage_1", "formal_stage_2", "closed_improved"), 2),
    (("informal", "formal_stage_1", "formal_stage_2", "final_review"), 2),
    (("informal", "formal_stage_1", "formal_stage_2", "final_review", "closed_dismissed"), 1),
]


@dataclass
class Person:
    id: int
    name: str
    job: str
    manager: str
    service: str
    start: date
    probation_end: date | None
    manager_id: int | None
    manager_start: date | None


def people(org: Organisation) -> list[Person]:
    """What the history needs to know about each employee, in id order."""
    by_id = {e["id"]: e for e in org.employees}
    result = []
    for e in org.employees:
        boss = by_id.get(e["line_manager_id"])
        result.append(
            Person(
                id=e["id"],
                name=e["preferred_name"] or e["first_name"],
                job=e["job_title"],
                # The chief executive is appraised by the Leader (an elected member).
                manager=(boss["preferred_name"] or boss["first_name"]) if boss else "the Leader",
                service=org.services.get(e["department_id"], "corporate"),
                start=e["start_date"],
                probation_end=e["probation_end_date"],
                manager_id=boss["id"] if boss else None,  # user id == employee id
                manager_start=boss["start_date"] if boss else None,
            )
        )
    return result


def _action_fields(action: Answers) -> Answers:
    return {"action": action["action"], "owner": action["owner"], "due_date": action["due_date"]}


class _History:
    def __init__(self, org: Organisation, seed: int, as_of: date) -> None:
        self.rng = random.Random(seed)
        self.writer = Writer(self.rng)
        self.as_of = as_of
        self.org = org

    def row(self, kind: RecordKind, p: Person, answers: Answers, status: str, day: date) -> Rows:
        rng = self.rng
        author = p.manager_id if p.manager_start and p.manager_start <= day else None
        at = datetime(
            day.year, day.month, day.day, rng.randint(8, 16), rng.randrange(60), tzinfo=UTC
        )
        return creation_rows(
            kind=kind,
            subject_id=p.id,
            author_id=author,
            template_id=str(kind),
            template_version=TEMPLATE_VERSION,
            answers=answers,
            status=status,
            record_date=day,
            at=at,
            record_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        )

    def cases(self, plist: list[Person]) -> dict[int, list[Step]]:
        """Capability cases: employee id -> [(stage, meeting date, review weeks)]."""
        rng, as_of = self.rng, self.as_of
        eligible = [p for p in plist if p.manager_id and (as_of - p.start).days > 3 * 365]
        count = min(len(eligible), max(1, round(self.org.size * CAPABILITY_SHARE)))
        paths, weights = zip(*CASE_PATHS, strict=True)
        plans: dict[int, list[Step]] = {}
        for p in rng.sample(eligible, count):
            path = rng.choices(paths, weights)[0]
            last = path[-1]
            back = (
                28 if last == "closed_dismissed" else 90 if not last.startswith("closed") else 540
            )
            day = as_of - timedelta(days=rng.randint(0, back))
            steps = []
            for stage in reversed(path):
                weeks = 0 if stage.startswith("closed") else rng.randint(4, 12)
                steps.append((stage, day, weeks))
                day -= timedelta(weeks=rng.randint(4, 12))
            plans[p.id] = steps[::-1]
        return plans

    def aprs(self, p: Person, ctx: Context, weak_from: date | None) -> Iterator[Rows]:
        rng, w, as_of = self.rng, self.writer, self.as_of
        latest = as_of.year if as_of >= date(as_of.year, 4, 1) else as_of.year - 1
        objectives: list[Answers] | None = None
        for year in range(latest - APR_CYCLES + 1, latest + 1):
            opens = date(year, 4, 1)
            if p.start >= opens:
                continue
            closes = min(date(year, 6, 30), as_of)
            meeting = opens + timedelta(days=rng.randint(0, (closes - opens).days))
            if objectives is None:  # set at induction or before the system
                objectives = w.objectives(ctx, meeting - timedelta(days=365), 2)
            status = "completed"
            if year == latest:
                status = rng.choices(["draft", "shared", "completed"], [25, 25, 50])[0]
            weak = weak_from is not None and meeting >= weak_from
            new = w.objectives(ctx, meeting, rng.choice((2, 2, 3)))
            answers = w.apr(ctx, meeting, objectives, new, status, w.rating(weak))
            objectives = new
            yield self.row(RecordKind.APR, p, answers, status, meeting)

    def supervisions(self, p: Person, ctx: Context) -> Iterator[Rows]:
        rng, w, as_of = self.rng, self.writer, self.as_of
        lo, hi = SUPERVISION_GAP_DAYS
        day = max(p.start, as_of - timedelta(days=365 * SUPERVISION_YEARS))
        day += timedelta(days=rng.randint(lo, hi))
        open_actions: list[Answers] = []
        while day <= as_of:
            following = day + timedelta(days=rng.randint(lo, hi))
            reviewed, carried = [], []
            for a in open_actions:
                status = rng.choices(ACTION_STATUSES, ACTION_WEIGHTS)[0]
                reviewed.append({**_action_fields(a), "status": status})
                if status == "carried_forward":
                    due = (day + timedelta(days=rng.randint(14, 42))).isoformat()
                    carried.append({**a, "due_date": due, "carried_forward": True})
            new = carried + w.actions(ctx, day, rng.randint(1, 3 - min(len(carried), 2)))
            answers = w.supervision(ctx, day, reviewed, new, following)
            last = following > as_of
            status = "draft" if last and rng.random() < 0.3 else "completed"
            yield self.row(RecordKind.SUPERVISION, p, answers, status, day)
            open_actions = new
            day = following

    def probation(self, p: Person, ctx: Context) -> Iterator[Rows]:
        rng, w, as_of = self.rng, self.writer, self.as_of
        if (as_of - p.start).days > PROBATION_HISTORY_DAYS:
            return
        extended = p.probation_end is not None and p.probation_end > p.start + PROBATION
        reviews = [(weeks, p.start + timedelta(weeks=weeks)) for weeks in PROBATION_REVIEW_WEEKS]
        final_weeks = PROBATION_REVIEW_WEEKS[-1]
        if extended and p.probation_end is not None:  # one more review near the new end
            end = p.probation_end - timedelta(days=7)
            reviews.append(((end - p.start).days // 7, end))
        due = [(weeks, day) for weeks, day in reviews if day <= as_of]
        for i, (weeks, day) in enumerate(due):
            outcome, extension_end = None, None  # no outcome before the final review
            if weeks == final_weeks and extended:
                outcome, extension_end = "extend", p.probation_end
            elif weeks >= final_weeks:
                recent = (as_of - day).days <= 28  # a fail is only recent: notice running
                outcome = "fail" if recent and rng.random() < 0.05 else "pass"
            answers = w.probation(ctx, weeks, outcome, extension_end)
            latest = i == len(due) - 1 and (as_of - day).days <= 14
            status = "draft" if latest and rng.random() < 0.3 else "completed"
            yield self.row(RecordKind.PROBATION, p, answers, status, day)

    def capability(self, p: Person, ctx: Context, steps: list[Step]) -> Iterator[Rows]:
        for i, (stage, day, weeks) in enumerate(steps):
            answers = self.writer.capability(ctx, stage, day, weeks)
            open_case = i == len(steps) - 1 and not stage.startswith("closed")
            status = "draft" if open_case and self.rng.random() < 0.3 else "completed"
            yield self.row(RecordKind.CAPABILITY, p, answers, status, day)


def generate_history(org: Organisation, *, seed: int, as_of: date) -> Iterator[Rows]:
    """Stream (record row, change row) pairs for every employee of `org`."""
    gen = _History(org, seed, as_of)
    plist = people(org)
    plans = gen.cases(plist)
    for p in plist:
        ctx = gen.writer.context(name=p.name, job=p.job, manager=p.manager, service=p.service)
        steps = plans.get(p.id)
        weak_from = steps[0][1] - timedelta(days=180) if steps else None
        yield from gen.aprs(p, ctx, weak_from)
        yield from gen.supervisions(p, ctx)
        yield from gen.probation(p, ctx)
        if steps:
            yield from gen.capability(p, ctx, steps)
