"""What the machine promised, and the checks that it was kept.

The ledger holds every change a person committed on a laptop (an answer set to a
token used nowhere else, a record started, deleted, moved on, signed) and every
decision that dropped one (taking the server's version in a conflict). The checks
read the server's database directly (not through the feed under test) and each
laptop's store:

- lost: a committed change neither on the server (in its history) nor kept on the
  laptop as a conflict with both versions, nor dropped by the person;
- duplicated: a change applied twice on the server (a token set twice, a record
  created twice, a sign-off stored twice);
- divergent: a laptop's cache, after a sync that succeeded, differs from what the
  server holds in that person's scope (or holds unsent work outside a conflict);
  or its pull cursor went back;
- altered_signed: a sign-off whose content hash or signature differs from what was
  signed, or that no longer verifies against the record while still in force.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lcc_apr.models import Conflict, Record, RecordChange, SignOff
from lcc_apr.server import ca as ca_module
from lcc_apr.server.ca import trust_reply
from lcc_apr.server.scope import load_viewer
from lcc_apr.server.settings import ServerSettings
from lcc_apr.signing.signoff import SignatureStatus, signature_states
from lcc_apr.signing.trust import Trust
from lcc_apr.sync.protocol import sign_off_key

from .laptop import Laptop

ANSWER, CREATE, DELETE, STATUS, SIGN, RESTORE = (
    "answer",
    "create",
    "delete",
    "status",
    "sign",
    "restore",
)
KINDS = (ANSWER, CREATE, DELETE, STATUS, SIGN, RESTORE)


@dataclass(frozen=True)
class Intent:
    seq: int
    laptop: str
    record_id: str
    kind: str
    key: str  # the answer's key (ANSWER), else ""
    value: Any  # the token, the status, or (sign-off key, signature)


@dataclass
class Ledger:
    intents: list[Intent] = field(default_factory=list)
    dropped: dict[tuple[str, str, str], int] = field(default_factory=dict)
    seq: int = 0

    def add(self, laptop: str, record_id: str, kind: str, key: str = "", value: Any = None) -> None:
        self.seq += 1
        self.intents.append(Intent(self.seq, laptop, record_id, kind, key, value))

    def drop(self, laptop: str, record_id: str, kinds: tuple[str, ...]) -> None:
        """The person chose to let these kinds of unsent change go (a conflict settled)."""
        self.seq += 1
        for kind in kinds:
            self.dropped[(laptop, record_id, kind)] = self.seq

    def latest(self, laptop: str) -> list[Intent]:
        """Each change the laptop holds now: a later one of the same answer (or status)
        replaces an earlier one made on the same laptop."""
        last: dict[tuple[str, str, str], Intent] = {}
        signs = []
        for intent in self.intents:
            if intent.laptop != laptop:
                continue
            if intent.kind == SIGN:
                signs.append(intent)
            else:
                last[(intent.record_id, intent.kind, intent.key)] = intent
        return [*last.values(), *signs]

    def excused(self, intent: Intent) -> bool:
        return self.dropped.get((intent.laptop, intent.record_id, intent.kind), 0) > intent.seq

    def records(self) -> set[str]:
        return {i.record_id for i in self.intents}


@dataclass
class Tally:
    lost: int = 0
    duplicated: int = 0
    divergent: int = 0
    altered_signed: int = 0
    problems: list[str] = field(default_factory=list)

    def count(self, kind: str, text: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.problems) < 50:
            self.problems.append(f"{kind}: {text}")


class Checker:
    def __init__(
        self, engine: Engine, settings: ServerSettings, ledger: Ledger, tally: Tally
    ) -> None:
        self.engine, self.settings, self.ledger, self.tally = engine, settings, ledger, tally
        self.cursors: dict[str, int] = {}
        self._trust: Trust | None = None

    def _fail(self, kind: str, text: str) -> None:
        self.tally.count(kind, text)
        raise AssertionError(f"{kind}: {text}")

    # -- the server's side ---------------------------------------------------------

    def _history(self, session: Session, ids: set[str]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        rows = session.execute(
            select(RecordChange.record_id, RecordChange.action, RecordChange.patch)
            .where(RecordChange.record_id.in_(sorted(ids)))
            .order_by(RecordChange.record_id, RecordChange.seq)
        )
        for record_id, action, patch in rows:
            found[record_id].append({**patch, "_action": str(action)})
        return found

    def _sign_offs(self, session: Session, ids: set[str]) -> dict[str, list[SignOff]]:
        found: dict[str, list[SignOff]] = defaultdict(list)
        for row in session.scalars(select(SignOff).where(SignOff.record_id.in_(sorted(ids)))):
            found[row.record_id].append(row)
        return found

    def trust(self, session: Session) -> Trust:
        if self._trust is None:
            authority = ca_module.read_authority(self.settings)
            self._trust = Trust.from_reply(trust_reply(session, authority))
        return self._trust

    def server(self) -> None:
        """Nothing applied twice; every sign-off made is stored as it was signed and,
        while in force, still verifies against its record."""
        ids = self.ledger.records()
        if not ids:
            return
        with Session(self.engine) as session:
            history = self._history(session, ids)
            signed = self._sign_offs(session, ids)
            for record_id, changes in history.items():
                tokens: Counter[tuple[str, Any]] = Counter()
                for patch in changes:
                    for key, value in (patch.get("answers") or {}).items():
                        if isinstance(value, str) and value.startswith("tok-"):
                            tokens[(key, value)] += 1
                creates = sum(1 for p in changes if p["_action"] == "create")
                twice = [t for t, n in tokens.items() if n > 1]
                if twice or creates > 1:
                    self._fail("duplicated", f"record {record_id}: {twice or 'created twice'}")
            made = {
                i.value[0]: i.value[1] for i in self.ledger.intents if i.kind == SIGN and i.value
            }
            for record_id, rows in signed.items():
                keys = Counter(
                    sign_off_key(r.user_id, r.role, r.signed_at, r.content_hash) for r in rows
                )
                if any(n > 1 for n in keys.values()):
                    self._fail("duplicated", f"a sign-off of {record_id} is stored twice")
                for row in rows:
                    key = sign_off_key(row.user_id, row.role, row.signed_at, row.content_hash)
                    if key in made and made[key] != row.signature:
                        self._fail("altered_signed", f"{record_id}: the signature was changed")
                record = session.get(Record, record_id)
                assert record is not None
                self._verify(session, record, made, f"server {record_id}")

    def _verify(self, session: Session, record: Record, made: dict[Any, Any], where: str) -> None:
        mine = [
            s
            for s in record.sign_offs
            if sign_off_key(s.user_id, s.role, s.signed_at, s.content_hash) in made
        ]
        if not mine:
            return
        for state in signature_states(session, record, self.trust(session)):
            if state.status is SignatureStatus.INVALID and state.sign_off_id in {
                s.id for s in mine
            }:
                self._fail("altered_signed", f"{where}: {state.detail}")

    # -- a laptop -------------------------------------------------------------------

    def cursor(self, laptop: Laptop) -> None:
        now = laptop.cursor()
        before = self.cursors.get(laptop.name, 0)
        if now < before:
            self._fail("divergent", f"{laptop.name}'s cursor went back from {before} to {now}")
        self.cursors[laptop.name] = now

    def nothing_lost(self, laptop: Laptop) -> None:
        """After a sync that succeeded: each change the laptop made is on the server, or
        kept there as a conflict with both versions, or was let go by the person."""
        intents = self.ledger.latest(laptop.name)
        if not intents:
            return
        ids = {i.record_id for i in intents}
        with Session(self.engine) as session:
            history = self._history(session, ids)
            signed = {
                sign_off_key(r.user_id, r.role, r.signed_at, r.content_hash)
                for rows in self._sign_offs(session, ids).values()
                for r in rows
            }
            present = set(session.scalars(select(Record.id).where(Record.id.in_(sorted(ids)))))
        with laptop.store.session() as s:
            conflicts = {c.record_id: c for c in s.scalars(select(Conflict))}
            local = {
                r.id: r.answers for r in s.scalars(select(Record).where(Record.id.in_(sorted(ids))))
            }
            deleted_here = {i.record_id for i in intents if i.kind == DELETE}
            for intent in intents:
                if _on_server(intent, history.get(intent.record_id, []), signed, present):
                    continue
                if self.ledger.excused(intent):
                    continue
                unborn = intent.record_id not in present and intent.record_id not in local
                if intent.kind in (CREATE, DELETE) and unborn and intent.record_id in deleted_here:
                    continue  # started and deleted here before the server ever had it
                conflict = conflicts.get(intent.record_id)
                kept = conflict is not None and (conflict.server is not None or conflict.reason)
                if kept and intent.kind == ANSWER:
                    kept = local.get(intent.record_id, {}).get(intent.key) == intent.value
                if not kept:
                    self._fail(
                        "lost",
                        f"{laptop.name}: {intent.kind} {intent.key} {intent.value!r} on "
                        f"{intent.record_id} is neither on the server nor kept as a conflict",
                    )

    def settled(self, laptop: Laptop) -> None:
        """At the end, after everyone settled every conflict they could: none is left
        (one that cannot be settled keeps a record on one laptop for ever)."""
        for record_id in laptop.conflicts():
            self._fail("divergent", f"{laptop.name}: the conflict on {record_id} cannot be settled")

    def same_as_server(self, laptop: Laptop, *, deep: bool) -> None:
        """After a sync that succeeded: the cache holds what the server holds in this
        person's scope (conflicts apart: their server copy is the server's current one)."""
        user = laptop.user
        with Session(self.engine) as session:
            viewer = load_viewer(session, user.id, user.employee_id, user.roles, False)
            server = {
                row.id: (row.server_rev, row.status, row.deleted, row.answers)
                for row in session.execute(
                    select(
                        Record.id, Record.server_rev, Record.status, Record.deleted, Record.answers
                    ).where(viewer.record_filter())
                )
            }
            ids = set(server) if deep else self.ledger.records() & set(server)
            server_signed = _sign_off_sets(self._sign_offs(session, ids))
        with laptop.store.session() as s:
            conflicts = {c.record_id: c for c in s.scalars(select(Conflict))}
            cache = {
                row.id: (row.server_rev, row.status, row.deleted, row.answers)
                for row in s.execute(
                    select(
                        Record.id, Record.server_rev, Record.status, Record.deleted, Record.answers
                    )
                )
            }
            dirty = set(s.scalars(select(Record.id).where(Record.dirty)))
            local_signed = _sign_offs_of(s, ids - set(conflicts))
        name = laptop.name
        for record_id in sorted(dirty - set(conflicts)):
            self._fail("divergent", f"{name} still holds unsent work on {record_id}")
        missing = set(server) - set(cache) - set(conflicts)
        extra = set(cache) - set(server) - set(conflicts)
        if missing or extra:
            self._fail(
                "divergent", f"{name}: missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"
            )
        for record_id, held in cache.items():
            if record_id in conflicts:
                copy = conflicts[record_id].server
                if copy and record_id in server and copy["server_rev"] != server[record_id][0]:
                    self._fail(
                        "divergent", f"{name}: the conflict on {record_id} holds an old version"
                    )
                continue
            if held[2] and server[record_id][2]:  # deleted: what it held is moot
                held, server[record_id] = held[:3], server[record_id][:3]
            if held != server[record_id]:
                self._fail(
                    "divergent",
                    f"{name}: {record_id} is {held[:3]}, server {server[record_id][:3]}",
                )
        for record_id in ids - set(conflicts):
            if local_signed.get(record_id, set()) != server_signed.get(record_id, set()):
                self._fail("divergent", f"{name}: the sign-offs of {record_id} differ")


def _on_server(
    intent: Intent, changes: list[dict[str, Any]], signed: set[Any], present: set[str]
) -> bool:
    if intent.kind == ANSWER:
        return any((p.get("answers") or {}).get(intent.key) == intent.value for p in changes)
    if intent.kind == CREATE:
        return intent.record_id in present
    if intent.kind == DELETE:
        return any(p.get("deleted") is True for p in changes)
    if intent.kind == STATUS:
        return any(p.get("status") == intent.value for p in changes)
    if intent.kind == RESTORE:
        return any((p.get("note") or {}).get("restored") for p in changes)
    if intent.kind == SIGN:
        return intent.value[0] in signed
    raise AssertionError(intent.kind)


def _sign_off_sets(rows: dict[str, list[SignOff]]) -> dict[str, set[Any]]:
    return {
        record_id: {
            (
                sign_off_key(r.user_id, r.role, r.signed_at, r.content_hash),
                r.signature,
                r.superseded_at is not None,
            )
            for r in signed
        }
        for record_id, signed in rows.items()
    }


def _sign_offs_of(session: Session, ids: set[str]) -> dict[str, set[Any]]:
    found: dict[str, list[SignOff]] = defaultdict(list)
    for row in session.scalars(select(SignOff).where(SignOff.record_id.in_(sorted(ids)))):
        found[row.record_id].append(row)
    return _sign_off_sets(found)
