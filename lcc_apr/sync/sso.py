"""Signing in with the council account: OpenID Connect through the system browser.

RFC 8252 (OAuth for native apps): the authorization-code flow with PKCE (S256) in the
person's own browser, never an embedded one, and the answer on a one-shot loopback
redirect, `http://127.0.0.1:<free port>/`, checked by `state`. The app is a public
client: it holds no secret; the code is exchanged at the provider's token endpoint
with the code verifier. The ID token then goes to the LCC APR server with the nonce
the server gave (`Connection.sso_login`), which checks it and answers with its own
tokens, kept as after a password sign-in.

Plain core code, run in the welcome's worker; it waits for the browser until the
cancel event is set or `timeout` passes. No token or code is ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeGuard
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from .accountwire import UserWire
from .errors import AuthError, Cancelled, NetworkError, SyncError
from .transport import Connection

OpenBrowser = Callable[[str], Any]  # webbrowser.open: False when no browser could open
WAIT_SECONDS = 300.0  # for the person to finish at the provider
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
NOT_OFFERED = (
    "This server does not offer sign-in with a council account: sign in with your username "
    "and password, or ask IT."
)
UNREACHABLE = (
    "Cannot reach your council's sign-in service. Check your connection and try again; if "
    "it keeps happening, tell IT."
)
CONFUSED = (
    "Your council's sign-in service answered in a way this app does not understand. Tell IT "
    "(single sign-on settings)."
)
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>LCC APR</title></head><body style="font-family: sans-serif; margin: 3em">
<h1>LCC APR</h1><p>{words}</p></body></html>"""
DONE = "You can close this tab and go back to LCC APR."
STOPPED = "Signing in did not finish. You can close this tab and try again in LCC APR."
NOT_OURS = "This page was not opened by your sign-in to LCC APR."


@dataclass(frozen=True)
class Endpoints:
    """Where the provider's sign-in page and token exchange are (its discovery document)."""

    authorization: str
    token: str


def usable(url: object) -> TypeGuard[str]:
    """https, or plain http to this computer (a provider run for tests or a trial)."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS)


def pkce_pair() -> tuple[str, str]:
    """(code verifier, its S256 challenge): RFC 7636 section 4."""
    verifier = secrets.token_urlsafe(64)  # 86 characters of the unreserved set
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_in_with_council_account(
    connection: Connection,
    *,
    open_browser: OpenBrowser = webbrowser.open,
    cancel: threading.Event | None = None,
    timeout: float = WAIT_SECONDS,
    device: str = "desktop",
    http: httpx.Client | None = None,
    waiting: Callable[[], None] = lambda: None,
) -> UserWire:
    """Sign `connection` in through the council's sign-in service; returns the user.

    `waiting` is called when the browser has been asked to open. Cancelled when `cancel`
    is set or `timeout` seconds pass without an answer; SyncError sentences otherwise."""
    provider = connection.sso_provider()
    if provider is None:
        raise AuthError(NOT_OFFERED)
    own = http is None
    client = http or httpx.Client(timeout=30.0)
    try:
        endpoints = discover(client, provider.issuer)
        nonce = connection.sso_nonce()
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(32)
        with LoopbackRedirect(state) as redirect:
            query = urlencode(
                {
                    "response_type": "code",
                    "client_id": provider.client_id,
                    "redirect_uri": redirect.uri,
                    "scope": " ".join(provider.scopes),
                    "state": state,
                    "nonce": nonce,
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                }
            )
            joiner = "&" if urlsplit(endpoints.authorization).query else "?"
            if open_browser(endpoints.authorization + joiner + query) is False:
                raise SyncError(
                    "No web browser could be opened to sign in with your council account. "
                    "Set a default browser, or ask IT."
                )
            waiting()
            code = redirect.wait(cancel, timeout)
        id_token = exchange(
            client,
            endpoints.token,
            code=code,
            verifier=verifier,
            redirect_uri=redirect.uri,
            client_id=provider.client_id,
        )
    finally:
        if own:
            client.close()
    return connection.sso_login(id_token, nonce, device)


def discover(http: httpx.Client, issuer: str) -> Endpoints:
    """The provider's endpoints from `<issuer>/.well-known/openid-configuration`."""
    meta = _json(http, "GET", issuer.rstrip("/") + "/.well-known/openid-configuration")
    authorization, token = meta.get("authorization_endpoint"), meta.get("token_endpoint")
    if meta.get("issuer") != issuer or not usable(authorization) or not usable(token):
        raise SyncError(CONFUSED)
    return Endpoints(authorization, token)


