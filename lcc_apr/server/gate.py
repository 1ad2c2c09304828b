"""The door of every request, before any route: body size, and a token before a body.

`LimitBody` answers 413 to a body over the limit however it is sent: a declared
Content-Length is refused before a byte is read, and a chunked body is counted as it
arrives and refused at the limit (no more is read). `SignedInFirst` answers 401 to a
request that carries a body but no valid access token, before the body is read, on
every route but sign-in (password or single sign-on) and refresh: an anonymous caller
cannot make the server read or parse anything large. (The routes check the token and the
account again.)
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import json_response
from .security import TokenIssuer

OPEN_PATHS = frozenset({"/auth/login", "/auth/refresh", "/auth/sso/nonce", "/auth/sso/login"})
READS_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SIGN_IN_FIRST = "Sign in first."


class LimitBody:
    """413 for a body larger than `most` bytes, without reading past the limit."""

    def __init__(self, app: ASGIApp, most: int) -> None:
        self.app = app
        self.most = most

    def _refusal(self) -> dict[str, str]:
        return {"detail": f"The request is too large (the most is {self.most:,} bytes)."}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.most):
            await json_response(self._refusal(), 413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.most:  # the route's handlers turn this into the 413
                    raise HTTPException(413, self._refusal()["detail"])
            return message

        await self.app(scope, counted, send)


class SignedInFirst:
    """401 for a request with a body and no valid access token, before the body is read."""

    def __init__(self, app: ASGIApp, tokens: TokenIssuer) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in READS_BODY
            and scope["path"] not in OPEN_PATHS
            and not self._signed_in(scope)
        ):
            reply = json_response({"detail": SIGN_IN_FIRST}, 401, {"WWW-Authenticate": "Bearer"})
            await reply(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _signed_in(self, scope: Scope) -> bool:
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and self.tokens.read_access(token.strip()) is not None
