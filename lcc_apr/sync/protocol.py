"""The sync wire protocol: every body and reply, as pydantic models, shared by both sides.

This is the one definition of the wire format. The server validates requests with
these models and names them in its OpenAPI (its replies are orjson bytes built from
plain dicts, for speed: `to_wire` and `sign_off_wire` make those dicts, and a test
checks they validate here). The client reads every reply through them (`read`).
docs/sync-protocol.md describes them in prose and tables; a test keeps the two in step.

Requests refuse unknown keys (a typo is an error, never silently ignored data); the
client reads replies ignoring unknown keys, so a newer server may add optional ones.
Numbers are strict (a boolean is not a number) and bounded by what the databases hold;
strings have ceilings, answer keys too. Revisions and cursors are numbers from the
server's one global sequence; device clocks are carried for people to read and never
compared.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import (
    Field,
    InstanceOf,
    StrictBool,
    StrictInt,
    WithJsonSchema,
    field_validator,
)

from lcc_apr.models import RecordKind, SignOff

from .absencewire import (  # noqa: F401  (absence episodes' shapes, gathered here)
    AbsenceImportBody,
    AbsenceImportReply,
    AbsenceProblemWire,
    AbsencePushBody,
    AbsencePushReply,
    AbsenceResult,
    AbsencesReply,
    AbsenceWire,
)
from .accountwire import (  # noqa: F401  (sign-in, errors and signing's shapes, gathered here)
    Base64,
    CertificateBody,
    CertificateReply,
    ErrorReply,
    IsoTime,
    LoginBody,
    RefreshBody,
    RevokedWire,
    SsoLoginBody,
    SsoNonceReply,
    SsoReply,
    TokenReply,
    TrustReply,
    UserWire,
    VersionReply,
)
from .miwire import (  # noqa: F401  (management information's shapes, gathered here)
    MiAreaWire,
    MiCellWire,
    MiChartWire,
    MiChoicesReply,
    MiDashboardReply,
    MiKindWire,
    MiRowWire,
    MiTableWire,
)
from .orgwire import (  # noqa: F401  (the organisation import's shapes, gathered here)
    OrgAccountWire,
    OrgAddWire,
    OrgAppliedWire,
    OrgChangeWire,
    OrgImportBody,
    OrgImportReply,
    OrgLeaverWire,
    OrgMoverWire,
    OrgOpenItemWire,
    OrgProblemWire,
    OrgSkippedWire,
)
from .retentionwire import (  # noqa: F401  (retention's shapes, gathered here)
    ConfirmBody,
    ConfirmOutcome,
    ConfirmReply,
    DueItem,
    HoldBody,
    HoldItem,
    ReleaseBody,
    RetentionReply,
)
from .wirebase import Wire as Wire  # named here: every model is a Wire

PROTOCOL = 1  # what this build speaks
MIN_PROTOCOL = 1  # the oldest peer it accepts
PROTOCOL_HEADER = "LCC-APR-Protocol"
# on pull replies: the sequence number the feed ends at now (for an estimate of what is left)
FEED_END_HEADER = "LCC-APR-Feed-End"
PAGE_LIMIT = 500  # default and most records per pull page
SNAPSHOT_LIMIT = 5000  # default and most records per part of a first sync's snapshot
SNAPSHOT_TYPE = "application/vnd.lcc-apr.snapshot+json+zstd"
# A snapshot part's record rows: these values, in this order (lcc_apr/server/snapshot.py)
SNAPSHOT_COLUMNS = [
    "id",
    "kind",
    "subject_id",
    "author_id",
    "template_id",
    "template_version",
    "answers",
    "status",
    "record_date",
    "created_at",
    "updated_at",
    "deleted",
    "server_rev",
]
PUSH_LIMIT = 200  # most records per push batch
EVENT_LIMIT = 1000  # most record events (viewed, printed, exported) per push batch
HASHES_LIMIT = 20000  # default and most records per page of GET /sync/hashes
RANGE_SIZE = 512  # default records per range of GET /sync/digests (most: HASHES_LIMIT)
RECORDS_LIMIT = 500  # most records asked for in one POST /sync/records
MOST_NUMBER = 2**31 - 1  # ids, revisions, cursors: the largest INTEGER of PostgreSQL
MOST_ANSWER_KEY = 200  # characters in an answer key, at any depth
KEY_REUSED = "key_reused"  # 422 code: this push key was used for another body

Text40 = Annotated[str, Field(max_length=40)]
IsoDay = Annotated[str, Field(max_length=40)]  # YYYY-MM-DD (the server checks the form)
UUID_TEXT = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"  # lower case
RecordId = Annotated[str, Field(pattern=UUID_TEXT)]
Number = Annotated[StrictInt, Field(ge=0, le=MOST_NUMBER)]  # an id, revision or version
# A JSON object, taken as parsed (not copied key by key: a full pull reads 241,000 of them).
Answers = InstanceOf[dict[str, Any]]


M = TypeVar("M", bound=Wire)


def read(model: type[M], data: bytes) -> M:
    """A reply's JSON bytes, parsed (orjson) and checked against `model`; unknown keys are
    ignored. Raises ValueError (orjson's or pydantic's) when the reply does not fit.

    orjson then validating the Python values costs less than pydantic's own JSON parser
    (measured on HR's full pull: 5.1 against 6.5 us a record; orjson alone 2.8)."""
    return model.model_validate(orjson.loads(data), extra="ignore")


PART = 1000  # a long list's items checked at a time (about 3 ms of absence episodes)


def read_in_parts(model: type[M], data: bytes, field: str) -> M:
    """`read` for a reply with one long list (`field`, with no limit on the whole list):
    its items checked PART at a time, each part by the model itself. One pydantic call
    holds the interpreter, and the window's thread with it: 12,031 absence episodes at
    once took 36 ms, a list that grows with the years."""
    raw = orjson.loads(data)
    items = raw.get(field) if isinstance(raw, dict) else None
    if not isinstance(items, list) or len(items) <= PART:
        return model.model_validate(raw, extra="ignore")
    if model.model_fields[field].metadata:  # a limit on the whole list: checked at once
        return model.model_validate(raw, extra="ignore")
    checked: list[Any] = []
    for start in range(0, len(items), PART):
        part = model.model_validate({**raw, field: items[start : start + PART]}, extra="ignore")
        checked += getattr(part, field)
    return part.model_copy(update={field: checked})


# -- records and sign-offs ------------------------------------------------------------


class SignOffWire(Wire):
    """One signature on a record (see "Sign-offs" in docs/sync-protocol.md)."""

    user_id: Number
    role: Literal["employee", "manager", "hr"]
    decision: Literal["agree", "disagree", "confirm"]
    reason: Annotated[str, Field(max_length=4000)] | None = None
    signed_at: IsoTime  # whole seconds: part of what is signed
    content_hash: Annotated[str, Field(min_length=64, max_length=64)]
    covers: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=500)] | None = (
        None  # the answer keys the record held when signed
    )
    signature: Annotated[Base64, Field(max_length=400)] | None = None  # ECDSA P-256, DER
    certificate: Annotated[Base64, Field(max_length=8000)] | None = None  # X.509, DER
    superseded_at: IsoTime | None = None  # when an amendment voided it (server time)
    # The server's RFC 3161 timestamp token (DER) over `signature`: when it reached the
    # server, certified by its timestamp authority. Sent by the server only, when it has one.
    time_token: Annotated[Base64, Field(max_length=16000)] | None = None


