"""The column type of history patches: JSON everywhere, packed in a local store.

On the server (SQLite or PostgreSQL) a patch is plain JSON, as it always was. On an
engine made by lcc_apr.store (its dialect carries PACKED) a patch is stored as
JSON, raw deflate with a preset dictionary (most patches are short and alike),
behind one tag byte:

- b"Z": the whole patch;
- b"F": the patch without its answers, which are the record's first answers: held by
  the record itself until they first change, then in `first_answers` (a trigger keeps
  them there; lcc_apr.store.first_answers). Such a patch is read back as a
  `WithoutAnswers` dict, and lcc_apr.store.first_answers puts the answers back into
  every history entry the ORM loads. A column read (select(RecordChange.patch)) gets
  it without its answers.

Hashes are over the logical patch (lcc_apr.history), never the stored bytes.
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson
from sqlalchemy import JSON, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine, UserDefinedType

from .base import jsonb

PACKED = "lcc_apr_packed_history"  # set to True on a local store engine's dialect
WHOLE = b"Z"
FIRST = b"F"
# Never change these: stored patches need them to be read. Another dictionary or window
# means new tag bytes beside these.
DICTIONARY = (
    b'{"note":{"step":"","reason":"","server_rev":},"deleted":false,"answers":{},'
    b'"status":"employee_signed","status":"responded","status":"shared","status":"draft",'
    b'"kind":"capability","template_id":"capability","status":"informal",'
    b'"kind":"probation","template_id":"probation","kind":"apr","template_id":"apr",'
    b'{"kind":"supervision","subject_id":,"template_id":"supervision","template_version":1,'
    b'"status":"completed","record_date":"202'
)
WINDOW = -12  # raw deflate, a 4 KiB window: patches are small, and it starts fast
LEVEL, MEMORY = 6, 4


class FirstAnswers(dict[str, Any]):
    """A create patch whose answers equal its record's as inserted: stored without them."""


class WithoutAnswers(dict[str, Any]):
    """A create patch read back without its answers (the record's first answers)."""


def packs(dialect: Dialect) -> bool:
    return bool(getattr(dialect, PACKED, False))


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, WINDOW, MEMORY, zdict=DICTIONARY)
    return packer.compress(data) + packer.flush()


def _inflate(data: bytes) -> bytes:
    unpacker = zlib.decompressobj(WINDOW, zdict=DICTIONARY)
    return unpacker.decompress(data) + unpacker.flush()


def pack(patch: dict[str, Any]) -> bytes:
    if isinstance(patch, FirstAnswers):
        rest = {k: v for k, v in patch.items() if k != "answers"}
        return FIRST + _deflate(orjson.dumps(rest))
    return WHOLE + _deflate(orjson.dumps(patch))


def unpack(stored: bytes | str) -> dict[str, Any]:
    if isinstance(stored, str):  # JSON text, as written before packing
        return dict(orjson.loads(stored))
    body = orjson.loads(_inflate(stored[1:]))
    return WithoutAnswers(body) if stored[:1] == FIRST else dict(body)


class _Packed(UserDefinedType[Any]):
    """Bytes in and out unchanged, declared JSON as before (the schema stays the same)."""

    cache_ok = True

    def get_col_spec(self, **_: Any) -> str:
        return "JSON"


class PatchDoc(TypeDecorator[dict[str, Any]]):
    """JSON (JSONB on PostgreSQL); packed bytes on a local store's engine."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return jsonb(dialect)
        if packs(dialect):
            return _Packed()
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not packs(dialect):
            return value
        return pack(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not packs(dialect):
            return value
        return unpack(value)
