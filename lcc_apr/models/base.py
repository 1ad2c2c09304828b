"""Declarative base and the column types every table shares.

Times are stored as naive UTC and returned as aware UTC, so SQLite and
PostgreSQL behave the same. They are shown to people, never compared across
machines: ordering comes from revision numbers.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, cast

from sqlalchemy import JSON, DateTime, Dialect, MetaData, String, Table, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.types import TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def jsonb(dialect: Dialect) -> TypeEngine[Any]:
    """PostgreSQL's JSONB, its dialect loaded only there: a laptop's store never loads it
    (about 60 ms of the window's start, in the worker opening the store)."""
    from sqlalchemy.dialects.postgresql import JSONB

    return dialect.type_descriptor(JSONB())


class JSONDocType(TypeDecorator[Any]):
    """JSON (JSONB on PostgreSQL)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return jsonb(dialect)
        return dialect.type_descriptor(JSON())


JSONDoc = JSONDocType()

intpk = Annotated[int, mapped_column(primary_key=True)]
str40 = Annotated[str, mapped_column(String(40))]
str200 = Annotated[str, mapped_column(String(200))]
utc = Annotated[datetime, mapped_column(UTCDateTime())]


def now_utc() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core's bulk inserts (several times the ORM's bulk insert)."""
    return cast(Table, model.__table__)
