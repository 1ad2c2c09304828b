"""GET /hr/audit and GET /hr/audit.csv: HR's audit viewer, a page at a time or as CSV.
Each read (and each refusal) is itself an audit entry, naming the person and record
filtered on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from lcc_apr.sync.auditwire import AUDIT_PAGE, CURSOR_TEXT, AuditPageReply
from lcc_apr.sync.protocol import MOST_NUMBER, UUID_TEXT

from .. import audit, auditview
from ..auditview import AuditFilters
from ..context import ServerContext
from ..deps import Ctx, CurrentUser, DbSession, RoutePath, require_protocol
from ..errors import ERRORS, ApiError, documented

HR_AUDIT_ONLY = "Only HR can read the audit log."

router = APIRouter(
    prefix="/hr",
    tags=["hr"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)


# A day as YYYY-MM-DD only: pydantic's date would take a number as a Unix time (the fuzzer's
# find: ?date_to=0 was accepted).
ISO_DAY = r"^\d{4}-\d{2}-\d{2}$"


def audit_filters(
    person: Annotated[int | None, Query(ge=1, le=MOST_NUMBER)] = None,
    user: Annotated[int | None, Query(ge=1, le=MOST_NUMBER)] = None,
    record: Annotated[str | None, Query(pattern=UUID_TEXT, max_length=36)] = None,
    event: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_:]+$")] = None,
    date_from: Annotated[str | None, Query(pattern=ISO_DAY)] = None,
    date_to: Annotated[str | None, Query(pattern=ISO_DAY)] = None,
) -> AuditFilters:
    return AuditFilters(person, user, record, event, _day(date_from), _day(date_to))


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(422, f"{text} is not a day of the calendar.", code="bad_date") from None


Filters = Annotated[AuditFilters, Depends(audit_filters)]


def _allowed(ctx: ServerContext, user: CurrentUser, event: str, route: str, f: AuditFilters):
    where = f"{route}?{urlencode({k: v for k, v in vars(f).items() if v is not None})}"
    if not user.viewer.is_hr:
        audit.write(ctx.engine, user.user_id, event, where, "refused:role")
        raise ApiError(403, HR_AUDIT_ONLY, code="hr_only")
    return where


@router.get("/audit", response_model=AuditPageReply, responses=documented(422))
def audit_page(
    ctx: Ctx,
    user: CurrentUser,
    session: DbSession,
    route: RoutePath,
    filters: Filters,
    cursor: Annotated[str | None, Query(pattern=CURSOR_TEXT, max_length=60)] = None,
    limit: Annotated[int | None, Query(ge=1, le=AUDIT_PAGE)] = None,
    purpose: Literal["view", "subject_access"] = "view",
) -> dict[str, object]:
    """A page of the audit log, newest first; pass the reply's `next` as `cursor`.
    `purpose=subject_access` (with `person`): read for that person's subject access
    export, audited as such."""
    session.rollback()
    event = auditview.SUBJECT_ACCESS if purpose == "subject_access" else auditview.VIEWED
    where = _allowed(ctx, user, event, route, filters)
    if event == auditview.SUBJECT_ACCESS and filters.person is None:
        raise ApiError(422, auditview.NO_PERSON, code="no_person")
    try:
        at = auditview.parse_cursor(cursor) if cursor else None
    except ValueError:
        raise ApiError(422, auditview.BAD_CURSOR, code="bad_cursor") from None
    reply = auditview.page(session, filters, cursor=at, limit=limit or AUDIT_PAGE)
    if cursor is None:  # the first page of a view: one entry per view, not per scroll
        audit.add(
            session,
            user.user_id,
            event,
            where,
            "ok",
            record_id=filters.record,
            subject_id=filters.person,
        )
        session.commit()
    return reply


@router.get(
    "/audit.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The filtered entries"},
        **documented(422),
    },
)
def audit_csv(ctx: Ctx, user: CurrentUser, route: RoutePath, filters: Filters) -> StreamingResponse:
    """Every entry the filters match, newest first, as CSV (audited before it is sent)."""
    where = _allowed(ctx, user, auditview.EXPORTED, route, filters)
    audit.write(
        ctx.engine,
        user.user_id,
        auditview.EXPORTED,
        where,
        "ok",
        record_id=filters.record,
        subject_id=filters.person,
    )

    def chunks() -> Iterator[str]:
        with ctx.sessions() as session:
            yield from auditview.csv_chunks(session, filters)

    headers = {"Content-Disposition": 'attachment; filename="audit.csv"'}
    return StreamingResponse(chunks(), media_type="text/csv", headers=headers)
