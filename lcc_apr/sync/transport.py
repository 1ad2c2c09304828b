"""Talking to the server over HTTPS (httpx): sign-in, tokens, and the sync routes.

Runs on whichever thread calls it (the UI runs sync in a worker). Every
failure becomes a SyncError subclass whose message is a sentence for the
user; NetworkError is the one worth retrying. Tokens never go into a URL or
a log; the refresh token is kept in the OS keyring when one is available.
"""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass, field
from typing import Any

import httpx
from keyring.backend import KeyringBackend

from .address import check_server_url
from .errors import (  # noqa: F401  (re-exported: callers name them from here)
    AccountDisabled,
    AuthError,
    Cancelled,
    IncompatibleServer,
    LockedOut,
    NetworkError,
    Refused,
    SyncError,
)
from .protocol import MIN_PROTOCOL, PROTOCOL, PROTOCOL_HEADER, dumps, loads

SERVICE = "lcc-apr"


@dataclass
class Tokens:
    """Refresh tokens in the OS keyring (never a file); none kept without a keyring."""

    backend: KeyringBackend | None
    memory: dict[str, str] = field(default_factory=dict)

    def save(self, entry: str, token: str) -> None:
        self.memory[entry] = token
        if self.backend is not None:
            self.backend.set_password(SERVICE, entry, token)

    def load(self, entry: str) -> str | None:
        if entry in self.memory:
            return self.memory[entry]
        return self.backend.get_password(SERVICE, entry) if self.backend else None

    def clear(self, entry: str) -> None:
        self.memory.pop(entry, None)
        if self.backend is not None:
            with contextlib.suppress(Exception):  # nothing stored is fine
                self.backend.delete_password(SERVICE, entry)


class Connection:
    """One user's connection to one server."""

    def __init__(
        self,
        url: str,
        *,
        tokens: Tokens,
        allow_plain_local: bool = False,
        verify: bool | str = True,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = check_server_url(url, allow_plain_local=allow_plain_local)
        self.tokens = tokens
        self.user: dict[str, Any] | None = None
        self.username: str | None = None
        self._access: str | None = None
        self._http = httpx.Client(
            base_url=self.url,
            verify=verify,
            timeout=timeout,
            transport=transport,
            headers={PROTOCOL_HEADER: str(PROTOCOL), "Content-Type": "application/json"},
        )

    # -- sessions ---------------------------------------------------------------

    def _entry(self) -> str:
        return f"refresh:{self.url}:{self.username}"

    def login(self, username: str, password: str, device: str = "desktop") -> dict[str, Any]:
        self.username = username
        body = {"username": username, "password": password, "device": device}
        reply = self._send("POST", "/auth/login", body=body, authorised=False)
        return self._accept(reply)

    def resume(self, username: str) -> bool:
        """Sign in again from the stored refresh token; False if there is none."""
        self.username = username
        if self.tokens.load(self._entry()) is None:
            return False
        self._refresh()
        return True

    def logout(self) -> None:
        token = self.tokens.load(self._entry()) if self.username else None
        if token:
            with contextlib.suppress(SyncError):  # signing out locally happens anyway
                self._send("POST", "/auth/logout", body={"refresh_token": token}, authorised=False)
        if self.username:
            self.tokens.clear(self._entry())
        self._access = None

    def _refresh(self) -> None:
        token = self.tokens.load(self._entry())
        if token is None:
            raise AuthError("Please sign in again.")
        try:
            reply = self._send(
                "POST", "/auth/refresh", body={"refresh_token": token}, authorised=False
            )
        except AuthError:
            self.tokens.clear(self._entry())
            raise
        self._accept(reply)

    def _accept(self, reply: dict[str, Any]) -> dict[str, Any]:
        self._access = reply["access_token"]
        self.tokens.save(self._entry(), reply["refresh_token"])
        if "user" in reply:
            self.user = reply["user"]
        return reply

    # -- routes -----------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        info = self._send("GET", "/version", authorised=False)
        if info.get("protocol", 0) < MIN_PROTOCOL:
            raise IncompatibleServer(
                "The server is older than this app supports: ask IT to update the server."
            )
        if info.get("min_protocol", 0) > PROTOCOL:
            raise IncompatibleServer(
                "The server needs a newer version of this app: please update it."
            )
        return info

    def organisation(self) -> tuple[dict[str, Any], int]:
        return self._send_sized("GET", "/org")

    def push(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        return self._send_sized("POST", "/sync/push", body=body)

    def pull(self, *, cursor: int, epoch: str | None, limit: int) -> tuple[dict[str, Any], int]:
        params: dict[str, Any] = {"cursor": cursor, "limit": limit}
        if epoch:
            params["epoch"] = epoch
        return self._send_sized("GET", "/sync/pull", params=params)

    def request_certificate(self, csr: bytes) -> dict[str, Any]:
        """POST /certificates: a signing certificate for the key in this DER request."""
        return self._send("POST", "/certificates", body={"csr": base64.b64encode(csr).decode()})

    def trust(self) -> dict[str, Any]:
        """GET /certificates/trust: the signing authority and the revoked certificates."""
        return self._send("GET", "/certificates/trust")

    def close(self) -> None:
        self._http.close()

    # -- plumbing ---------------------------------------------------------------

    def _send(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        return self._send_sized(method, path, **kw)[0]

    def _send_sized(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        authorised: bool = True,
    ) -> tuple[dict[str, Any], int]:
        for attempt in (1, 2):
            headers = (
                {"Authorization": f"Bearer {self._access}"} if authorised and self._access else {}
            )
            if authorised and not self._access:
                self._refresh()
                continue
            try:
                response = self._http.request(
                    method,
                    path,
                    content=dumps(body) if body is not None else None,
                    params=params,
                    headers=headers,
                )
            except httpx.TransportError as exc:
                raise NetworkError(_network_message(exc)) from exc
            if response.status_code == 401 and authorised and attempt == 1:
                self._refresh()
                continue
            return _reply(response), len(response.content)
        raise AuthError("Please sign in again.")


def _reply(response: httpx.Response) -> dict[str, Any]:
    status = response.status_code
    try:
        data = loads(response.content) if response.content else {}
    except ValueError:
        data = {}
    detail = data.get("detail") if isinstance(data, dict) else None
    detail = detail if isinstance(detail, str) else None
    if status < 300:
        return data
    if status == 401:
        raise AuthError(detail or "Please sign in again.")
    if status == 423:
        raise LockedOut(
            detail or "Too many attempts: try again later.", int(data.get("retry_after", 900))
        )
    if status == 403 and data.get("code") == "account_disabled":
        raise AccountDisabled(detail or "This account has been disabled.")
    if status == 426:
        ours = PROTOCOL
        if data.get("min_protocol", 0) > ours:
            raise IncompatibleServer(
                "The server needs a newer version of this app: please update it."
            )
        raise IncompatibleServer("The server is older than this app supports: ask IT to update it.")
    if status >= 500:
        raise NetworkError("The server had a problem; nothing was lost. Try again shortly.")
    code = data.get("code") if isinstance(data, dict) else None
    raise Refused(
        detail or f"The server refused the request ({status}).",
        code if isinstance(code, str) else None,
    )


def _network_message(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE" in str(exc).upper():
        return (
            "The server's certificate is not trusted by this computer, so the connection was "
            "stopped. Check the address, or ask IT to install the council's certificate."
        )
    if isinstance(exc, httpx.TimeoutException):
        return "The server did not answer in time. Your work is saved; sync will try again."
    return "Cannot reach the server. Your work is saved on this computer; sync will try again."