def exchange(
    http: httpx.Client,
    endpoint: str,
    *,
    code: str,
    verifier: str,
    redirect_uri: str,
    client_id: str,
) -> str:
    """The ID token for `code`, from the token endpoint (public client: no secret)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "code_verifier": verifier,
    }
    reply = _json(http, "POST", endpoint, data=form, refused_ok=True)
    id_token = reply.get("id_token")
    if isinstance(id_token, str) and id_token:
        return id_token
    if "error" in reply:
        raise AuthError(
            f"Your council's sign-in service refused the sign-in ({_word(reply['error'])}). "
            "Sign in again; if it keeps happening, tell IT."
        )
    raise SyncError(CONFUSED)


def _json(
    http: httpx.Client, method: str, url: str, *, refused_ok: bool = False, **kw: Any
) -> dict[str, Any]:
    try:
        response = http.request(method, url, headers={"Accept": "application/json"}, **kw)
    except httpx.TransportError:
        raise NetworkError(UNREACHABLE) from None
    if response.status_code >= 500 or (response.status_code >= 300 and not refused_ok):
        raise NetworkError(UNREACHABLE)
    try:
        value = response.json()
    except ValueError:
        raise SyncError(CONFUSED) from None
    if not isinstance(value, dict):
        raise SyncError(CONFUSED)
    return value


def _word(value: Any) -> str:
    """An OAuth error code, safe to show (RFC 6749 codes are short ASCII words)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "", str(value))[:40] or "error"


class LoopbackRedirect:
    """A one-shot web server on 127.0.0.1 (a free port) that takes the provider's answer:
    the first request to `/` carrying the expected `state`. Requests with another state
    are turned away and it keeps waiting. Use as a context manager; `wait` for the code."""

    def __init__(self, state: str) -> None:
        self.state = state
        self._done = threading.Event()
        self._code: str | None = None
        self._error: str | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.uri = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    def __enter__(self) -> LoopbackRedirect:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, cancel: threading.Event | None, timeout: float) -> str:
        """The authorization code; Cancelled on `cancel` or after `timeout` seconds,
        AuthError when the provider answered with an error."""
        deadline = time.monotonic() + timeout
        while not self._done.wait(0.1):
            if cancel is not None and cancel.is_set():
                raise Cancelled("Signing in with your council account was cancelled.")
            if time.monotonic() > deadline:
                raise Cancelled(
                    "Signing in with your council account was not finished in time: try again."
                )
        if self._code is None:
            raise AuthError(
                f"Signing in at your council's sign-in service did not finish "
                f"({self._error or 'no code'}). Try again; if it keeps happening, tell IT."
            )
        return self._code

    def _answer(self, query: str) -> tuple[int, str]:
        """(status, words for the page) for a request to `/` with this query."""
        found = parse_qs(query)
        state = found.get("state", [""])[0]
        if self._done.is_set() or not secrets.compare_digest(state.encode(), self.state.encode()):
            return 400, NOT_OURS
        code = found.get("code", [""])[0]
        if code:
            self._code = code
        else:
            self._error = _word(found.get("error", ["no code"])[0])
        self._done.set()
        return (200, DONE) if code else (200, STOPPED)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        redirect = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10  # an idle connection (a browser's preconnect) is dropped

            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                parts = urlsplit(self.path)
                if parts.path != "/":
                    status, words = 404, NOT_OURS
                else:
                    status, words = redirect._answer(parts.query)
                body = PAGE.format(words=words).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("Referrer-Policy", "no-referrer")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Nothing logged: the address holds the code."""

        return Handler
