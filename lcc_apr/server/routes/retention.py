"""/hr/retention: HR reviews the due list, confirms purges, places and releases legal holds.

HR only; every call is audited (user id and outcome, never names). The server's own day
is "today": a client cannot bring a purge forward.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, Record
from lcc_apr.retention import HOLD_REASONS
from lcc_apr.sync.retentionwire import (
    ConfirmBody,
    ConfirmReply,
    HoldBody,
    ReleaseBody,
    RetentionReply,
)

from .. import audit, retention
from ..auth import Principal
from ..deps import Ctx, CurrentUser, DbSession, RoutePath, require_protocol
from ..errors import BODY, ERRORS, ApiError, documented
from ..miview import server_today
from ..tables import RetentionDue

HR_ONLY = "Only HR reviews retention and legal holds."

router = APIRouter(
    prefix="/hr/retention",
    tags=["hr"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)


def _hr(ctx: Ctx, user: Principal, session: Session, event: str, route: str) -> None:
    if not user.viewer.is_hr:
        session.rollback()
        audit.write(ctx.engine, user.user_id, event, route, "refused:role")
        raise ApiError(403, HR_ONLY, code="hr_only")


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.scalars(select(Employee).where(Employee.id.in_(sorted(ids))))
    return {e.id: e.display_name for e in rows}


def state(session: Session) -> dict[str, Any]:
    due = retention.due_rows(session)
    holds = retention.holds(session)
    held_records = [h.record_id for h in holds if h.record_id]
    rows = session.execute(select(Record.id, Record.subject_id).where(Record.id.in_(held_records)))
    record_subjects: dict[str, int] = {rid: subject for rid, subject in rows}
    subject_of = {h.id: h.employee_id or record_subjects.get(h.record_id or "") for h in holds}
    names = _names(session, {d.subject_id for d in due} | {s for s in subject_of.values() if s})
    return {
        "listed_at": session.scalar(select(func.max(RetentionDue.listed_at))),
        "due": [
            {
                "record_id": d.record_id,
                "kind": d.kind,
                "subject_id": d.subject_id,
                "subject_name": names.get(d.subject_id, f"employee {d.subject_id}"),
                "rule": d.rule,
                "trigger_on": d.trigger_on,
                "due_on": d.due_on,
                "blocked": d.blocked,
            }
            for d in due
        ],
        "holds": [
            {
                "id": h.id,
                "employee_id": h.employee_id,
                "record_id": h.record_id,
                "subject_name": names.get(subject_of[h.id] or 0),
                "reason": h.reason,
                "reason_text": HOLD_REASONS.get(h.reason, h.reason),
                "placed_by": h.placed_by,
                "placed_at": h.placed_at,
            }
            for h in holds
        ],
        "hold_reasons": HOLD_REASONS,
    }


@router.get("", response_model=RetentionReply)
def review(ctx: Ctx, user: CurrentUser, session: DbSession, route: RoutePath) -> dict[str, Any]:
    _hr(ctx, user, session, "retention_view", route)
    reply = state(session)
    audit.add(session, user.user_id, "retention_view", route, "ok")
    session.commit()
    return reply


@router.post("/due", response_model=RetentionReply)
def list_due(ctx: Ctx, user: CurrentUser, session: DbSession, route: RoutePath) -> dict[str, Any]:
    _hr(ctx, user, session, "retention_due", route)
    retention.list_due(session, server_today(), user_id=user.user_id, route=route)
    reply = state(session)
    session.commit()
    return reply


@router.post("/confirm", response_model=ConfirmReply, responses=BODY)
def confirm(
    body: ConfirmBody, ctx: Ctx, user: CurrentUser, session: DbSession, route: RoutePath
) -> dict[str, Any]:
    _hr(ctx, user, session, "retention_purge", route)
    outcomes = retention.confirm(
        session,
        body.record_ids,
        user.user_id,
        server_today(),
        route=route,
        ledger=ctx.settings.purge_ledger(),
    )
    session.commit()
    return {"outcomes": [o.__dict__ for o in outcomes]}


@router.post("/hold", response_model=RetentionReply, responses=BODY)
def hold(
    body: HoldBody, ctx: Ctx, user: CurrentUser, session: DbSession, route: RoutePath
) -> dict[str, Any]:
    _hr(ctx, user, session, "legal_hold", route)
    try:
        retention.place_hold(
            session,
            user.user_id,
            body.reason,
            employee_id=body.employee_id,
            record_id=body.record_id,
            route=route,
        )
    except retention.HoldError as err:
        session.rollback()
        audit.write(ctx.engine, user.user_id, "legal_hold", route, "refused:input")
        raise ApiError(422, str(err), code="bad_hold") from None
    reply = state(session)
    session.commit()
    return reply


@router.post("/release", response_model=RetentionReply, responses={**BODY, **documented(404)})
def release(
    body: ReleaseBody, ctx: Ctx, user: CurrentUser, session: DbSession, route: RoutePath
) -> dict[str, Any]:
    _hr(ctx, user, session, "legal_hold", route)
    try:
        retention.release_hold(session, body.hold_id, user.user_id, route=route)
    except retention.HoldError as err:
        session.rollback()
        audit.write(ctx.engine, user.user_id, "legal_hold", route, "refused:missing")
        raise ApiError(404, str(err), code="no_hold") from None
    reply = state(session)
    session.commit()
    return reply
