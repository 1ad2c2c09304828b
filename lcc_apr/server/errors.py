"""Errors as `{"detail": "plain English", ...}`, never a stack trace; and no-store headers.

Unexpected exceptions are caught by `SafeErrors` (the outermost user middleware),
which answers a generic 500 and logs the exception's type, the route and the
code frames only: exception messages can hold SQL parameters or answers, so
they are never logged or returned. A database that stayed busy (a pool timeout,
SQLite locked) is no fault: 503 with Retry-After (lcc_apr.server.busy).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lcc_apr.sync.accountwire import ErrorReply

from .busy import busy_reply, database_busy

log = logging.getLogger("lcc_apr.server")
HSTS = b"max-age=31536000"  # a year: laptops speak only TLS to this server after one answer
GENERIC_500 = "The server had a problem and could not finish this request; it has been logged."
UNSTORABLE = (
    "A value in the request cannot be stored (a NUL character in a text, for one): "
    "nothing was changed."
)

Responses = dict[int | str, dict[str, Any]]
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
# What each error answer means, for the OpenAPI document (each body is an ErrorReply).
MEANINGS: dict[int, str] = {
    400: "The body is not JSON (POST /certificates: or not a valid signing request)",
    401: "Not signed in, the session has ended, or (sign-in) wrong username or password "
    "(single sign-on: the token is refused, or its council account is not, or differently, "
    "linked)",
    403: "The account is disabled (POST /hr/org-import: or the user is not HR; /mi/...: or "
    "the user is neither HR nor a manager, or a manager asked for a department or equality)",
    404: "Single sign-on is not set up on this server (code sso_not_enabled; GET /mi/dashboard: "
    "no such department, code no_such_area; GET /sync/ready-cache...: none offered to this "
    "user, code no_ready_cache)",
    409: "The signing key is taken or revoked (POST /hr/org-import: the import was refused, "
    "nothing changed)",
    413: "The request is too large",
    422: "The request was not understood (wrong fields or types; POST /hr/org-import: or "
    "the file cannot be read)",
    423: "Too many failed sign-ins: the account is locked for a while",
    426: "The LCC-APR-Protocol header is missing, or names a protocol this server does not serve",
    502: "The server could not reach the council's sign-in service (code provider_unreachable)",
    429: "Too many requests (at once, failed sign-ins or single sign-on nonces from this "
    "address): nothing was done; wait Retry-After seconds",
    503: "The server cannot serve this now (busy: wait Retry-After seconds; "
    "POST /certificates: no signing authority yet, code no_authority, or its key cannot be "
    "used now: codes ca_passphrase_missing, ca_passphrase_wrong, ca_key_unprotected, "
    "ca_pin_missing, ca_pin_wrong, ca_token_unavailable)",
}


def documented(*statuses: int) -> Responses:
    """OpenAPI `responses` for these error statuses."""
    found: Responses = {}
    for status in statuses:
        found[status] = {"model": ErrorReply, "description": MEANINGS[status]}
        if status in (423, 429, 503):
            found[status]["headers"] = RETRY_AFTER
    return found


EVERYWHERE = documented(413, 429, 503)  # any request (the app's)
ERRORS = documented(401, 403, 422, 426)  # every route that needs the protocol header
BODY = documented(400)  # every route that reads a JSON body


class ApiError(Exception):
    """A refusal with a plain-English detail and optional extra fields (code, retry_after...)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=orjson.dumps(body),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> Response:
        return json_response({"detail": exc.detail, **exc.extra}, exc.status, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "The request was refused."
        return json_response({"detail": detail}, exc.status_code, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        # Name the places and the problems, never the values sent (they may be personal).
        problems = [f"{_where(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()]
        shown = "; ".join(problems[:10]) + (" ..." if len(problems) > 10 else "")
        return json_response({"detail": f"The request was not understood: {shown}"}, 422)


class SafeErrors:
    """Turn any unhandled exception into a generic 500 and a log line without personal data;
    a busy database into 503 with Retry-After `retry_after` seconds."""

    def __init__(self, app: ASGIApp, retry_after: int) -> None:
        self.app = app
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the whole point
            route = getattr(scope.get("route"), "path", None) or "unmatched route"
            if database_busy(exc):
                log.warning(
                    "database busy (%s) on %s %s", type(exc).__name__, scope["method"], route
                )
                if not started:
                    await busy_reply(503, self.retry_after)(scope, receive, send)
                return
            if unstorable_value(exc):  # the request's data, refused by the database
                log.warning(
                    "unstorable value (%s) on %s %s", type(exc).__name__, scope["method"], route
                )
                if not started:
                    await json_response({"detail": UNSTORABLE}, 422)(scope, receive, send)
                return
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error(
                "unhandled %s on %s %s\n%s", type(exc).__name__, scope.get("method"), route, frames
            )
            if not started:
                await json_response({"detail": GENERIC_500}, 500)(scope, receive, send)


def unstorable_value(exc: BaseException) -> bool:
    """Whether the database (or its driver) refused a value the request carried: a DBAPI
    DataError (SQLSTATE class 22; psycopg's own for a NUL, which PostgreSQL cannot store
    in a text). The transaction is rolled back."""
    if isinstance(exc, BaseExceptionGroup):
        return any(unstorable_value(inner) for inner in exc.exceptions)
    return isinstance(exc, DataError)


class NoStore:
    """`Cache-Control: no-store` on every answer (most hold personal data); HSTS over TLS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]
                headers.append((b"cache-control", b"no-store"))
                headers.append((b"x-content-type-options", b"nosniff"))
                if scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", HSTS))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_header)
