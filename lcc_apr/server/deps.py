"""Request dependencies, as Annotated aliases the routers use in their signatures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from lcc_apr.sync.protocol import MIN_PROTOCOL, PROTOCOL, PROTOCOL_HEADER

from .auth import Principal, authenticate
from .context import ServerContext
from .errors import ApiError


def get_context(request: Request) -> ServerContext:
    return request.app.state.ctx


Ctx = Annotated[ServerContext, Depends(get_context)]


def get_session(ctx: Ctx) -> Iterator[Session]:
    with ctx.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def route_path(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", request.url.path)


RoutePath = Annotated[str, Depends(route_path)]


def require_protocol(request: Request) -> int:
    """426 unless the request speaks a protocol version this server serves."""
    raw = request.headers.get(PROTOCOL_HEADER)
    try:
        version = int(raw) if raw is not None else None
    except ValueError:
        version = None
    if version is not None and MIN_PROTOCOL <= version <= PROTOCOL:
        return version
    if version is None:
        detail = f"Say which sync protocol you speak in the {PROTOCOL_HEADER} header."
    elif version < MIN_PROTOCOL:
        detail = "This version of LCC APR is too old for the server: update the app."
    else:
        detail = "The server is older than this version of LCC APR: ask IT to update the server."
    raise ApiError(426, detail, min_protocol=MIN_PROTOCOL, max_protocol=PROTOCOL)


_bearer = HTTPBearer(auto_error=False, description="The access token from /auth/login")


def current_principal(
    ctx: Ctx,
    session: DbSession,
    route: RoutePath,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return authenticate(ctx, session, credentials.credentials if credentials else None, route)


CurrentUser = Annotated[Principal, Depends(current_principal)]
