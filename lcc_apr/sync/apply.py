"""Taking server data into the local store: records, removals, the organisation.

Called inside one local transaction per pull page or push reply, so the
cache and its cursor always move together. Local unsent work is never
overwritten: it is merged, or kept beside the server version as a conflict.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.history import (
    GENESIS,
    apply_server_state,
    base_state,
    delete_record,
    history,
    purge_records,
    state_of,
    update_record,
)
from lcc_apr.models import (
    ChangeAction,
    Conflict,
    Department,
    Employee,
    Post,
    PostHistory,
    Record,
    SignOff,
    User,
    UserRole,
)
from lcc_apr.models.answers import pack
from lcc_apr.models.base import table_of
from lcc_apr.models.hr import HrRegisterEntry
from lcc_apr.models.patches import packs
from lcc_apr.workflow import WORKFLOWS, Lifecycle

from .epoch import UNCONFIRMED, restored_base
from .errors import IncompatibleServer
from .merge import merge
from .protocol import (
    OrgReply,
    PostPeriodWire,
    RecordWire,
    SignOffWire,
    sign_off_key,
    sign_off_row,
    wire_date,
    wire_dict,
    wire_time,
)

DELETED_ON_SERVER = "(deleted on the server)"  # the pseudo-field of a deletion conflict
OUT_OF_VIEW = "(no longer yours to see)"  # the pseudo-field of a removal over unsent work
OUT_OF_VIEW_REASON = (
    "This record is no longer one you may see on the server (it was taken back, or its "
    "person moved). Your unsent change is kept here: it goes up if the record comes back "
    "to you; discard it to remove the record from this computer."
)


def server_copy_row(wire: RecordWire) -> dict[str, Any]:
    """A record row for a version never seen here: the server's copy, no local history."""
    return {
        "id": wire.id,
        "kind": wire.kind,
        "subject_id": wire.subject_id,
        "author_id": wire.author_id,
        "template_id": wire.template_id,
        "template_version": wire.template_version,
        "answers": wire.answers,
        "status": wire.status,
        "record_date": wire_date(wire.record_date),
        "created_at": wire_time(wire.created_at),
        "updated_at": wire_time(wire.updated_at),
        "local_rev": 0,
        "server_rev": wire.server_rev,
        "dirty": False,
        "deleted": wire.deleted,
        "deleted_at": None,
        "history_head": GENESIS,
        "base_seq": None,
        "content_hash": wire.content_hash,
        "hash_rev": wire.server_rev if wire.content_hash else None,
    }


def revision(wire: RecordWire) -> int:
    """The revision of a version the server sent (it always carries one)."""
    if wire.server_rev is None:
        raise IncompatibleServer("The server sent a record without its revision: ask IT.")
    return wire.server_rev


def take_records(
    session: Session, wires: list[RecordWire], *, catalogue: Catalogue, at: datetime
) -> tuple[int, int]:
    """Apply server versions; returns (records taken in, new conflicts)."""
    if not wires:
        return 0, 0
    ids = [w.id for w in wires]
    local = {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(ids)))}
    conflicted = dict(
        session.execute(
            select(Conflict.record_id, Conflict.server_rev).where(Conflict.record_id.in_(ids))
        ).all()
    )
    signed_here = set(
        session.scalars(select(SignOff.record_id).where(SignOff.record_id.in_(list(local))))
    )
    new_rows, conflicts, taken = [], 0, 0
    for wire in wires:
        record, rev = local.get(wire.id), revision(wire)
        if record is None:
            new_rows.append(server_copy_row(wire))
            taken += 1
        elif record.server_rev == UNCONFIRMED:
            conflicts += reconcile(session, record, wire, catalogue=catalogue, at=at)
            taken += 1
        elif rev <= max(record.server_rev or 0, conflicted.get(record.id) or 0):
            continue  # already have this version (a resumed page, a known conflict)
        elif record.dirty or wire.id in conflicted:
            conflicts += take_with_local_changes(session, record, wire, catalogue=catalogue, at=at)
            taken += 1
        else:
            take_wire(session, record, wire, at=at, signed_here=record.id in signed_here)
            taken += 1
    if new_rows:
        _ensure_people(session, new_rows, at)
        insert_server_copies(session, new_rows)
        signed = [
            sign_off_row(s, w.id) for w in wires if w.id not in local for s in w.sign_offs or ()
        ]
        if signed:
            _ensure_users(session, {r["user_id"] for r in signed}, at)
            session.execute(insert(SignOff), signed)
    return taken, conflicts


