"""Five years of record history for the demo organisation, streamed.

Contract: `generate_history(org, seed=, as_of=)` yields (record row, change
row) pairs made by lcc_apr.history.creation_rows, one employee at a time,
never holding the whole history. The same (org, seed, as_of) gives the same
rows: one seeded RNG per record kind (so `kinds=` picks some kinds without
changing them), no clock; ids are UUID4s drawn from those RNGs and
timestamps are aware UTC times on the record's own date. `subjects=` keeps the
rows of some employees only: the others' random draws are still taken (their
rows are not built), so the rows kept are the full stream's. Authors are the users
of the line manager of the record's date (careers.py: before a move that is the
manager of the time, who also appears in the record's text); the chief
executive's records have no author, and neither do records dated before the
manager joined.

Records are real form records: answers follow the kind's template (v1; the newest
year's supervisions, probation reviews and capability cases v2, see `version_of`, and the
newest APR cycle v2, apr_v2.py) and
each status is a state of the kind's workflow (lcc_apr/workflow), with the
answers complete for every step on the way there (answers.py, cases.py).
Past APR cycles, past supervisions and past probation reviews are completed;
the current APR cycle, the latest supervision and a recent probation review
may be anywhere along their workflow. A capability case is one record whose
status is the stage it has reached. A return-to-work interview follows each ended
absence episode of the organisation's (rtw.py), most on time, a few recent ones not yet.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.history import creation_rows
from lcc_apr.models import RecordKind
from lcc_apr.policy import load_policy
from lcc_apr.workdays import add_working_days

from . import answers_v2, apr_v2, reviews, rtw
from .answers import FREQUENCIES, Answers, Context, Writer
from .careers import ManagerOn
from .cases import CasePlan, CaseWriter, plan_cases
from .organisation import Organisation

Rows = tuple[dict[str, Any], dict[str, Any]]
TEMPLATE_VERSION = 1
# Forms version 2 (issue 19) came in with the newest council year: these kinds' records
# dated from its 1 April on are written with version 2, older ones stay version 1.
V2_KINDS = frozenset({RecordKind.SUPERVISION, RecordKind.PROBATION, RecordKind.CAPABILITY})
APR_CYCLES = 5
# Status of the current cycle's APR (apr workflow), with weights.
APR_STATUSES = ["draft", "shared", "responded", "employee_signed", "completed"]
APR_WEIGHTS = [20, 15, 10, 10, 45]
SUPERVISION_GAP_DAYS = (28, 56)
SUPERVISION_YEARS = 5
AGREEMENT_REVIEW_DAYS = 365  # the supervision agreement is reviewed yearly
# Status of the latest supervision (supervision workflow), with weights.
LATEST_STATUSES = ["draft", "shared", "employee_signed", "completed"]
LATEST_SUPERVISION_WEIGHTS = [25, 10, 5, 60]
# An action past its due date is done, carried forward (the rest) or dropped.
DONE_SHARE = 0.72
DROPPED_SHARE = 0.08
PROBATION = timedelta(weeks=26)
PROBATION_REVIEW_WEEKS = (8, 16, 24)
PROBATION_FINAL_GAP = timedelta(weeks=2)  # the final review is 2 weeks before the end
PROBATION_HISTORY_DAYS = 730  # reviews are generated for people who started this recently
FAIL_SHARE = 0.05  # of final reviews in the last FAIL_WINDOW_DAYS
FAIL_WINDOW_DAYS = 90
RECENT_REVIEW_DAYS = 21  # a review this recent may still be going through its workflow
RECENT_STATUSES = ["draft", "shared", "employee_signed", "completed"]
RECENT_WEIGHTS = [30, 20, 15, 35]
HR_DECISIONS = ["end_employment", "extend", "confirm"]
HR_WEIGHTS = [70, 15, 15]
HR_COMPANIONS = ["UNISON representative", "GMB representative", "colleague"]
WEAK_BEFORE_CASE = timedelta(days=180)  # APR ratings are weak this long before a case


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
            )
        )
    return result


def seniors(org: Organisation, manager_id: int | None, by_id: dict[int, Any]) -> list[str]:
    """'Name, Job title' of the line manager's manager and the one above them."""
    found: list[str] = []
    boss = by_id.get(manager_id) if manager_id else None
    node = by_id.get(boss["line_manager_id"]) if boss else None
    while node is not None and len(found) < 2:
        name = f"{node['preferred_name'] or node['first_name']} {node['last_name']}"
        found.append(f"{name}, {node['job_title']}")
        node = by_id.get(node["line_manager_id"])
    return found


