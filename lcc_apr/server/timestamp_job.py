"""Trusted time added later: the sign-offs kept without a time token (the TSA did not
answer when they arrived) get one from a later run of this job.

`add_missing` reads up to `limit` sign-offs with a signature and no token (oldest first),
asks the TSA for each through `timemark.time_token` (the one way a token is asked for),
and stops at the first that gets none: the TSA is down, and the rest wait for a later run.
The tokens are written under the sequence lock, each record taking a new feed number
(its content unchanged), so every laptop receives them at its next pull. One audit entry
per run that found any: counts only ("added:3 tsa_down:5").

`every_while_serving` runs it in the serve process: every 5 minutes, the wait doubling
up to an hour while the TSA is down. The CLI is `lcc-apr-server timestamps [--limit N]`.
With several workers each runs it; a token is only written where none is yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, select, update
from sqlalchemy.orm import Session

from lcc_apr.models import Record, SignOff

from . import audit, content, sequence
from .settings import ServerSettings
from .timemark import time_token

log = logging.getLogger("lcc_apr.server")
LIMIT = 200  # sign-offs asked for in one run
EVERY = 300.0  # seconds between runs
DOWN_MOST = 3600.0  # the longest wait while the TSA is down
EVENT = "time_tokens"


@dataclass(frozen=True)
class Run:
    """What one run did: tokens added; sign-offs found but not stamped as the TSA was
    down; whether the TSA was down; whether more are missing than this run read."""

    added: int = 0
    not_stamped: int = 0
    tsa_down: bool = False
    more: bool = False
    configured: bool = True

    @property
    def found(self) -> int:
        return self.added + self.not_stamped

    def outcome(self) -> str:
        return f"added:{self.added} tsa_down:{self.not_stamped}"


def missing_clause() -> ColumnElement[bool]:
    """Sign-offs that can have a token and have none (served by ix_sign_offs_no_time_token)."""
    return SignOff.time_token.is_(None) & SignOff.signature.is_not(None)


def missing(session: Session, limit: int) -> list[tuple[int, bytes]]:
    """(id, signature) of up to `limit` sign-offs without a token, oldest first."""
    stmt = select(SignOff.id, SignOff.signature).where(missing_clause()).order_by(SignOff.id)
    return [(i, bytes(s)) for i, s in session.execute(stmt.limit(limit)) if s is not None]


def add_missing(
    settings: ServerSettings, engine: Engine, *, limit: int = LIMIT, route: str = "job"
) -> Run:
    """One run (blocking: a worker thread or the CLI). Nothing is done without a TSA."""
    if not settings.timestamp_authority_url:
        return Run(configured=False)
    with Session(engine) as reading:
        found = missing(reading, limit + 1)
    more = len(found) > limit
    found = found[:limit]
    if not found:
        return Run()
    tokens: dict[int, bytes] = {}
    for sign_off_id, signature in found:  # outside any transaction: the TSA may be slow
        token = time_token(settings, signature)
        if token is None:
            break
        tokens[sign_off_id] = token
    down = len(tokens) < len(found)
    with Session(engine) as session, session.begin():
        added = _store(session, tokens)
        run = Run(added, len(found) - len(tokens), down, more)
        audit.add(session, None, EVENT, route, run.outcome())
    if down:
        log.warning("trusted time: the timestamp authority is down; %d wait", run.not_stamped)
    return run


def _store(session: Session, tokens: dict[int, bytes]) -> int:
    """Write the tokens where none is yet; each record changed takes a feed number."""
    if not tokens:
        return 0
    lock = sequence.lock(session)  # first, as every writer: feed numbers stay in order
    records: set[str] = set()
    written = 0
    for sign_off_id, token in tokens.items():
        stmt = (
            update(SignOff)
            .where(SignOff.id == sign_off_id, SignOff.time_token.is_(None))
            .values(time_token=token)
            .returning(SignOff.record_id)
        )
        record_id = session.execute(stmt).scalar_one_or_none()
        if record_id is not None:
            records.add(record_id)
            written += 1
    for record_id in sorted(records):
        record = session.get(Record, record_id)
        if record is not None:
            record.server_rev = lock.next()
            content.stamp(record)
    session.flush()
    return written


async def every_while_serving(
    settings: ServerSettings,
    engine: Engine,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """The serve process's runs: every EVERY seconds; while the TSA is down the wait
    doubles up to DOWN_MOST. A failure is logged (no personal data) and tried again."""
    wait = EVERY
    while True:
        await sleep(wait)
        try:
            run = await asyncio.to_thread(add_missing, settings, engine)
        except Exception:  # noqa: BLE001 - the server carries on; the next run tries again
            log.exception("adding trusted time to sign-offs failed")
            run = Run()
        wait = min(wait * 2, DOWN_MOST) if run.tsa_down else EVERY
