"""Request dependencies, as Annotated aliases the routers use in their signatures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
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


def document_protocol(app: FastAPI) -> None:
    """Name the protocol header in the OpenAPI document (`require_protocol` reads it by hand,
    so FastAPI cannot see it): on every operation that documents the 426 it brings."""
    parameter = {
        "name": PROTOCOL_HEADER,
        "in": "header",
        "required": True,
        "description": "The sync protocol the client speaks",
        "schema": {"type": "integer", "minimum": MIN_PROTOCOL, "maximum": PROTOCOL},
    }
    make = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for operations in make()["paths"].values():
                for operation in operations.values():
                    if "426" in operation["responses"]:
                        operation.setdefault("parameters", []).insert(0, parameter)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


_bearer = HTTPBearer(auto_error=False, description="The access token from /auth/login")


def current_principal(
    ctx: Ctx,
    session: DbSession,
    route: RoutePath,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return authenticate(ctx, session, credentials.credentials if credentials else None, route)


CurrentUser = Annotated[Principal, Depends(current_principal)]
