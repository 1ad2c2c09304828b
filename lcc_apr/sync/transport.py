"""Talking to the server over HTTPS (httpx): sign-in, tokens, and the sync routes.

Runs on whichever thread calls it (the UI runs sync in a worker). Every
failure becomes a SyncError subclass whose message is a sentence for the
user; NetworkError is the one worth retrying. Tokens never go into a URL or
a log; the refresh token is kept in the OS keyring when one is available.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import httpx
from keyring.backend import KeyringBackend

from .accountwire import (
    CertificateBody,
    CertificateReply,
    ErrorReply,
    LoginBody,
    RefreshBody,
    SsoLoginBody,
    SsoNonceReply,
    SsoReply,
    TokenReply,
    TrustReply,
    UserWire,
    VersionReply,
)
from .address import check_server_url
from .auditwire import AuditPageReply
from .errors import (  # noqa: F401  (re-exported: callers name them from here)
    AccountDisabled,
    AuthError,
    Cancelled,
    IncompatibleServer,
    LockedOut,
    NetworkError,
    Refused,
    ServerBusy,
    SnapshotRefused,
    SyncError,
)
from .network import PINNED, Network, PinMismatch
from .orgwire import OrgImportBody, OrgImportReply
from .protocol import (
    FEED_END_HEADER,
    MIN_PROTOCOL,
    PROTOCOL,
    PROTOCOL_HEADER,
    DigestsReply,
    HashesPage,
    OrgReply,
    PullPage,
    PushReply,
    RecordsBody,
    RecordsReply,
    Wire,
    dumps,
    read,
    read_in_parts,
)
from .readywire import ReadyCacheReply

M = TypeVar("M", bound=Wire)

SERVICE = "lcc-apr"
BUSY = "The server is busy; nothing was lost. Your work is saved and sync will try again."
DEFAULT_BUSY_WAIT = 5  # seconds, when a 429 does not say how long
IMPORT_TIMEOUT = 600.0  # seconds for the organisation import's answer (a large file applied)


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


class Sink(Protocol):
    """Where a download goes (a file, or lcc_apr.sync.ready_cache.Hashed)."""

    def seek(self, offset: int, whence: int = 0, /) -> int: ...
    def truncate(self) -> int: ...
    def write(self, data: bytes, /) -> int: ...


class Connection:
    """One user's connection to one server. Every reply is read through its wire model
    (lcc_apr.sync.protocol); one that does not fit raises IncompatibleServer."""

    def __init__(
        self,
        url: str,
        *,
        tokens: Tokens,
        allow_plain_local: bool = False,
        network: Network | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`network`: the organisation's CA bundle, pins and proxy (lcc_apr.sync.network;
        None: the usual authorities and the system's proxy). `transport` replaces the
        network's (tests)."""
        self.url = check_server_url(url, allow_plain_local=allow_plain_local)
        self.tokens = tokens
        self.user: UserWire | None = None
        self.username: str | None = None
        self._access: str | None = None
        self._refreshing = threading.Lock()  # one refresh at a time (the download's thread too)
        self._feed_end: int | None = None
        options = (network or Network()).client_options()
        if self.url.startswith("http://"):  # only to this computer (the demo): straight there,
            options = {"verify": False, "trust_env": False}  # and no TLS context to build
        if transport is not None:
            options.pop("mounts", None)
            options["transport"] = transport
        self._http = httpx.Client(
            base_url=self.url,
            timeout=timeout,
            **options,
            headers={PROTOCOL_HEADER: str(PROTOCOL), "Content-Type": "application/json"},
        )

    # -- sessions ---------------------------------------------------------------

    def _entry(self) -> str:
        return f"refresh:{self.url}:{self.username}"

    def login(self, username: str, password: str, device: str = "desktop") -> UserWire:
        """Sign in with a password; returns the signed-in user (also kept as `user`)."""
        self.username = username
        body = LoginBody(username=username, password=password, device=device)
        reply, _ = self._call(TokenReply, "POST", "/auth/login", body=body, authorised=False)
        return self._accept(reply)

    def sso_provider(self) -> SsoReply | None:
        """GET /auth/sso: the council's sign-in service this server trusts, or None when the
        server offers no single sign-on (or is too old to know it)."""
        try:
            return self._call(SsoReply, "GET", "/auth/sso", authorised=False)[0]
        except Refused:  # 404 sso_not_enabled, or a server without the route
            return None

    def sso_nonce(self) -> str:
        """POST /auth/sso/nonce: a nonce for one sign-in at the council's sign-in service."""
        return self._call(SsoNonceReply, "POST", "/auth/sso/nonce", authorised=False)[0].nonce

    def sso_login(self, id_token: str, nonce: str, device: str = "desktop") -> UserWire:
        """Sign in with the ID token the council's sign-in service gave for `nonce`; the
        tokens are then kept as after `login` (under the username the server names)."""
        body = SsoLoginBody(id_token=id_token, nonce=nonce, device=device)
        reply, _ = self._call(TokenReply, "POST", "/auth/sso/login", body=body, authorised=False)
        self.username = reply.user.username
        return self._accept(reply)

    def resume(self, username: str) -> bool:
        """Sign in again from the stored refresh token; False if there is none."""
        self.username = username
        if self.tokens.load(self._entry()) is None:
            return False
        self._refresh(self._access)
        return True

    def logout(self) -> None:
        token = self.tokens.load(self._entry()) if self.username else None
        if token:
            with contextlib.suppress(SyncError):  # signing out locally happens anyway
                body = RefreshBody(refresh_token=token)
                self._request("POST", "/auth/logout", body=body, authorised=False)
        if self.username:
            self.tokens.clear(self._entry())
        self._access = None

    def _refresh(self, stale: str | None) -> None:
        """A new token pair for the access token `stale` (the one refused, or None). Threads
        refresh one at a time: one that waited while another refreshed takes its new access
        token (sending the spent refresh token again would look stolen to the server)."""
        with self._refreshing:
            if self._access is not None and self._access != stale:
                return
            token = self.tokens.load(self._entry())
            if token is None:
                raise AuthError("Please sign in again.")
            try:
                reply = self._send_refresh(RefreshBody(refresh_token=token))
            except AuthError:
                self.tokens.clear(self._entry())
                raise
            self._accept(reply)

    def _send_refresh(self, body: RefreshBody) -> TokenReply:
        """POST /auth/refresh; sent once more at once when the answer may have been lost
        after the server spent the token: the same token then gets the same new pair within
        the server's grace (after it, the spent token would look stolen)."""
        try:
            return self._call(TokenReply, "POST", "/auth/refresh", body=body, authorised=False)[0]
        except NetworkError as err:
            if not may_have_arrived(err):
                raise
        return self._call(TokenReply, "POST", "/auth/refresh", body=body, authorised=False)[0]

    def _accept(self, reply: TokenReply) -> UserWire:
        self._access = reply.access_token
        self.tokens.save(self._entry(), reply.refresh_token)
        self.user = reply.user
        return reply.user

    # -- routes -----------------------------------------------------------------

    def version(self) -> VersionReply:
        info, _ = self._call(VersionReply, "GET", "/version", authorised=False)
        if info.protocol < MIN_PROTOCOL:
            raise IncompatibleServer(
                "The server is older than this app supports: ask IT to update the server."
            )
        if info.min_protocol > PROTOCOL:
            raise IncompatibleServer(
                "The server needs a newer version of this app: please update it."
            )
        return info

    def organisation(self) -> tuple[OrgReply, int]:
        return self._call(OrgReply, "GET", "/org")

    def push(self, body: dict[str, Any]) -> tuple[PushReply, int]:
        """POST /sync/push with a PushBody-shaped dict (built by the engine, sent as is)."""
        return self._call(PushReply, "POST", "/sync/push", body=body)

    def pull(self, *, cursor: int, epoch: str | None, limit: int) -> tuple[PullPage, int]:
        params: dict[str, Any] = {"cursor": cursor, "limit": limit}
        if epoch:
            params["epoch"] = epoch
        page, size = self._call(PullPage, "GET", "/sync/pull", params=params)
        return page, size

    def snapshot(self, *, after: str, limit: int, subjects: list[int] | None = None) -> bytes:
        """One part of a first sync's snapshot, as sent (lcc_apr.sync.snapshot reads it);
        `subjects`: only those about these people not yet shared with them (what HR's
        ready-made cache leaves out). A server that refuses or does not offer snapshots
        raises SnapshotRefused."""
        params: dict[str, Any] = {"after": after, "limit": limit}
        if subjects is not None:
            params["subjects"] = subjects
        try:
            return self._request("GET", "/sync/snapshot", params=params)
        except Refused as refused:
            raise SnapshotRefused(f"the server does not offer a snapshot ({refused})") from None

    def ready_cache(self, revision: str) -> ReadyCacheReply | None:
        """GET /sync/ready-cache: HR's ready-made cache for a cache of schema `revision`;
        None when none is offered to this user (or by an older server)."""
        try:
            return self._call(
                ReadyCacheReply, "GET", "/sync/ready-cache", params={"revision": revision}
            )[0]
        except Refused:
            return None

    def ready_cache_file(
        self, offer: ReadyCacheReply, revision: str, into: Sink, got: Callable[[int], None]
    ) -> None:
        """The ready-made cache's file appended to `into` from its current size (an HTTP range: a
        download cut short goes on where it stopped); `got(bytes)` after each chunk (it may
        raise to stop). Raises NetworkError, or SnapshotRefused when it is no longer offered."""
        start = into.seek(0, 2)
        for attempt in (1, 2):
            access = self._access
            headers = {"Authorization": f"Bearer {access}", "Range": f"bytes={start}-"}
            try:
                with self._http.stream(
                    "GET",
                    f"/sync/ready-cache/{offer.id}",
                    params={"revision": revision},
                    headers=headers,
                ) as response:
                    if response.status_code == 401 and attempt == 1:
                        self._refresh(access)
                        continue
                    if response.status_code not in (200, 206):
                        response.read()
                        raise SnapshotRefused(f"the ready-made cache: {_refusal(response)}")
                    if response.status_code == 200:  # the whole file after all
                        into.seek(0)
                        into.truncate()
                    for chunk in response.iter_raw():
                        into.write(chunk)
                        got(len(chunk))
                    return
            except httpx.TransportError as exc:
                raise NetworkError(_network_message(exc)) from exc
        raise AuthError("Please sign in again.")

    def digests(self, *, size: int) -> DigestsReply | None:
        """GET /sync/digests: the digests of the user's records by ranges of `size`, in id
        order; None from a server without the route (older: it is asked for every hash)."""
        try:
            return self._call(DigestsReply, "GET", "/sync/digests", params={"size": size})[0]
        except Refused:
            return None

    def hashes(self, *, after: str, limit: int, upto: str | None = None) -> tuple[HashesPage, int]:
        """GET /sync/hashes: a page of the user's records' content hashes, in id order,
        after `after` (and up to `upto`, when given: a server before it ignores it)."""
        params: dict[str, Any] = {"after": after, "limit": limit}
        if upto is not None:
            params["upto"] = upto
        return self._call(HashesPage, "GET", "/sync/hashes", params=params)

    def records(self, ids: list[str]) -> RecordsReply:
        """POST /sync/records: the server's current copies of these records."""
        return self._call(RecordsReply, "POST", "/sync/records", body=RecordsBody(ids=ids))[0]

    def feed_end(self) -> int | None:
        """Where the feed ended when the last page was served (its `LCC-APR-Feed-End`
        header): for an estimate of how much is left; None from a server without it."""
        return self._feed_end

    def request_certificate(self, csr: bytes) -> dict[str, Any]:
        """POST /certificates: a signing certificate for the key in this DER request
        (a CertificateReply, as a dict for lcc_apr.signing)."""
        body = CertificateBody(csr=base64.b64encode(csr).decode())
        reply, _ = self._call(CertificateReply, "POST", "/certificates", body=body)
        return reply.model_dump()

    def trust(self) -> TrustReply:
        """GET /certificates/trust: the signing authority and the revoked certificates."""
        return self._call(TrustReply, "GET", "/certificates/trust")[0]

    def org_import(self, body: OrgImportBody) -> OrgImportReply:
        """POST /hr/org-import (HR only): the dry run's report, or the import applied. A
        large file takes the server a while to read and apply: this waits up to
        IMPORT_TIMEOUT seconds for the answer. Refused (403 `hr_only`, 409
        `import_refused`, 422 `unreadable`) says why in the server's words."""
        reply, _ = self._call(
            OrgImportReply, "POST", "/hr/org-import", body=body, timeout=IMPORT_TIMEOUT
        )
        return reply

    def absences(
        self, *, cursor: int | None = None, epoch: str | None = None, view: str | None = None
    ) -> Any:
        """GET /absences: the absence episodes the user may see (an AbsencesReply): whole,
        or with a cursor what changed since (the server may answer whole all the same)."""
        from .absencewire import AbsencesReply

        params: dict[str, Any] = {}
        if cursor is not None:
            params["cursor"] = cursor
            params.update((k, v) for k, v in (("epoch", epoch), ("view", view)) if v)
        return self._call(
            AbsencesReply, "GET", "/absences", params=params or None, long="absences"
        )[0]

    def push_absences(self, body: Wire) -> Any:
        """POST /absences with an AbsencePushBody: an AbsencePushReply."""
        from .absencewire import AbsencePushReply

        return self._call(AbsencePushReply, "POST", "/absences", body=body)[0]

    def absence_import(self, body: Wire) -> Any:
        """POST /hr/absence-import (HR only) with an AbsenceImportBody: an
        AbsenceImportReply; waits up to IMPORT_TIMEOUT seconds."""
        from .absencewire import AbsenceImportReply

        path = "/hr/absence-import"
        return self._call(AbsenceImportReply, "POST", path, body=body, timeout=IMPORT_TIMEOUT)[0]

    def retention(self, action: str = "", body: Wire | None = None) -> Any:
        """HR's retention routes (HR only, docs/retention.md): "" reads the review, "due"
        works the due list out now, "hold" and "release" change holds (each a
        RetentionReply); "confirm" purges the records named (a ConfirmReply)."""
        from .retentionwire import ConfirmReply, RetentionReply

        model = ConfirmReply if action == "confirm" else RetentionReply
        path = "/hr/retention" + (f"/{action}" if action else "")
        return self._call(model, "POST" if action else "GET", path, body=body)[0]

    def audit_page(self, params: dict[str, Any]) -> AuditPageReply:
        """GET /hr/audit (HR only): a page of the audit log for these filters."""
        reply, _ = self._call(AuditPageReply, "GET", "/hr/audit", params=params)
        return reply

    def audit_csv(self, params: dict[str, Any]) -> bytes:
        """GET /hr/audit.csv (HR only): every entry the filters match, as CSV."""
        return self._request("GET", "/hr/audit.csv", params=params, timeout=IMPORT_TIMEOUT)

    def close(self) -> None:
        self._http.close()

    # -- plumbing ---------------------------------------------------------------

    def _call(
        self, model: type[M], method: str, path: str, *, long: str | None = None, **kw: Any
    ) -> tuple[M, int]:
        """The reply read as `model` (its list `long` checked in parts), and its size in
        bytes."""
        content = self._request(method, path, **kw)
        try:
            if long is not None:
                return read_in_parts(model, content, long), len(content)
            return read(model, content), len(content)
        except ValueError:
            raise IncompatibleServer(
                "The server sent an answer this app does not understand: "
                "the app or the server may need updating."
            ) from None

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Wire | dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        authorised: bool = True,
        timeout: float | None = None,
    ) -> bytes:
        """The body of a successful reply; any other answer raises its SyncError."""
        if isinstance(body, Wire):
            content: bytes | None = body.model_dump_json().encode()
        else:
            content = dumps(body) if body is not None else None
        for attempt in (1, 2):
            access = self._access
            if authorised and not access:
                self._refresh(None)
                continue
            headers = {"Authorization": f"Bearer {access}"} if authorised else {}
            try:
                response = self._http.request(
                    method,
                    path,
                    content=content,
                    params=params,
                    headers=headers,
                    timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
                )
            except httpx.TransportError as exc:
                raise NetworkError(_network_message(exc)) from exc
            if response.status_code == 401 and authorised and attempt == 1:
                self._refresh(access)
                continue
            if response.status_code >= 300:
                raise _refusal(response)
            end = response.headers.get(FEED_END_HEADER, "")
            if end.isdigit():
                self._feed_end = int(end)
            return response.content
        raise AuthError("Please sign in again.")