COPY_COLUMNS = (
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
    "local_rev",
    "server_rev",
    "dirty",
    "deleted",
    "deleted_at",
    "history_head",
    "base_seq",
    "content_hash",
    "hash_rev",
)
ANSWERS = COPY_COLUMNS.index("answers")
COPY_SQL = (
    f"INSERT INTO records ({', '.join(COPY_COLUMNS)}) VALUES ({', '.join('?' * len(COPY_COLUMNS))})"
)


def insert_server_copies(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk insert straight through the driver (the cache is always SQLite): a first pull
    writes hundreds of thousands of rows, and SQLAlchemy's per-value processing would
    double the time. Values are stored exactly as SQLAlchemy's SQLite types store them."""

    packed = packs(session.get_bind().dialect)

    def stored(row: dict[str, Any]) -> tuple[Any, ...]:
        values = [_sqlite_value(row[c]) for c in COPY_COLUMNS]
        if packed:
            values[ANSWERS] = pack(row["answers"], values[ANSWERS].encode())
        return tuple(values)

    session.connection().exec_driver_sql(COPY_SQL, [stored(r) for r in rows])


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):  # keys sorted, as the store's serializer (lcc_apr.evidence)
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    if isinstance(value, bool):
        return int(value)
    return value


def _ensure_people(session: Session, rows: list[dict[str, Any]], at: datetime) -> None:
    """Authors outside this user's view of the organisation get a placeholder row."""
    _ensure_users(session, {r["author_id"] for r in rows if r["author_id"] is not None}, at)


def _ensure_users(session: Session, ids: set[int], at: datetime) -> None:
    """Users outside this user's view (authors, signers) get a placeholder row."""
    known = set(session.scalars(select(User.id).where(User.id.in_(ids))))
    missing = sorted(ids - known)
    if missing:
        session.execute(
            insert(User),
            [
                {
                    "id": i,
                    "username": f"user-{i}",
                    "display_name": "(someone outside your view)",
                    "active": True,
                    "created_at": at,
                    "employee_id": None,
                }
                for i in missing
            ],
        )


def take_wire(
    session: Session,
    record: Record,
    wire: RecordWire,
    *,
    at: datetime,
    keep_local_sign_offs: bool = False,
    signed_here: bool | None = None,
) -> None:
    """Make the server's version (as sent) this record's state and base, sign-offs too.

    `keep_local_sign_offs`: sign-offs made here and not yet sent stay (a rebase of unsent
    work); otherwise the server's list becomes the record's. `signed_here` False says the
    record has no sign-offs on this computer (saves a query per record in a big pull)."""
    apply_server_state(
        session,
        record,
        answers=wire.answers,
        status=wire.status,
        deleted=wire.deleted,
        server_rev=revision(wire),
        at=at,
    )
    record.content_hash = wire.content_hash
    record.hash_rev = record.server_rev if wire.content_hash else None
    signed = wire.sign_offs or []
    if signed or signed_here is not False:
        take_sign_offs(session, record, signed, replace=not keep_local_sign_offs, at=at)


def take_sign_offs(
    session: Session, record: Record, wires: list[SignOffWire], *, replace: bool, at: datetime
) -> None:
    """Bring the record's sign-offs in line with the server's (matched by signer, role,
    time and content hash): new ones added, superseded times taken; with `replace`,
    local ones the server does not hold go (the person discarded their unsent work)."""
    local = {
        sign_off_key(s.user_id, s.role, s.signed_at, s.content_hash): s for s in record.sign_offs
    }
    seen = set()
    rows = [sign_off_row(w, record.id) for w in wires]
    _ensure_users(session, {r["user_id"] for r in rows}, at)
    for row in rows:
        key = sign_off_key(row["user_id"], row["role"], row["signed_at"], row["content_hash"])
        seen.add(key)
        mine = local.get(key)
        if mine is None:
            record.sign_offs.append(SignOff(**row))
            continue
        if row["superseded_at"] is not None or replace:
            mine.superseded_at = row["superseded_at"]
        if row["time_token"] is not None:  # the server's countersignature of its time
            mine.time_token = row["time_token"]
    if replace:
        for key, mine in local.items():
            if key not in seen:
                record.sign_offs.remove(mine)
                session.delete(mine)


