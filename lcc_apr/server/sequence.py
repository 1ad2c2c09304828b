"""The one global sequence every accepted change and scope event takes its number from.

A writer locks the sequence row first (`lock`), before it reads anything it
will change, and holds the lock until it commits: so writers take numbers one
transaction after another, and a number is never visible before a smaller one.
On PostgreSQL the lock is the row lock of `UPDATE server_meta`; on SQLite that
same first UPDATE takes the database's write lock. Readers never wait: they
read the committed counter (`committed_high`) and serve nothing above it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .tables import ServerMeta

META_ID = 1


class SequenceLock:
    """Proof that this transaction holds the sequence lock; hands out the next numbers."""

    def __init__(self, session: Session, current: int) -> None:
        self._session = session
        self.current = current

    def next(self) -> int:
        stmt = (
            update(ServerMeta)
            .where(ServerMeta.id == META_ID)
            .values(seq=ServerMeta.seq + 1)
            .returning(ServerMeta.seq)
        )
        self.current = int(self._session.execute(stmt).scalar_one())
        return self.current

    def take(self, count: int) -> int:
        """The next `count` numbers at once; returns the first."""
        stmt = (
            update(ServerMeta)
            .where(ServerMeta.id == META_ID)
            .values(seq=ServerMeta.seq + count)
            .returning(ServerMeta.seq)
        )
        self.current = int(self._session.execute(stmt).scalar_one())
        return self.current - count + 1


def lock(session: Session) -> SequenceLock:
    """Take the sequence lock in this transaction (waits for any other writer to commit).

    Call it before reading the rows the transaction will change.
    """
    stmt = (
        update(ServerMeta)
        .where(ServerMeta.id == META_ID)
        .values(seq=ServerMeta.seq)
        .returning(ServerMeta.seq)
    )
    return SequenceLock(session, int(session.execute(stmt).scalar_one()))


def committed_high(session: Session) -> int:
    """The highest number whose transaction has committed (everything below it has, too)."""
    return int(session.execute(select(ServerMeta.seq).where(ServerMeta.id == META_ID)).scalar_one())


def epoch(session: Session) -> str:
    return session.execute(select(ServerMeta.epoch).where(ServerMeta.id == META_ID)).scalar_one()


def new_epoch(session: Session) -> str:
    """Give the database a new epoch (after a restore): every client pulls everything again."""
    value = str(uuid.uuid4())
    session.execute(update(ServerMeta).where(ServerMeta.id == META_ID).values(epoch=value))
    return value


def set_high(session: Session, value: int) -> None:
    """Set the counter after a bulk load that numbered its own rows 1..value."""
    session.execute(update(ServerMeta).where(ServerMeta.id == META_ID).values(seq=value))
