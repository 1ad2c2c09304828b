"""HR's register: each accepted revision of a record, taken whole for the HR system export.

`take_accepted` finds the records HR has accepted (status `accepted`) whose copy changed
since their last register entry, and adds an entry when what the export writes of them
changed: the content (the hash signatures cover), the signature state or the status. So
a record accepted once is one entry (revision 1); amended, signed again and accepted
again it is a new entry (revision 2), whatever computer accepted it. Entries are never
changed afterwards: an export is a range of entry ids (lcc_apr.hr.export).

`signature_state` and `signature_summary` say how a record's current signatures stand:
the first as the export writes it (no names), the second for HR's intake screen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session, aliased

from lcc_apr.models import Employee, HrRegisterEntry, Record, SignOff, SignOffRole, User
from lcc_apr.models.base import table_of
from lcc_apr.progress import Step
from lcc_apr.signing.content import content_hash
from lcc_apr.signing.signoff import ROLE_WORDS, SignatureState, SignatureStatus, check_sign_off
from lcc_apr.signing.trust import Trust, load_trust
from lcc_apr.workflow import ACCEPTED

REGISTER = table_of(HrRegisterEntry)  # written through Core: a bulk insert
CHUNK = 500  # records read at a time
COLUMNS = (
    Record.id,
    Record.kind,
    Record.subject_id,
    Record.template_id,
    Record.template_version,
    Record.record_date,
    Record.answers,
    Record.status,
    Record.updated_at,
    Record.server_rev,
    Record.local_rev,
)
UNSIGNED = "unsigned"
STATUS_WORDS = {
    SignatureStatus.VALID: "valid",
    SignatureStatus.INVALID: "not valid",
    SignatureStatus.SUPERSEDED: "superseded",
    SignatureStatus.REVOKED: "revoked certificate",
    SignatureStatus.NOT_DIGITALLY_SIGNED: "not digitally signed",
    SignatureStatus.NOT_CHECKED: "not checked yet",
}
Progress = Callable[[Step], None]
TAKING = "Taking in accepted records"


class Cancelled(Exception):
    """The person cancelled: nothing was kept."""


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled


def signature_states(
    session: Session, records: Sequence[Any], trust: Trust
) -> dict[str, list[SignatureState]]:
    """Each record's current (not superseded) sign-offs, oldest first, checked; read in
    two queries whatever the number of records (`records`: Records or rows with their
    columns)."""
    found: dict[str, list[SignatureState]] = {r.id: [] for r in records}
    if not records:
        return found
    sign_offs = list(
        session.scalars(
            select(SignOff)
            .where(SignOff.record_id.in_(list(found)), SignOff.superseded_at.is_(None))
            .order_by(SignOff.id)
        )
    )
    ids = {s.user_id for s in sign_offs}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    by_id = {r.id: r for r in records}
    for s in sign_offs:
        found[s.record_id].append(
            check_sign_off(s, by_id[s.record_id], trust, users.get(s.user_id))
        )
    return found


def signature_state(states: list[SignatureState]) -> str:
    """'employee valid 2026-05-01T09:00:00Z; manager valid 2026-05-02T10:30:00Z', or
    'unsigned': each current signature's role, state and time (UTC), oldest first."""
    if not states:
        return UNSIGNED
    return "; ".join(
        f"{s.role.value} {s.status.value} {s.signed_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        for s in states
    )


def signature_summary(states: list[SignatureState]) -> str:
    """For HR's intake: 'Valid: employee, line manager' ('No signatures' when none)."""
    if not states:
        return "No signatures"
    by_status: dict[SignatureStatus, list[str]] = {}
    for s in states:
        by_status.setdefault(s.status, []).append(ROLE_WORDS[SignOffRole(s.role)])
    return "; ".join(
        f"{STATUS_WORDS[status].capitalize()}: {', '.join(roles)}"
        for status, roles in by_status.items()
    )


def _changed_accepted(session: Session) -> list[str]:
    """Ids of accepted records whose copy is not the one their last entry was taken from."""
    newest = (
        select(HrRegisterEntry.record_id, func.max(HrRegisterEntry.revision).label("revision"))
        .group_by(HrRegisterEntry.record_id)
        .subquery()
    )
    last = aliased(HrRegisterEntry)
    stmt = (
        select(Record.id)
        .outerjoin(newest, newest.c.record_id == Record.id)
        .outerjoin(
            last, and_(last.record_id == newest.c.record_id, last.revision == newest.c.revision)
        )
        .where(
            Record.status == ACCEPTED,
            ~Record.deleted,
            or_(
                last.id.is_(None),
                last.server_rev.is_distinct_from(Record.server_rev),
                last.local_rev != Record.local_rev,
            ),
        )
        .order_by(Record.updated_at, Record.id)
    )
    return list(session.scalars(stmt))


def new_entries(
    session: Session,
    *,
    at: datetime,
    progress: Progress = lambda step: None,
    cancel: threading.Event | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """The register entries `take_accepted` would add, a chunk at a time (nothing is
    written): one for each accepted record whose exported values changed since its last
    entry."""
    ids = _changed_accepted(session)
    if not ids:
        return
    trust = load_trust(session)
    for start in range(0, len(ids), CHUNK):
        check_cancel(cancel)
        progress(Step(TAKING, start, len(ids)))
        chunk = ids[start : start + CHUNK]
        records = session.execute(select(*COLUMNS).where(Record.id.in_(chunk))).all()
        states = signature_states(session, records, trust)
        people = select(Employee.id, Employee.payroll_number).where(
            Employee.id.in_({r.subject_id for r in records})
        )
        payroll = {i: number for i, number in session.execute(people)}
        last = {
            e.record_id: e
            for e in session.scalars(
                select(HrRegisterEntry)
                .where(HrRegisterEntry.record_id.in_(chunk))
                .order_by(HrRegisterEntry.revision)
            )
        }
        order = {rid: n for n, rid in enumerate(chunk)}
        rows = []
        for record in sorted(records, key=lambda r: order[r.id]):
            digest, signed = content_hash(record), signature_state(states[record.id])
            before = last.get(record.id)
            if before is not None and (before.content_hash, before.signature_state) == (
                digest,
                signed,
            ):
                continue
            rows.append(
                {
                    "record_id": record.id,
                    "revision": before.revision + 1 if before else 1,
                    "server_rev": record.server_rev,
                    "local_rev": record.local_rev,
                    "kind": record.kind,
                    "template_id": record.template_id,
                    "template_version": record.template_version,
                    "payroll_number": payroll.get(record.subject_id, ""),
                    "post_number": None,
                    "status": record.status,
                    "record_date": record.record_date,
                    "accepted_at": record.updated_at,
                    "content_hash": digest,
                    "signature_state": signed,
                    "answers": record.answers,
                    "registered_at": at,
                }
            )
        yield rows
    progress(Step(TAKING, len(ids), len(ids)))


def take_accepted(
    session: Session,
    *,
    at: datetime,
    progress: Progress = lambda step: None,
    cancel: threading.Event | None = None,
) -> int:
    """Add a register entry for each accepted record whose exported values changed since
    its last entry (in the caller's transaction); returns how many were added."""
    added = 0
    for rows in new_entries(session, at=at, progress=progress, cancel=cancel):
        if rows:
            session.execute(insert(REGISTER), rows)
            added += len(rows)
    return added
