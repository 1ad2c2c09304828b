"""POST /hr/org-import: HR's organisation import (dry run, or applied all or nothing)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.sync.absencewire import AbsenceImportBody, AbsenceImportReply
from lcc_apr.sync.orgwire import OrgImportBody, OrgImportReply

from .. import audit
from ..absence_import import run_absence_upload
from ..deps import Ctx, CurrentUser, DbSession, RoutePath, require_protocol
from ..errors import BODY, ERRORS, ApiError, documented
from ..orgupload import HR_ONLY, run_upload

HR_ONLY_ABSENCES = "Only HR can import absences."

router = APIRouter(
    prefix="/hr",
    tags=["hr"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)


@router.post("/org-import", response_model=OrgImportReply, responses={**BODY, **documented(409)})
def org_import(
    body: OrgImportBody, ctx: Ctx, user: CurrentUser, session: DbSession, route: RoutePath
) -> dict[str, object]:
    session.rollback()  # the import opens its own sessions; this one holds nothing
    if not user.viewer.is_hr:
        audit.write(ctx.engine, user.user_id, "org_import", route, "refused:role")
        raise ApiError(403, HR_ONLY, code="hr_only")
    try:
        run, reply = run_upload(ctx, body)
    except ApiError as refusal:
        outcome = f"refused:{refusal.extra.get('code', refusal.status)}"
        audit.write(ctx.engine, user.user_id, "org_import", route, outcome)
        raise
    outcome = "dry_run" if run.applied is None else "applied"
    audit.write(ctx.engine, user.user_id, "org_import", route, outcome)
    return reply


@router.post(
    "/absence-import", response_model=AbsenceImportReply, responses={**BODY, **documented(409)}
)
def absence_import(
    body: AbsenceImportBody, ctx: Ctx, user: CurrentUser, session: DbSession, route: RoutePath
) -> dict[str, object]:
    """HR's absence import: a dry run, or applied all or nothing (lcc_apr.server.absence_import)."""
    session.rollback()  # the import opens its own sessions
    if not user.viewer.is_hr:
        audit.write(ctx.engine, user.user_id, "absence_import", route, "refused:role")
        raise ApiError(403, HR_ONLY_ABSENCES, code="hr_only")
    try:
        reply = run_absence_upload(
            ctx.engine, body, user_id=user.user_id, policy=default_attendance_policy()
        )
    except ApiError as refusal:
        outcome = f"refused:{refusal.extra.get('code', refusal.status)}"
        audit.write(ctx.engine, user.user_id, "absence_import", route, outcome)
        raise
    if not reply["applied"]:  # an applied import audits itself in its transaction
        outcome = "problems" if reply["problems"] else "dry_run"
        audit.write(ctx.engine, user.user_id, "absence_import", route, outcome)
    return reply
