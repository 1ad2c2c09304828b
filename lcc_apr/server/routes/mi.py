"""GET /mi/choices and GET /mi/dashboard: management information for HR and managers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from lcc_apr.mi.table import Filters
from lcc_apr.sync.miwire import MiChoicesReply, MiDashboardReply, MiKind
from lcc_apr.sync.protocol import MOST_NUMBER

from .. import miview
from ..deps import Ctx, CurrentUser, DbSession, RoutePath, require_protocol
from ..errors import ERRORS, documented

router = APIRouter(
    prefix="/mi",
    tags=["management information"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)


@router.get("/choices", response_model=MiChoicesReply)
def choices(ctx: Ctx, user: CurrentUser, session: DbSession, route: RoutePath) -> dict[str, object]:
    entry = miview.MiAudit(session, ctx.engine, user.user_id, miview.CHOICES, route)
    return miview.choices(session, user.viewer, entry=entry, today=miview.server_today())


@router.get("/dashboard", response_model=MiDashboardReply, responses=documented(404))
def dashboard(
    ctx: Ctx,
    user: CurrentUser,
    session: DbSession,
    route: RoutePath,
    year: Annotated[int, Query(ge=miview.FIRST_YEAR, le=miview.LAST_YEAR)],
    department_id: Annotated[int | None, Query(ge=1, le=MOST_NUMBER)] = None,
    kind: MiKind | None = None,
) -> dict[str, object]:
    filters = Filters(year, department_id, kind)
    where = miview.audited_route(route, filters)
    entry = miview.MiAudit(session, ctx.engine, user.user_id, miview.DASHBOARD, where)
    return miview.dashboard(
        session, user.viewer, filters=filters, entry=entry, today=miview.server_today()
    )