def newest_year_start(as_of: date) -> date:
    """1 April of the council year `as_of` falls in (the newest APR cycle's year)."""
    return date(as_of.year if as_of >= date(as_of.year, 4, 1) else as_of.year - 1, 4, 1)


def version_of(kind: RecordKind, day: date, as_of: date) -> int:
    """The template version a demo record of `kind` dated `day` is written with."""
    return 2 if kind in V2_KINDS and day >= newest_year_start(as_of) else TEMPLATE_VERSION


def _action_fields(action: Answers) -> Answers:
    return {"action": action["action"], "owner": action["owner"], "due_date": action["due_date"]}


# The kinds the demo's history holds: return-to-work interviews follow the demo's ended
# absence episodes (rtw.py), attendance reviews the triggers they reach (reviews.py);
# welfare contacts it does not generate.
GENERATED_KINDS = (
    RecordKind.APR,
    RecordKind.SUPERVISION,
    RecordKind.PROBATION,
    RecordKind.CAPABILITY,
    RecordKind.RETURN_TO_WORK,
    RecordKind.ATTENDANCE,
)


class _History:
    def __init__(self, org: Organisation, seed: int, as_of: date) -> None:
        self.rngs = {kind: random.Random(f"{seed}/{kind}") for kind in RecordKind}
        self.writers = {kind: Writer(rng) for kind, rng in self.rngs.items()}
        # Version 2's additions draw from their own RNGs: version 1 records stay as they were.
        self.v2 = {kind: Writer(random.Random(f"{seed}/{kind}/v2")) for kind in V2_KINDS}
        self.case_writer = CaseWriter(self.writers[RecordKind.CAPABILITY])
        self.as_of = as_of
        self.org = org
        self.by_id = {e["id"]: e for e in org.employees}
        self.manager_on = ManagerOn(org.post_history)
        self.keep = True  # False: draw this person's rows but do not build them
        self.absences: dict[int, list[dict[str, Any]]] = {}
        for absence in org.absences:  # each person's in date order (absences.py)
            self.absences.setdefault(absence["employee_id"], []).append(absence)
        self.rtw_due_within = default_attendance_policy().rtw_due_within_days

    def manager(self, p: Person, day: date) -> int | None:
        """The id of `p`'s line manager on `day` (None: none, or not yet joined)."""
        found = self.manager_on(p.id, day, p.manager_id)
        boss = self.by_id.get(found) if found is not None else None
        return found if boss is not None and boss["start_date"] <= day else None

    def on(self, p: Person, ctx: Context, day: date) -> Context:
        """`ctx` with the line manager of `day` (after a move, an earlier one)."""
        found = self.manager_on(p.id, day, p.manager_id)
        if found == p.manager_id or found is None:
            return ctx
        boss = self.by_id[found]
        return {**ctx, "manager": boss["preferred_name"] or boss["first_name"]}

    def row(
        self,
        kind: RecordKind,
        p: Person,
        answers: Answers,
        status: str,
        day: date,
        version: int = TEMPLATE_VERSION,
    ) -> Rows | None:
        rng = self.rngs[kind]
        hour, minute = 8 + int(rng.random() * 9), int(rng.random() * 60)
        uid = rng.getrandbits(128)
        if not self.keep:
            return None
        author = self.manager(p, day)
        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        return creation_rows(
            kind=kind,
            subject_id=p.id,
            author_id=author,
            template_id=str(kind),
            # APRs say their version (apr_v2.py); the other kinds' come from the date
            template_version=max(version, version_of(kind, day, self.as_of)),
            answers=answers,
            status=status,
            record_date=day,
            at=at,
            record_id=str(uuid.UUID(int=uid, version=4)),
        )

    def cases(self, plist: list[Person]) -> dict[int, CasePlan]:
        """Capability cases: employee id -> plan (people with a line manager only)."""
        candidates = [(p.id, p.start) for p in plist if p.manager_id]
        rng = self.rngs[RecordKind.CAPABILITY]
        return plan_cases(candidates, self.org.size, rng, self.as_of)

    def aprs(
        self, p: Person, ctx: Context, weak: tuple[date, date] | None, seed: int = 0
    ) -> Iterator[Rows | None]:
        kind = RecordKind.APR
        rng, w, as_of = self.rngs[kind], self.writers[kind], self.as_of
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
                status = rng.choices(APR_STATUSES, APR_WEIGHTS)[0]
            is_weak = weak is not None and weak[0] <= meeting <= weak[1]
            then = self.on(p, ctx, meeting)
            new = w.objectives(then, meeting, rng.choice((2, 2, 3)))
            answers = w.apr(then, meeting, objectives, new, status, w.rating(is_weak))
            objectives = new
            if year < latest:
                yield self.row(kind, p, answers, status, meeting)
                continue
            answers = apr_v2.to_v2(
                answers,
                seed=f"{seed}/apr-v2/{p.id}",
                writer=w,
                ctx=then,
                service=p.service,
                meeting=meeting,
                status=status,
                as_of=as_of,
            )
            yield self.row(kind, p, answers, status, meeting, apr_v2.VERSION)

    def supervisions(self, p: Person, ctx: Context) -> Iterator[Rows | None]:
        kind = RecordKind.SUPERVISION
        rng, w, as_of = self.rngs[kind], self.writers[kind], self.as_of
        lo, hi = SUPERVISION_GAP_DAYS
        horizon = as_of - timedelta(days=365 * SUPERVISION_YEARS)
        day = max(p.start, horizon) + timedelta(days=w.between(lo, hi))
        ctx = {**ctx, "frequency": w.one(FREQUENCIES)}
        agreed: date | None = None
        open_actions: list[Answers] = []
        while day <= as_of:
            following = day + timedelta(days=w.between(lo, hi))
            status = "completed"
            if following > as_of:
                status = rng.choices(LATEST_STATUSES, LATEST_SUPERVISION_WEIGHTS)[0]
            if agreed is None:  # the first supervision in the system
                agreement = "new" if p.start >= horizon else "changed"
                agreed = day
            elif (day - agreed).days >= AGREEMENT_REVIEW_DAYS:
                agreement = "changed" if rng.random() < 0.25 else "unchanged"
                agreed = day
            else:
                agreement = "in_place"
            today = day.isoformat()
            reviewed, carried = [], []
            for a in open_actions:
                if a["due_date"] >= today:  # not due yet: still open, listed again
                    reviewed.append({**_action_fields(a), "status": "open"})
                    carried.append({**a, "carried_forward": True})
                    continue
                r = rng.random()
                outcome = (
                    "done"
                    if r < DONE_SHARE
                    else "dropped"
                    if r > 1 - DROPPED_SHARE
                    else "carried_forward"
                )
                entry = {**_action_fields(a), "status": outcome}
                if outcome == "dropped" or (outcome == "carried_forward" and rng.random() < 0.5):
                    entry["update"] = w.action_update(outcome)
                reviewed.append(entry)
                if outcome == "carried_forward":
                    due = (day + timedelta(days=w.between(14, 42))).isoformat()
                    carried.append({**a, "due_date": due, "carried_forward": True})
            then = self.on(p, ctx, day)
            fresh = w.actions(then, day, w.between(1, 3 - min(len(carried), 2)), carried)
            new = carried + fresh
            answers = w.supervision(then, day, reviewed, new, following, agreement, status)
            if version_of(kind, day, as_of) == 2:
                answers = answers_v2.supervision(
                    self.v2[kind], then, answers, status=status, start=p.start, job=p.job
                )
            yield self.row(kind, p, answers, status, day)
            open_actions = new
            day = following

    def probation(self, p: Person, ctx: Context) -> Iterator[Rows | None]:
        kind = RecordKind.PROBATION
        rng, w, as_of = self.rngs[kind], self.writers[kind], self.as_of
        if (as_of - p.start).days > PROBATION_HISTORY_DAYS:
            return
        final_weeks = PROBATION_REVIEW_WEEKS[-1]
        extended = p.probation_end is not None and p.probation_end > p.start + PROBATION
        reviews = [(weeks, p.start + timedelta(weeks=weeks)) for weeks in PROBATION_REVIEW_WEEKS]
        if extended and p.probation_end is not None:  # one more review before the new end
            day = p.probation_end - PROBATION_FINAL_GAP
            reviews.append(((day - p.start).days // 7, day))
        due = [(weeks, day) for weeks, day in reviews if day <= as_of]
        final_day = p.start + timedelta(weeks=final_weeks)
        fails = (
            not extended
            and final_day <= as_of
            and (as_of - final_day).days <= FAIL_WINDOW_DAYS
            and rng.random() < FAIL_SHARE
        )
        early_worry = rng.random() < 0.08  # concerns at 8 weeks that were put right
        agreed: list[Answers] | None = None  # version 2: objectives agreed at the start
        for i, (weeks, day) in enumerate(due):
            final = weeks >= final_weeks
            outcome = None
            if final:
                outcome = "extend" if weeks == final_weeks and extended else "pass"
                outcome = "fail" if fails else outcome
            # Concerns: from 16 weeks for a probation that is extended or not passed.
            struggling = (extended or fails) and outcome != "pass"
            concerns = struggling and weeks > PROBATION_REVIEW_WEEKS[0]
            concerns = concerns or (weeks == PROBATION_REVIEW_WEEKS[0] and early_worry)
            hr: dict[str, Any] | None = None
            status = "completed"
            if outcome == "fail":
                meeting = add_working_days(day, rng.randint(8, 15))
                letter = add_working_days(meeting, rng.randint(1, 3))
                status = "referred_to_hr"
                if letter <= as_of:  # HR have met the employee and decided
                    status = "completed"
                    decision = rng.choices(HR_DECISIONS, HR_WEIGHTS)[0]
                    hr = {"meeting": meeting, "letter": letter, "decision": decision}
                    hr["extension_end"] = day + timedelta(weeks=8)
                    if rng.random() < 0.7:
                        hr["companion"] = f"{w.full_name()}, {w.one(HR_COMPANIONS)}"
            elif i == len(due) - 1 and (as_of - day).days <= RECENT_REVIEW_DAYS:
                status = rng.choices(RECENT_STATUSES, RECENT_WEIGHTS)[0]
            extension_end = p.probation_end if outcome == "extend" else None
            answers = w.probation(
                ctx,
                day,
                weeks,
                final=final,
                outcome=outcome,
                extension_end=extension_end,
                concerns=concerns,
                status=status,
                hr=hr,
            )
            if version_of(kind, day, as_of) == 2:
                if agreed is None:
                    agreed = answers_v2.objectives(self.v2[kind], ctx, p.start)
                answers = answers_v2.probation(
                    self.v2[kind],
                    answers,
                    agreed,
                    status=status,
                    concerns=concerns,
                    failed=outcome == "fail",
                    as_of=as_of,
                )
            yield self.row(kind, p, answers, status, day)

    def capability(self, p: Person, ctx: Context, plan: CasePlan) -> Iterator[Rows | None]:
        kind = RecordKind.CAPABILITY
        answers = self.case_writer.answers(ctx, plan, seniors(self.org, p.manager_id, self.by_id))
        if version_of(kind, plan.opened, self.as_of) == 2:
            answers = answers_v2.capability(self.v2[kind], answers)
        yield self.row(kind, p, answers, plan.status, plan.opened)

    def reviews(self, plist: list[Person]) -> dict[int, CasePlan]:
        """Attendance reviews: employee id -> plan (reviews.py), people with a manager."""
        return reviews.plan_reviews(
            self.absences,
            [p.id for p in plist if p.manager_id],
            default_attendance_policy(),
            self.rngs[RecordKind.ATTENDANCE],
            self.as_of,
            warning_months=load_policy().attendance_review.first_warning_expiry_months,
        )

    def review(self, p: Person, ctx: Context, plan: CasePlan) -> Iterator[Rows | None]:
        kind = RecordKind.ATTENDANCE
        writer = reviews.ReviewWriter(self.writers[kind])
        then = self.on(p, ctx, plan.opened)
        answers = writer.answers(then, plan, seniors(self.org, p.manager_id, self.by_id))
        yield self.row(kind, p, answers, reviews.status_of(plan), plan.opened)

    def interviews(self, p: Person, ctx: Context) -> Iterator[Rows | None]:
        """Return-to-work interviews after the person's ended episodes (rtw.py)."""
        kind = RecordKind.RETURN_TO_WORK
        w, mine = self.writers[kind], self.absences.get(p.id, [])
        for i, absence in enumerate(mine):
            if absence["last_day"] is None:
                continue  # still off
            following = mine[i + 1]["first_day"] if i + 1 < len(mine) else None
            meeting = rtw.plan(w, absence["last_day"], following, self.as_of, self.rtw_due_within)
            if meeting is None:
                continue
            status = rtw.status_of(w, meeting, self.as_of)
            answers = rtw.answers(w, self.on(p, ctx, meeting), absence, meeting, status)
            yield self.row(kind, p, answers, status, meeting)


def generate_history(
    org: Organisation,
    *,
    seed: int,
    as_of: date,
    kinds: Collection[RecordKind] | None = None,
    subjects: Collection[int] | None = None,
    passed: Callable[[int], None] | None = None,
) -> Iterator[Rows]:
    """Stream (record row, change row) pairs for every employee of `org`.

    `kinds` limits the stream to some record kinds, `subjects` to some employees
    (the stream ends after the last of them); the rows are exactly the ones the
    full stream has. `passed` is called with each employee's id before their rows.
    """
    wanted = set(GENERATED_KINDS) if kinds is None else set(kinds)
    gen = _History(org, seed, as_of)
    plist = people(org)
    plans = gen.cases(plist)
    reviewed = gen.reviews(plist) if RecordKind.ATTENDANCE in wanted else {}
    context = gen.writers[RecordKind.APR].context
    last = max(subjects, default=0) if subjects is not None else None
    for p in plist:
        if last is not None and p.id > last:
            return
        if passed is not None:
            passed(p.id)
        gen.keep = subjects is None or p.id in subjects
        ctx = context(name=p.name, job=p.job, manager=p.manager, service=p.service)
        plan = plans.get(p.id)
        weak = None
        if plan:
            weak = (plan.opened - WEAK_BEFORE_CASE, plan.closed or as_of)
        streams: list[Iterator[Rows | None]] = []
        if RecordKind.APR in wanted:
            streams.append(gen.aprs(p, ctx, weak, seed))
        if RecordKind.SUPERVISION in wanted:
            streams.append(gen.supervisions(p, ctx))
        if RecordKind.PROBATION in wanted:
            streams.append(gen.probation(p, ctx))
        if plan and RecordKind.CAPABILITY in wanted:
            streams.append(gen.capability(p, ctx, plan))
        if RecordKind.RETURN_TO_WORK in wanted:
            streams.append(gen.interviews(p, ctx))
        review = reviewed.get(p.id)
        if review is not None:
            streams.append(gen.review(p, ctx, review))
        for stream in streams:  # one after another: each draws when it is read
            for rows in stream:
                if rows is not None:
                    yield rows
