"""The wire's meta, sign-in, errors and signing shapes: GET /version, the sign-in and
single sign-on bodies and replies, every error's body, and the certificates and trust a
laptop signs with (gathered in lcc_apr.sync.protocol; docs/sync-protocol.md has a table
for each)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .wirebase import Wire

IsoTime = Annotated[str, Field(max_length=40)]  # ISO 8601, UTC; shown to people, never compared
Base64 = str  # standard base64 text of binary data (DER)


# -- meta, sign-in, errors -------------------------------------------------------------


class VersionReply(Wire):
    server_version: str
    protocol: int
    min_protocol: int
    templates: list[tuple[str, int]]  # (template id, version) the server knows
    epoch: str


class LoginBody(Wire):
    username: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=1000)]
    device: Annotated[str, Field(max_length=100)] = ""


class SsoReply(Wire):
    """GET /auth/sso: the council's OpenID Connect provider this server trusts."""

    issuer: str
    client_id: str
    scopes: list[str]


class SsoNonceReply(Wire):
    """POST /auth/sso/nonce: a nonce for one single sign-on."""

    nonce: str
    expires_in: int  # seconds


class SsoLoginBody(Wire):
    """POST /auth/sso/login: the provider's ID token and the nonce it was asked with."""

    id_token: Annotated[str, Field(min_length=1, max_length=20000)]
    nonce: Annotated[str, Field(min_length=1, max_length=200)]
    device: Annotated[str, Field(max_length=100)] = ""


class RefreshBody(Wire):
    """POST /auth/refresh and /auth/logout."""

    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class UserWire(Wire):
    id: int
    username: str
    display_name: str
    roles: list[str]
    employee_id: int | None
    active: bool


class TokenReply(Wire):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int  # seconds
    user: UserWire


class ErrorReply(Wire):
    """Every error: plain English, plus a code or figures where the client acts on them."""

    detail: str
    code: str | None = None  # e.g. account_disabled, bad_csr, key_taken, busy
    retry_after: int | None = None  # 423: lockout left; 429, 503 busy: seconds to wait
    min_protocol: int | None = None  # 426
    max_protocol: int | None = None  # 426


# -- signing ---------------------------------------------------------------------------


class CertificateBody(Wire):
    """POST /certificates: a certificate signing request for an EC P-256 key."""

    csr: Annotated[Base64, Field(min_length=1, max_length=4000)]  # DER


class CertificateReply(Wire):
    certificate: Base64  # DER
    serial: str  # hex
    not_after: IsoTime
    user_id: int


class RevokedWire(Wire):
    serial: str  # hex
    revoked_at: IsoTime
    reason: str  # lost | left | ""


class TrustReply(Wire):
    """GET /certificates/trust."""

    ca_certificates: list[Base64]  # DER; the current authority first
    revoked: list[RevokedWire]
    crl: Base64 | None = None  # DER, signed by the current authority (PDFs embed it: B-LT)
    timestamp_authority: str | None = None  # the RFC 3161 TSA's URL; None: no trusted time
    timestamp_roots: list[Base64] | None = None  # DER: an outside TSA's root certificates