class RecordWire(Wire):
    """One record, both ways. The last three fields are sent by the client only."""

    id: RecordId  # a UUID in lower case
    kind: RecordKind
    subject_id: Number
    author_id: Number | None = None
    template_id: Text40
    template_version: Number
    answers: Answers
    status: Text40
    record_date: IsoDay | None = None
    created_at: IsoTime
    updated_at: IsoTime
    deleted: StrictBool = False
    server_rev: Number | None = None  # the server revision this copy is (null: never synced)
    # Every sign-off of the record, oldest first; sent only when it has any (both ways).
    sign_offs: Annotated[list[SignOffWire], Field(max_length=50)] | None = None
    base_rev: Number | None = None  # push: the revision the edit started from
    step_reason: Annotated[str, Field(max_length=2000)] | None = None  # push: why amended
    # push, sent only when true: bring back a record the server holds as deleted at base_rev
    restore: StrictBool = False
    # pull (never pushed): the server's content hash of this version (lcc_apr.evidence);
    # absent from servers before it
    content_hash: Annotated[str, Field(min_length=64, max_length=64)] | None = None


# -- sync ------------------------------------------------------------------------------


class RecordEventWire(Wire):
    """A record read, printed or exported on a laptop, told to the server for its audit."""

    record_id: RecordId
    event: Literal["viewed", "printed", "exported"]
    at: IsoTime  # when, by the laptop's clock (shown to HR, never compared)