def take_with_local_changes(
    session: Session,
    record: Record,
    wire: RecordWire,
    *,
    catalogue: Catalogue,
    at: datetime,
    base: dict[str, Any] | None = None,
) -> int:
    """Rebase unsent local edits onto a newer server version; 1 if the person must decide.

    `base` is the version both started from (default: the server version the local edits
    started from)."""
    if record.deleted and (wire.deleted or base is None):
        # Deleted here: nothing to merge into. The server's version becomes the base and,
        # unless the server deleted it too, the deletion goes again on top of it.
        take_wire(session, record, wire, at=at, keep_local_sign_offs=True)
        if not wire.deleted:
            delete_record(session, record, user_id=None, at=at)
        session.execute(delete(Conflict).where(Conflict.record_id == record.id))
        return 0
    if base is None:
        base = base_state(session, record) or {"answers": {}, "status": record.status}
    local = state_of(record)
    server = {"answers": wire.answers, "status": wire.status}
    template = catalogue.get(record.template_id, record.template_version)
    workflow = WORKFLOWS[record.kind]
    locked = workflow.state(wire.status).lifecycle is Lifecycle.LOCKED
    after_signoff = frozenset(f.key for f in template.fields() if f.editable_after_signoff)
    result = merge(base, local, server, server_locked=locked, editable_after_signoff=after_signoff)
    if wire.deleted and not record.deleted:
        result_conflicts = [DELETED_ON_SERVER]
    else:
        result_conflicts = result.conflicts
    if result_conflicts:
        session.merge(
            Conflict(
                record_id=record.id,
                server_rev=wire.server_rev,
                server=wire_dict(wire),
                fields=result_conflicts,
                reason=None,
                created_at=at,
            )
        )
        return 1
    # Take the server version in as the new base, then re-apply what was ours.
    ours = {k: v for k, v in result.answers.items() if wire.answers.get(k) != v}
    removed = {k: None for k in wire.answers if k not in result.answers}
    take_wire(session, record, wire, at=at, keep_local_sign_offs=True)
    status = result.status if result.status != wire.status else None
    update_record(
        session,
        record,
        user_id=None,
        at=at,
        answers={**ours, **removed},
        status=status,
        note={"merged_onto": wire.server_rev},
    )
    session.execute(delete(Conflict).where(Conflict.record_id == record.id))
    return 0


def reconcile(
    session: Session, record: Record, wire: RecordWire, *, catalogue: Catalogue, at: datetime
) -> int:
    """Take the restored server's version of a copy held from before its epoch changed
    (lcc_apr.sync.epoch): what was done here and the server lost goes back up; 1 if the
    person must decide."""
    if record.local_rev == 0:  # a server copy, nothing done here
        take_wire(session, record, wire, at=at)
        session.execute(delete(Conflict).where(Conflict.record_id == record.id))
        return 0
    changes = history(session, record.id)
    mine = state_of(record)
    theirs = {"answers": wire.answers, "status": wire.status, "deleted": wire.deleted}
    if mine == theirs:
        take_wire(session, record, wire, at=at, keep_local_sign_offs=True)
        session.execute(delete(Conflict).where(Conflict.record_id == record.id))
    else:
        base = restored_base(changes, mine, theirs)
        if take_with_local_changes(session, record, wire, catalogue=catalogue, at=at, base=base):
            record.server_rev = revision(wire)  # confirmed; kept here until the person decides
            return 1
        if mine["deleted"] and base["deleted"] is False:  # deleted here, after the server's copy
            delete_record(session, record, user_id=None, at=at)
    # Sign-offs the server lost: those made here go back up, others' are their computers' to send.
    here = {c.user_id for c in changes if c.action != ChangeAction.SYNC and c.user_id is not None}
    rows = [sign_off_row(w, record.id) for w in wire.sign_offs or ()]
    known = {sign_off_key(r["user_id"], r["role"], r["signed_at"], r["content_hash"]) for r in rows}
    for signed in list(record.sign_offs):
        if (
            sign_off_key(signed.user_id, signed.role, signed.signed_at, signed.content_hash)
            in known
        ):
            continue
        if signed.user_id in here:
            record.dirty = True
        else:
            record.sign_offs.remove(signed)
            session.delete(signed)
    return 0


def remove_records(session: Session, ids: list[str], *, at: datetime) -> int:
    """Records that left this person's view leave the cache (how many); one holding work
    not yet on the server stays, as a conflict, until the person discards it."""
    present = list(session.scalars(select(Record.id).where(Record.id.in_(ids))))
    unsent = set(
        session.scalars(select(Record.id).where(Record.id.in_(present), Record.dirty))
    ) | set(session.scalars(select(Conflict.record_id).where(Conflict.record_id.in_(present))))
    for record_id in sorted(unsent):
        session.merge(
            Conflict(
                record_id=record_id,
                server_rev=None,
                server=None,
                fields=[OUT_OF_VIEW],
                reason=OUT_OF_VIEW_REASON,
                created_at=at,
            )
        )
    gone = [i for i in present if i not in unsent]
    purge_records(session, gone)
    return len(gone)


