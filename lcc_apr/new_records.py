"""Starting a new record: the current template, the first state, and what carries over.

A supervision starts with the previous one's open actions; an APR with last
year's objectives to review; a probation review knows which review point is
due and whether it is the final one. Runs on the thread that owns the session.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.answer_paths import parse_path, top_key, with_value
from lcc_apr.forms import Catalogue, Template, edit_problems, validate
from lcc_apr.history import create_record
from lcc_apr.models import Employee, Record, RecordKind, Role
from lcc_apr.policy import Policy
from lcc_apr.schedule import gather, probation_plan
from lcc_apr.schedule.cycles import cycle_of
from lcc_apr.workflow import WORKFLOWS, Actor, check_start, editing_roles


def latest(session: Session, subject_id: int, kind: RecordKind) -> Record | None:
    """The subject's most recent live record of a kind (by its date, then creation)."""
    stmt = (
        select(Record)
        .where(Record.subject_id == subject_id, Record.kind == kind, ~Record.deleted)
        .order_by(Record.record_date.desc(), Record.created_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def same_cycle(
    session: Session, *, kind: RecordKind, subject_id: int, policy: Policy, today: date
) -> Record | None:
    """A live record of `kind` already in the cycle a record started today falls in
    (an APR: the council's April-March year), the newest; None when there is none or the
    kind has no cycle (the other kinds repeat)."""
    if kind is not RecordKind.APR:
        return None
    cycle = cycle_of(today, policy)
    stmt = (
        select(Record)
        .where(
            Record.subject_id == subject_id,
            Record.kind == kind,
            ~Record.deleted,
            Record.record_date >= cycle.first,
            Record.record_date <= cycle.last,
        )
        .order_by(Record.record_date.desc(), Record.created_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def cycle_name(kind: RecordKind, today: date, policy: Policy) -> str:
    """The cycle in words: 'APR 2026/27' (the kind's label for kinds without a cycle)."""
    if kind is not RecordKind.APR:
        return kind.label
    return f"APR {cycle_of(today, policy).title}"


def carried_actions(previous: dict[str, Any]) -> list[dict[str, Any]]:
    """Actions still open after a supervision, ready to review at the next one.

    Those agreed last time, plus those reviewed last time and left open; each
    once (by its wording), with status "open" until the manager updates it.
    """
    agreed = previous.get("new_actions", [])
    still_open = [a for a in previous.get("previous_actions", []) if a.get("status") == "open"]
    carried, seen = [], set()
    for action in [*agreed, *still_open]:
        text = str(action.get("action", "")).strip()
        if not text or text.casefold() in seen:
            continue
        seen.add(text.casefold())
        item = {"action": text, "owner": action.get("owner", ""), "status": "open"}
        if action.get("due_date"):
            item["due_date"] = action["due_date"]
        carried.append(item)
    return carried


def starting_answers(
    session: Session, *, kind: RecordKind, subject_id: int, policy: Policy, today: date
) -> dict[str, Any]:
    answers: dict[str, Any] = {"meeting_date": today.isoformat()}
    if kind is RecordKind.SUPERVISION:
        previous = latest(session, subject_id, kind)
        if previous is not None:
            carried = carried_actions(previous.answers)
            if carried:
                answers["previous_actions"] = carried
            if previous.answers.get("social_work"):  # form version 2 on: the same role
                answers["social_work"] = previous.answers["social_work"]
    elif kind is RecordKind.APR:
        previous = latest(session, subject_id, kind)
        objectives = previous.answers.get("new_objectives", []) if previous else []
        if objectives:
            answers["previous_objectives"] = [
                {"objective": o["objective"]} for o in objectives if o.get("objective")
            ]
    elif kind is RecordKind.PROBATION:
        answers |= probation_point(session, subject_id=subject_id, policy=policy, today=today)
        previous = latest(session, subject_id, kind)
        agreed = previous.answers.get("probation_objectives", []) if previous else []
        kept = [
            {k: o[k] for k in ("objective", "standard", "agreed_date") if k in o}
            for o in agreed
            if isinstance(o, dict) and o.get("objective")
        ]
        if kept:  # form version 2 on: agreed at the start, assessed at every review
            answers["probation_objectives"] = kept
    elif kind in (RecordKind.CAPABILITY, RecordKind.ATTENDANCE):
        answers["stage"] = "informal"
    return answers


def probation_point(
    session: Session, *, subject_id: int, policy: Policy, today: date
) -> dict[str, Any]:
    """The review point due next (weeks since start) and whether it is the final review."""
    facts = gather(session, today=today, employee_ids=[subject_id]).get(subject_id)
    plan = probation_plan(facts, policy) if facts else None
    if facts is None or plan is None:
        return {}
    points, _end = plan
    held = {r.answers.get("review_point_weeks") for r in facts.of_kind(RecordKind.PROBATION)}
    due = [week for week, _day in points if week not in held]
    if not due:
        return {}
    week = due[0]
    return {"review_point_weeks": week, "is_final_review": week == points[-1][0]}


def writable(
    template: Template, answers: dict[str, Any], *, roles: frozenset[Role], today: date
) -> dict[str, Any]:
    """The starting answers the server takes from this starter: only those their roles may
    write at the first stage, each valid for a record dated `today` (an action carried
    from over a year ago keeps its wording, not its due date). Anything else would make
    the server refuse the new record at every sync."""
    refused = {top_key(p.path) for p in edit_problems(template, {}, answers, roles=roles)}
    kept = {k: v for k, v in answers.items() if k not in refused}
    for problem in validate(template, kept, reference=today):
        parts = parse_path(problem.path)
        if isinstance(parts[-1], int):
            parts = parts[:1]  # a whole entry: the answer goes
        kept = with_value(kept, parts, None)
    return kept


def start_record(
    session: Session,
    *,
    kind: RecordKind,
    subject_id: int,
    actor: Actor,
    catalogue: Catalogue,
    policy: Policy,
    today: date,
    at: datetime,
) -> Record:
    """Create a record of `kind` about `subject_id` in its workflow's first state, written
    by `actor` (as seen from a record about `subject_id`, e.g. lcc_apr.ops.records.actor_towards).

    Raises WorkflowError unless the actor may start it (`lcc_apr.workflow.may_start`: the
    subject's line manager or HR, never on their own record).
    """
    if session.get(Employee, subject_id) is None:
        raise ValueError(f"No employee {subject_id}")
    check_start(actor=actor)
    template = catalogue.current(kind)
    initial = WORKFLOWS[kind].initial
    answers = starting_answers(
        session, kind=kind, subject_id=subject_id, policy=policy, today=today
    )
    roles = editing_roles(kind, [initial], actor.parties())
    record = create_record(
        session,
        kind=kind,
        subject_id=subject_id,
        author_id=actor.user_id,
        template_id=template.id,
        template_version=template.version,
        answers=writable(template, answers, roles=roles, today=today),
        status=initial,
        record_date=today,
        at=at,
    )
    session.flush()
    return record