class PushBody(Wire):
    """POST /sync/push."""

    key: Annotated[str, Field(min_length=1, max_length=64)]  # idempotency key (a UUID)
    records: Annotated[list[RecordWire], Field(max_length=PUSH_LIMIT)]
    # what was read, printed or exported since the last push (optional: older clients omit it)
    events: Annotated[list[RecordEventWire], Field(max_length=EVENT_LIMIT)] = []

    @field_validator("records")
    @classmethod
    def _answers_fit(cls, records: list[RecordWire]) -> list[RecordWire]:
        """Answer keys short, whole numbers within 64 bits, at any depth (checked on
        push only: a pull of 241,000 records is not walked)."""
        for record in records:
            problem = answers_problem(record.answers)
            if problem:
                raise ValueError(problem)
        return records


class PushResult(Wire):
    id: str
    outcome: Literal["applied", "conflict", "refused"]
    server_rev: int | None  # applied: the new revision; conflict: the current one
    record: RecordWire | None = None  # conflict, refused: the server's current version
    reason: str | None = None  # refused, conflict: plain English


class PushReply(Wire):
    results: list[PushResult]


class PullItem(Wire):
    """A record's current version, or a record to drop from the cache (with why)."""

    seq: int
    record: RecordWire | None = None
    remove: str | None = None
    reason: Literal["scope", "hidden", "purged"] | None = None


class PullPage(Wire):
    """GET /sync/pull."""

    epoch: str
    reset: bool  # the epoch changed: the client starts again from cursor 0
    cursor: int  # pass back as the next page's cursor
    more: bool
    items: list[PullItem]


# [id, server_rev, content_hash] rows, written out for OpenAPI (a tuple's own schema is
# not a valid OpenAPI 3.1 schema object as FastAPI renders it)
HASH_ROWS = {
    "type": "array",
    "items": {
        "type": "array",
        "minItems": 3,
        "maxItems": 3,
        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    },
}

DIGEST_ROW = {
    "type": "array",
    "minItems": 2,
    "maxItems": 2,
    "items": {"anyOf": [{"type": "string"}, {"type": "null"}]},
}


class HashesPage(Wire):
    """GET /sync/hashes: the user's records now, in id order, as [id, server_rev,
    content_hash], read at the feed position `at` (lcc_apr.sync.evidence)."""

    at: int
    after: str
    more: bool
    hashes: Annotated[list[tuple[str, int, str]], WithJsonSchema(HASH_ROWS)]


class DigestsReply(Wire):
    """GET /sync/digests: the user's records now in id order, cut into ranges of `size`,
    each as [upto, digest] (lcc_apr.evidence.range_digest). A range holds the ids after
    the previous one's `upto` ("" for the first) up to its own; the last one's is null
    (to the end), so the ranges cover every id. Read at the feed position `at`."""

    at: int
    size: int
    ranges: Annotated[
        list[tuple[str | None, str]],
        Field(min_length=1),
        WithJsonSchema({**HASH_ROWS, "minItems": 1, "items": DIGEST_ROW}),
    ]


class RecordsBody(Wire):
    """POST /sync/records: the server's current copies of these records."""

    ids: Annotated[list[RecordId], Field(min_length=1, max_length=RECORDS_LIMIT)]


class RecordsReply(Wire):
    """The records asked for that the user may see now (the others are left out)."""

    at: int
    records: list[RecordWire]


# -- organisation ----------------------------------------------------------------------


class DepartmentWire(Wire):
    id: int
    code: str
    name: str
    parent_id: int | None


class EmployeeWire(Wire):
    """One person; the equality fields are sent to HR only."""

    id: int
    payroll_number: str
    first_name: str
    last_name: str
    preferred_name: str | None
    email: str | None
    job_title: str
    grade: str
    department_id: int
    line_manager_id: int | None
    start_date: date
    contract_type: str
    fte: float
    probation_end_date: date | None
    leaving_date: date | None
    sex: str | None = None
    age_band: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    sexual_orientation: str | None = None
    religion: str | None = None


class PostPeriodWire(Wire):
    """One period of a post held by one of the employees sent: what it was from
    valid_from until the day before valid_to (null: still). A record prints the post
    held on its date from these (lcc_apr.posts.held_on)."""

    employee_id: int
    post_number: str
    is_primary: bool
    valid_from: date
    valid_to: date | None
    job_title: str
    grade: str
    department_id: int
    line_manager_id: int | None


