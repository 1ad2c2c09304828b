"""Request and reply shapes on the wire (pydantic), kept apart from the tables.

They mirror the TypedDicts of lcc_apr.sync.protocol. Numbers are strict (a
boolean is not a number), strings have ceilings, and unknown keys are refused
in requests so a typo is an error rather than silently ignored data.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from lcc_apr.models import RecordKind
from lcc_apr.sync.protocol import PUSH_LIMIT

Text40 = Annotated[str, Field(max_length=40)]
IsoText = Annotated[str, Field(max_length=40)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(Strict):
    username: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=1000)]
    device: Annotated[str, Field(max_length=100)] = ""


class RefreshBody(Strict):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    roles: list[str]
    employee_id: int | None


class TokenReply(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserOut


class VersionReply(BaseModel):
    server_version: str
    protocol: int
    min_protocol: int
    templates: list[tuple[str, int]]
    epoch: str


class SignOffIn(Strict):
    """One sign-off as pushed (SignOffWire); new ones are verified before they are kept."""

    user_id: StrictInt
    role: Literal["employee", "manager", "hr"]
    decision: Literal["agree", "disagree", "confirm"]
    reason: Annotated[str, Field(max_length=4000)] | None = None
    signed_at: IsoText
    content_hash: Annotated[str, Field(min_length=64, max_length=64)]
    covers: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=500)] | None = (
        None
    )
    signature: Annotated[str, Field(max_length=400)] | None = None
    certificate: Annotated[str, Field(max_length=8000)] | None = None
    superseded_at: IsoText | None = None


class RecordIn(Strict):
    """One record as pushed (RecordWire with base_rev)."""

    id: Annotated[str, Field(min_length=36, max_length=36)]
    kind: RecordKind
    subject_id: StrictInt
    author_id: StrictInt | None = None
    template_id: Text40
    template_version: StrictInt
    answers: dict[str, Any]
    status: Text40
    record_date: IsoText | None = None
    created_at: IsoText
    updated_at: IsoText
    deleted: StrictBool = False
    server_rev: StrictInt | None = None
    base_rev: StrictInt | None = None
    # Why a step that needs a reason (an amendment) was taken; kept in the history.
    step_reason: Annotated[str, Field(max_length=2000)] | None = None
    # Bring back a record the server holds as deleted (base_rev: its deleted revision).
    restore: StrictBool = False
    # The record's sign-offs; the server keeps those it does not have after checking them.
    sign_offs: Annotated[list[SignOffIn], Field(max_length=50)] | None = None

    @field_validator("id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        if str(uuid.UUID(value)) != value:
            raise ValueError("must be a UUID in lower case")
        return value


class CertificateBody(Strict):
    """POST /certificates: a certificate signing request (DER, base64) for an EC P-256 key."""

    csr: Annotated[str, Field(min_length=1, max_length=4000)]


class CertificateReply(BaseModel):
    certificate: str  # DER, base64
    serial: str  # hex
    not_after: str
    user_id: int


class RevokedOut(BaseModel):
    serial: str
    revoked_at: str
    reason: str


class TrustReply(BaseModel):
    ca_certificates: list[str]  # DER, base64; the current authority first
    revoked: list[RevokedOut]


class PushIn(Strict):
    key: Annotated[str, Field(min_length=1, max_length=64)]
    records: Annotated[list[RecordIn], Field(max_length=PUSH_LIMIT)]


class SignOffOut(BaseModel):
    user_id: int
    role: str
    decision: str
    reason: str | None
    signed_at: str
    content_hash: str
    covers: list[str] | None
    signature: str | None
    certificate: str | None
    superseded_at: str | None


class RecordOut(BaseModel):
    id: str
    kind: str
    subject_id: int
    author_id: int | None
    template_id: str
    template_version: int
    answers: dict[str, Any]
    status: str
    record_date: str | None
    created_at: str
    updated_at: str
    deleted: bool
    server_rev: int | None
    sign_offs: list[SignOffOut] | None = None


class PushResultOut(BaseModel):
    id: str
    outcome: Literal["applied", "conflict", "refused"]
    server_rev: int | None
    record: RecordOut | None = None
    reason: str | None = None


class PushReplyOut(BaseModel):
    results: list[PushResultOut]


class PullItemOut(BaseModel):
    seq: int
    record: RecordOut | None = None
    remove: str | None = None
    reason: Literal["scope", "hidden"] | None = None


class PullReplyOut(BaseModel):
    epoch: str
    reset: bool
    cursor: int
    more: bool
    items: list[PullItemOut]


class ErrorOut(BaseModel):
    """Every error: plain English, plus a code or figures where the client acts on them."""

    detail: str
    code: str | None = None  # account_disabled
    retry_after: int | None = None  # 423: seconds until the lockout ends
    min_protocol: int | None = None  # 426
    max_protocol: int | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 403, 422, 426)
}
