"""Records for HR's intake and export tests: taken through their workflow in a demo store
as the app takes them (answers typed, steps signed with certificates from the test
authority), and the organisation's trust cached so the signatures check as valid."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from lcc_apr.forms import Catalogue
from lcc_apr.models import Record, RecordKind, User
from lcc_apr.ops.user import CurrentUser
from lcc_apr.signing.trust import Trust, save_trust

from .examples import LATEST
from .test_editing import AT, AUTHORITY, SCRIPTS, Cast, cast_of, fill, move_on, open_as, start

CATALOGUE = Catalogue.load()
HR_USERNAME = "btebbutt"  # HR in the 50-person demo (employee 3)
MANAGER_USERNAME = "rtebbutt"


def user(store: Any, username: str) -> CurrentUser:
    with store.session() as s:
        return CurrentUser.from_user(s.scalars(select(User).where(User.username == username)).one())


def trust_the_test_authority(store: Any) -> None:
    with store.session() as s:
        save_trust(s, Trust((AUTHORITY.certificate,)))


def take_steps(
    store: Any, cast: Cast, record_id: str, steps: list[tuple[str, str]], answers: dict[str, Any]
) -> datetime:
    """Each party fills what they may of `answers`, then takes their step (signed where the
    step is a signature). Returns the time of the last step."""
    at = AT
    for party, step in steps:
        for filler in ("manager", "employee", "hr"):
            session = open_as(store, record_id, cast[filler])
            if fill(session, answers):
                at += timedelta(minutes=1)
                session.save(at)
        at += timedelta(minutes=1)
        move_on(open_as(store, record_id, cast[party]), step, at=at)
    return at


def completed(store: Any, cast: Cast, kind: RecordKind = RecordKind.APR) -> str:
    """A new record of `kind` taken to the end of its workflow, signed on the way."""
    record_id = start(store, cast, kind)
    take_steps(store, cast, record_id, SCRIPTS[kind], LATEST[CATALOGUE.current(kind).id])
    return record_id


def stored(store: Any, record_id: str) -> Record:
    with store.session() as s:
        record = s.get(Record, record_id)
        assert record is not None
        s.expunge(record)
        return record


__all__ = ["AT", "CATALOGUE", "Cast", "cast_of", "completed", "stored", "take_steps", "user"]


def completed_ids(store: Any, hr: CurrentUser, n: int, kind: RecordKind = RecordKind.SUPERVISION):
    """The first `n` completed records of `kind` in the store (by id), none of them HR's own."""
    with store.session() as s:
        return list(
            s.scalars(
                select(Record.id)
                .where(
                    Record.kind == kind,
                    Record.status == "completed",
                    Record.subject_id != hr.employee_id,
                )
                .order_by(Record.id)
                .limit(n)
            )
        )