def purge_cached(session: Session, ids: list[str]) -> int:
    """Records purged on the server under the retention rules leave the cache, unsent
    work and all, and HR's register of accepted copies (how many records were here)."""
    present = list(session.scalars(select(Record.id).where(Record.id.in_(ids)))) if ids else []
    purge_records(session, present)
    for start in range(0, len(ids), IDS_AT_ONCE):
        chunk = ids[start : start + IDS_AT_ONCE]
        session.execute(delete(HrRegisterEntry).where(HrRegisterEntry.record_id.in_(chunk)))
    return len(present)


def take_organisation(session: Session, org: OrgReply, *, at: datetime) -> None:
    """Upsert the part of the organisation this user may see.

    References to people outside that view (a manager's own manager's manager)
    are left empty rather than pointing at rows this cache does not hold. Fields the
    server did not send (equality data, to anyone but HR) are left as they are.
    """
    shown = {e.id for e in org.employees} | set(session.scalars(select(Employee.id)))
    employees = [e.model_dump(exclude_unset=True) for e in org.employees]
    for row in employees:
        if row.get("line_manager_id") not in shown:
            row["line_manager_id"] = None
    users = [u.model_dump(exclude={"roles"}) | {"created_at": at} for u in org.users]
    for row in users:
        if row["employee_id"] not in shown:
            row["employee_id"] = None
    departments = [d.model_dump() for d in org.departments]
    for model, rows in ((Department, departments), (Employee, employees), (User, users)):
        if not rows:
            continue
        statement = sqlite_insert(table_of(model))
        keys = set(rows[0]) - {"id"}
        statement = statement.on_conflict_do_update(
            index_elements=["id"], set_={k: statement.excluded[k] for k in keys}
        )
        session.execute(statement, rows)
    if org.users:
        user_ids = [u.id for u in org.users]
        session.execute(delete(UserRole).where(UserRole.user_id.in_(user_ids)))
        roles = [{"user_id": u.id, "role": r} for u in org.users for r in u.roles]
        if roles:
            session.execute(insert(table_of(UserRole)), roles)
    take_posts(session, [e.id for e in org.employees], org.posts, shown)


IDS_AT_ONCE = 500  # ids in one IN (...), well under SQLite's limit on parameters


def take_posts(
    session: Session, employee_ids: list[int], periods: list[PostPeriodWire], known: set[int]
) -> None:
    """The posts `employee_ids` held, as the server sent them (all their periods),
    replacing what was here for those people. A line manager not in `known` is left
    empty, as in the employee rows."""
    for start in range(0, len(employee_ids), IDS_AT_ONCE):
        chunk = employee_ids[start : start + IDS_AT_ONCE]
        held = select(Post.id).where(Post.employee_id.in_(chunk))
        session.execute(delete(PostHistory).where(PostHistory.post_id.in_(held)))
        session.execute(delete(Post).where(Post.employee_id.in_(chunk)))
    by_post: dict[tuple[int, str], list[PostPeriodWire]] = {}
    for period in periods:
        by_post.setdefault((period.employee_id, period.post_number), []).append(period)
    if not by_post:
        return
    first_id = (session.scalar(select(func.max(Post.id))) or 0) + 1
    posts, history = [], []
    for post_id, ((employee_id, number), rows) in enumerate(by_post.items(), start=first_id):
        latest = rows[-1]
        terms = [
            {
                "job_title": p.job_title,
                "grade": p.grade,
                "department_id": p.department_id,
                "line_manager_id": p.line_manager_id if p.line_manager_id in known else None,
            }
            for p in rows
        ]
        posts.append(
            {
                "id": post_id,
                "employee_id": employee_id,
                "post_number": number,
                "is_primary": latest.is_primary,
                **terms[-1],
                "start_date": rows[0].valid_from,
                "end_date": latest.valid_to - timedelta(days=1) if latest.valid_to else None,
            }
        )
        history += [
            {"post_id": post_id, "valid_from": p.valid_from, "valid_to": p.valid_to, **t}
            for p, t in zip(rows, terms, strict=True)
        ]
    session.execute(insert(table_of(Post)), posts)
    session.execute(insert(table_of(PostHistory)), history)
