"""GET /auth/sso, POST /auth/sso/nonce and POST /auth/sso/login: single sign-on with the
council's OpenID Connect provider (lcc_apr.server.sso)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from lcc_apr.sync.accountwire import SsoLoginBody, SsoNonceReply, SsoReply, TokenReply

from .. import sso
from ..deps import Ctx, DbSession, RoutePath, require_protocol
from ..errors import BODY, ERRORS, documented

router = APIRouter(
    prefix="/auth/sso",
    tags=["auth"],
    dependencies=[Depends(require_protocol)],
    responses={**ERRORS, **documented(404)},
)


@router.get("", response_model=SsoReply)
def provider(ctx: Ctx) -> dict[str, object]:
    return sso.settings_reply(ctx)


@router.post("/nonce", response_model=SsoNonceReply, responses=documented(429))
def nonce(request: Request, ctx: Ctx, session: DbSession) -> dict[str, object]:
    return sso.new_nonce(ctx, session, _address(request))


@router.post("/login", response_model=TokenReply, responses={**BODY, **documented(429, 502)})
def login(
    body: SsoLoginBody, request: Request, ctx: Ctx, session: DbSession, route: RoutePath
) -> dict[str, object]:
    return sso.login(
        ctx,
        session,
        id_token=body.id_token,
        nonce=body.nonce,
        device=body.device,
        route=route,
        address=_address(request),
    )


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
