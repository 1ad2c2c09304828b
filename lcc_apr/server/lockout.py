"""Failed sign-ins: a lockout per name that holds under concurrency, and a throttle per address.

Each attempt is counted *before* its password is checked (`claim`, one conditional
UPDATE): however many arrive at once, no more passwords are checked than the limit
before the name locks (those beyond it are told to try again in a moment, and give
their claim back), and a locked name's passwords are not checked at all. A right
password gives back its own claim and those before it (`succeeded`), unless the name
was locked meanwhile. Usernames that are no account's are counted the same way in
`sign_in_names`, under a keyed hash: they lock like real ones, so nothing tells which
usernames exist.

`AddressThrottle` counts failed sign-ins per client address in a sliding window, in
memory (so per worker process): past the limit the address waits (429), whichever
names it tries, so a fuzzer or a guesser cannot lock accounts one after another.
Another one counts the single sign-on nonces given to each address (`take`), so
nobody can fill the database with them without signing in.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, case, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .tables import Account, SignInName

FORGET_NAMES_AFTER = timedelta(days=1)  # an unknown name not tried for a day is forgotten


@dataclass(frozen=True)
class Counter:
    """Where one name's failed attempts are counted: its account, or its sign_in_names row."""

    table: type[Account] | type[SignInName]
    where: ColumnElement[bool]

    def _unlocked(self, now: datetime) -> ColumnElement[bool]:
        return or_(self.table.locked_until.is_(None), self.table.locked_until <= now)


def account_counter(user_id: int) -> Counter:
    return Counter(Account, Account.user_id == user_id)


def name_counter(session: Session, secret: str, username: str, now: datetime) -> Counter:
    """The counter of a username that is no account's (made on first use)."""
    key = hmac.new(secret.encode(), username.encode(), hashlib.sha256).hexdigest()
    if session.get(SignInName, key) is None:
        session.execute(
            delete(SignInName).where(SignInName.last_attempt_at < now - FORGET_NAMES_AFTER)
        )
        try:
            with session.begin_nested():
                session.add(SignInName(name_hash=key, failed_attempts=0, last_attempt_at=now))
        except IntegrityError:  # the same name tried at the same moment
            pass
    session.execute(
        update(SignInName).where(SignInName.name_hash == key).values(last_attempt_at=now)
    )
    return Counter(SignInName, SignInName.name_hash == key)


def claim(session: Session, counter: Counter, now: datetime) -> int | None:
    """Count this attempt (committed at once); its number, or None if the name is locked."""
    table = counter.table
    claimed = session.execute(
        update(table)
        .where(counter.where, counter._unlocked(now))
        .values(failed_attempts=table.failed_attempts + 1)
        .returning(table.failed_attempts)
    ).scalar_one_or_none()
    session.commit()
    return claimed


def locked_until(session: Session, counter: Counter) -> datetime | None:
    return session.scalar(select(counter.table.locked_until).where(counter.where))


def lock(session: Session, counter: Counter, now: datetime, minutes: float) -> datetime:
    until = now + timedelta(minutes=minutes)
    session.execute(
        update(counter.table).where(counter.where).values(failed_attempts=0, locked_until=until)
    )
    return until


def succeeded(session: Session, counter: Counter, claimed: int, now: datetime) -> bool:
    """Give back this claim and those before it; False if the name was locked meanwhile."""
    table = counter.table
    left = case((table.failed_attempts > claimed, table.failed_attempts - claimed), else_=0)
    done = cast(
        CursorResult[Any],
        session.execute(
            update(table)
            .where(counter.where, counter._unlocked(now))
            .values(failed_attempts=left, locked_until=None)
        ),
    )
    return done.rowcount == 1


def give_back(session: Session, counter: Counter) -> None:
    """Take back one claim that checked no password (answered "try again")."""
    table = counter.table
    fewer = case((table.failed_attempts > 0, table.failed_attempts - 1), else_=0)
    session.execute(update(table).where(counter.where).values(failed_attempts=fewer))


def seconds_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


class AddressThrottle:
    """Events (failed sign-ins, or nonces given) per client address within the last
    `seconds` (thread-safe)."""

    def __init__(self, most: int, seconds: float, clock=time.monotonic) -> None:
        self.most = most
        self.seconds = seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, address: str) -> int:
        """Seconds this address must wait before its next sign-in (0: none)."""
        now = self.clock()
        with self._lock:
            return self._wait(self._recent(address, now), now)

    def take(self, address: str) -> int:
        """Count one event now unless the address must wait first; the wait (0: counted)."""
        now = self.clock()
        with self._lock:
            wait = self._wait(self._recent(address, now), now)
            if not wait:
                self._add(address, now)
            return wait

    def failed(self, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._add(address, now)

    def _add(self, address: str, now: float) -> None:
        self._recent(address, now).append(now)
        if len(self._failures) > 10_000:  # forget quiet addresses
            for quiet in [
                a for a, f in self._failures.items() if not f or f[-1] < now - self.seconds
            ]:
                del self._failures[quiet]

    def _wait(self, events: deque[float], now: float) -> int:
        if len(events) < self.most:
            return 0
        return max(1, math.ceil(events[0] + self.seconds - now))

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - self.seconds:
            failures.popleft()
        return failures