class OrgReply(Wire):
    """GET /org: the part of the organisation the user may see."""

    departments: list[DepartmentWire]
    employees: list[EmployeeWire]
    users: list[UserWire]
    # The posts those employees held, every period, each post's oldest first.
    posts: list[PostPeriodWire] = []


# -- building and reading the wire forms ------------------------------------------------


def answers_problem(answers: dict[str, Any]) -> str | None:
    """Why these answers cannot be taken in (None: they can): a key longer than
    MOST_ANSWER_KEY, or a whole number beyond 64 bits (orjson, which stores them, cannot)."""
    stack: list[Any] = [answers]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if any(len(key) > MOST_ANSWER_KEY for key in value):
                return f"an answer key is longer than {MOST_ANSWER_KEY} characters"
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, int) and not -(2**63) <= value < 2**63:
            return "a whole number in the answers is beyond 64 bits"
    return None


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None


def sign_off_wire(sign_off: SignOff) -> dict[str, Any]:
    """A sign-off as a SignOffWire-shaped dict, ready for orjson."""
    superseded = sign_off.superseded_at
    return {
        "user_id": sign_off.user_id,
        "role": str(sign_off.role),
        "decision": str(sign_off.decision),
        "reason": sign_off.reason,
        "signed_at": sign_off.signed_at.isoformat(),
        "content_hash": sign_off.content_hash,
        "covers": list(sign_off.covers) if sign_off.covers is not None else None,
        "signature": _b64(sign_off.signature),
        "certificate": _b64(sign_off.certificate),
        "superseded_at": superseded.isoformat() if superseded is not None else None,
    } | ({"time_token": _b64(sign_off.time_token)} if sign_off.time_token else {})


def sign_off_row(wire: SignOffWire, record_id: str) -> dict[str, Any]:
    """A sign_offs row (no id) from its wire form."""
    superseded = wire.superseded_at
    return {
        "record_id": record_id,
        "user_id": wire.user_id,
        "role": wire.role,
        "decision": wire.decision,
        "reason": wire.reason,
        "signed_at": wire_time(wire.signed_at),
        "content_hash": wire.content_hash,
        "covers": wire.covers,
        "signature": base64.b64decode(wire.signature) if wire.signature else None,
        "certificate": base64.b64decode(wire.certificate) if wire.certificate else None,
        "superseded_at": wire_time(superseded) if superseded else None,
        "time_token": base64.b64decode(wire.time_token) if wire.time_token else None,
    }


SignOffKey = tuple[int, str, str, str]


def sign_off_key(user_id: int, role: object, signed_at: datetime, content_hash: str) -> SignOffKey:
    """What names one act of signing across computers (row ids differ)."""
    return (user_id, str(role), signed_at.astimezone(UTC).isoformat(), content_hash)


def to_wire(
    record: Any,
    *,
    base_rev: int | None = None,
    push: bool = False,
    sign_offs: Iterable[SignOff] | None = None,
) -> dict[str, Any]:
    """A record (a Record, or a row with its columns) as a RecordWire-shaped dict, ready
    for orjson: `base_rev` only when pushing, `sign_offs` only when it has any."""
    wire: dict[str, Any] = {
        "id": record.id,
        "kind": str(record.kind),
        "subject_id": record.subject_id,
        "author_id": record.author_id,
        "template_id": record.template_id,
        "template_version": record.template_version,
        "answers": record.answers,
        "status": record.status,
        "record_date": record.record_date.isoformat() if record.record_date else None,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "deleted": record.deleted,
        "server_rev": record.server_rev,
    }
    if push:
        wire["base_rev"] = base_rev
    signed = list(sign_offs or ())
    if signed:
        wire["sign_offs"] = [sign_off_wire(s) for s in signed]
    return wire


def wire_dict(wire: RecordWire) -> dict[str, Any]:
    """A RecordWire as kept on this computer (a conflict's server copy): the keys sent."""
    return wire.model_dump(mode="json", exclude_unset=True)


def record_wire(stored: dict[str, Any]) -> RecordWire:
    """A server version kept on this computer (a conflict's copy) as a RecordWire."""
    return RecordWire.model_validate(stored, extra="ignore")


def wire_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def wire_time(value: str) -> datetime:
    return datetime.fromisoformat(value)
