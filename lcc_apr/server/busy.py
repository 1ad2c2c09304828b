"""Staying up under load: a limit on requests in flight, and busy answers instead of 500s.

`Busy` is a pure ASGI middleware: once `most` requests are being handled by this
worker, the next one is answered 429 with `Retry-After` at once, without touching
the database, so the worker never queues more requests than its connection pool
can serve. Retry-After follows the load: each second it is scaled by how many
were turned away against how many were let in (aiming at one turned away for
every four let in), between `retry_after` and MOST_RETRY_AFTER seconds, so that
many laptops come back spread out instead of all at once and seldom need to
ask again. `busy_reply` is the 503 for a database that stayed busy past its
waits anyway (a pool timeout, SQLite's "database is locked"): SafeErrors
answers it instead of a 500. Clients wait Retry-After seconds and try again.
"""

from __future__ import annotations

import math
import random
import sqlite3
import time
from typing import Any

import orjson
from sqlalchemy import exc as sa_exc
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

BUSY = "The server is busy: your request was not handled. Try again in {seconds} s."
# sqlite3 messages of a lock that outlasted busy_timeout (or could not wait at all)
SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
MOST_RETRY_AFTER = 30  # seconds: the longest Retry-After (the laptop waits no longer)
AIM = 0.25  # turned away per request let in, that Retry-After aims at


def busy_reply(status: int, seconds: int) -> Response:
    """429 (too many requests in flight) or 503 (the database is busy), with Retry-After."""
    body = {"detail": BUSY.format(seconds=seconds), "code": "busy", "retry_after": seconds}
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"Retry-After": str(seconds), "Cache-Control": "no-store"},
    )


def database_busy(exc: BaseException) -> bool:
    """Whether `exc` (or any exception in a group) says the database is busy, not broken:
    no pool connection came in time, or SQLite stayed locked."""
    if isinstance(exc, BaseExceptionGroup):
        return any(database_busy(inner) for inner in exc.exceptions)
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    if isinstance(exc, sa_exc.OperationalError):
        cause: Any = exc.orig
        return isinstance(cause, sqlite3.OperationalError) and any(
            text in str(cause) for text in SQLITE_BUSY
        )
    return False


class Busy:
    """429 with Retry-After for each request beyond `most` in flight in this worker.

    One worker runs one event loop, so a plain counter is exact: nothing awaits
    between its test and its increment.
    """

    def __init__(self, app: ASGIApp, most: int, retry_after: int) -> None:
        self.app = app
        self.most = most
        self.least_wait = retry_after
        self.wait = float(retry_after)  # the Retry-After now
        self.in_flight = 0
        self.let_in = self.turned_away = 0  # in this second
        self.second = time.monotonic()

    @property
    def retry_after(self) -> int:
        """The wait now, up to half as much again at random: those turned away together
        come back spread out."""
        return min(MOST_RETRY_AFTER, math.ceil(self.wait * random.uniform(1, 1.5)))

    def _follow_load(self) -> None:
        """Once a second: the wait times the root of (turned away / let in) / AIM, by at
        most 1.5 up and 0.8 down."""
        now = time.monotonic()
        if now - self.second < 1:
            return
        ratio = self.turned_away / max(1, self.let_in) / AIM
        factor = min(1.5, max(0.8, math.sqrt(ratio)))
        self.wait = min(MOST_RETRY_AFTER, max(self.least_wait, self.wait * factor))
        self.let_in = self.turned_away = 0
        self.second = now

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self._follow_load()
        if self.in_flight >= self.most:
            self.turned_away += 1
            await busy_reply(429, self.retry_after)(scope, receive, send)
            return
        self.let_in += 1
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
