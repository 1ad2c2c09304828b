"""POST /auth/login, /auth/refresh and /auth/logout."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from lcc_apr.sync.accountwire import LoginBody, RefreshBody, TokenReply

from .. import auth
from ..deps import Ctx, CurrentUser, DbSession, RoutePath, require_protocol
from ..errors import BODY, ERRORS, documented

router = APIRouter(
    prefix="/auth",
    tags=["auth"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)


@router.post("/login", response_model=TokenReply, responses={**BODY, **documented(423, 429)})
def login(
    body: LoginBody, request: Request, ctx: Ctx, session: DbSession, route: RoutePath
) -> dict[str, object]:
    address = request.client.host if request.client else "unknown"
    return auth.login(ctx, session, body.username, body.password, body.device, route, address)


@router.post("/refresh", response_model=TokenReply, responses=BODY)
def refresh(body: RefreshBody, ctx: Ctx, session: DbSession, route: RoutePath) -> dict[str, object]:
    return auth.refresh(ctx, session, body.refresh_token, route)


@router.post("/logout", status_code=204, response_class=Response, responses=BODY)
def logout(body: RefreshBody, user: CurrentUser, session: DbSession, route: RoutePath) -> Response:
    auth.logout(session, user, body.refresh_token, route)
    return Response(status_code=204)