def _error_of(response: httpx.Response) -> ErrorReply | None:
    try:
        return read(ErrorReply, response.content)
    except ValueError:
        return None  # not ours (a proxy's page): the status alone says what happened


def _refusal(response: httpx.Response) -> SyncError:
    """The SyncError for an answer that is not a success."""
    status = response.status_code
    error = _error_of(response)
    detail = error.detail if error else None
    code = error.code if error else None
    if status == 401:
        return AuthError(detail or "Please sign in again.")
    if status == 423:
        retry = error.retry_after if error and error.retry_after is not None else 900
        return LockedOut(detail or "Too many attempts: try again later.", retry)
    if status == 403 and code == "account_disabled":
        return AccountDisabled(detail or "This account has been disabled.")
    if status == 426:
        if error and (error.min_protocol or 0) > PROTOCOL:
            return IncompatibleServer(
                "The server needs a newer version of this app: please update it."
            )
        return IncompatibleServer(
            "The server is older than this app supports: ask IT to update it."
        )
    wait = _retry_after(response.headers.get("Retry-After"))
    if status == 429 or (status == 503 and wait is not None):
        return ServerBusy(BUSY, wait or DEFAULT_BUSY_WAIT)
    if status == 502 and code == "provider_unreachable":
        return NetworkError(detail or "The council's sign-in service cannot be reached.")
    if status >= 500:
        return NetworkError("The server had a problem; nothing was lost. Try again shortly.")
    return Refused(detail or f"The server refused the request ({status}).", code)


def _retry_after(value: str | None) -> int | None:
    """Retry-After in whole seconds (a number, or an HTTP date); None if absent or unreadable."""
    if value is None:
        return None
    if value.strip().isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0, math.ceil((when - datetime.now(UTC)).total_seconds()))


def may_have_arrived(err: NetworkError) -> bool:
    """Whether the request may have reached the server and been acted on (not a refused or
    failed connection, nor a busy server, which does nothing)."""
    if isinstance(err, ServerBusy):
        return False
    return not isinstance(err.__cause__, httpx.ConnectError | httpx.ConnectTimeout)


def _network_message(exc: httpx.TransportError) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, PinMismatch):
            return PINNED
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE" in str(exc).upper():
        return (
            "The server's certificate is not trusted by this computer, so the connection was "
            "stopped. Check the address, or ask IT to install the council's certificate."
        )
    if isinstance(exc, httpx.TimeoutException):
        return "The server did not answer in time. Your work is saved; sync will try again."
    return "Cannot reach the server. Your work is saved on this computer; sync will try again."
