"""Real conflicts made in a demo store, as a sync would make them, without a server.

A server copy is taken in (lcc_apr.sync.apply.take_records), edited here
(lcc_apr.history), and a newer server version changing the same answers is taken in on
top. Qt-free: the ops tests and the conflicts dialog's tests both use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from lcc_apr.forms import Catalogue
from lcc_apr.history import update_record
from lcc_apr.models import Conflict, Employee, Record, User
from lcc_apr.store import Store
from lcc_apr.sync.apply import take_records
from lcc_apr.sync.protocol import RecordWire

CATALOGUE = Catalogue.load()
MANAGER = "rtebbutt"  # manages 10 people in the 50-person demo (seed 2020)
AT = datetime(2026, 11, 30, 9, tzinfo=UTC)
R1 = "00000000-0000-4000-8000-000000000001"  # record ids are UUIDs on the wire
R2 = "00000000-0000-4000-8000-000000000002"
R3 = "00000000-0000-4000-8000-000000000003"


@dataclass
class Maker:
    """Makes conflicted supervision records in one store, as the manager's laptop."""

    store: Store
    user_id: int
    subject_id: int
    subject_name: str

    def wire(self, rid: str, rev: int, answers: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "id": rid,
            "kind": "supervision",
            "subject_id": self.subject_id,
            "author_id": self.user_id,
            "template_id": "supervision",
            "template_version": 1,
            "answers": answers,
            "status": "draft",
            "record_date": "2026-11-02",
            "created_at": AT.isoformat(),
            "updated_at": AT.isoformat(),
            "deleted": False,
            "server_rev": rev,
            **extra,
        }

    def take(self, *wires: dict[str, Any]) -> tuple[int, int]:
        """Take server versions in, read as the transport reads them."""
        records = [RecordWire.model_validate(w) for w in wires]
        with self.store.session() as s:
            return take_records(s, records, catalogue=CATALOGUE, at=AT)

    def edit(self, rid: str, answers: dict[str, Any], status: str | None = None) -> None:
        with self.store.session() as s:
            record = s.get(Record, rid)
            update_record(s, record, user_id=self.user_id, at=AT, answers=answers, status=status)

    def conflict(
        self,
        base: dict[str, Any],
        mine: dict[str, Any],
        theirs: dict[str, Any],
        *,
        rid: str = R1,
        **server: Any,
    ) -> str:
        """Server rev 5 = base; edited here to `mine`; server rev 7 = base + `theirs`."""
        self.take(self.wire(rid, 5, base))
        self.edit(rid, mine)
        assert self.take(self.wire(rid, 7, {**base, **theirs}, **server)) == (1, 1)
        return rid

    def refused(self, rid: str, reason: str, *, with_server: bool = True) -> str:
        """A change the server refused outright (as SyncEngine._take_push_reply stores it)."""
        self.take(self.wire(rid, 5, {"workload": "Heavy"}))
        self.edit(rid, {"workload": "Rewritten here", "learning": "Course"})
        server = self.wire(rid, 6, {"workload": "Heavy, agreed"}) if with_server else None
        with self.store.session() as s:
            s.add(
                Conflict(
                    record_id=rid,
                    server_rev=6 if with_server else 5,
                    server=server,
                    fields=[],
                    reason=reason,
                    created_at=AT,
                )
            )
        return rid

    def out_of_view(self, rid: str) -> str:
        """Unsent work on a record that then left this person's view (a pull's removal)."""
        from lcc_apr.sync.apply import remove_records

        self.take(self.wire(rid, 5, {"workload": "Heavy"}))
        self.edit(rid, {"workload": "Rewritten here"})
        with self.store.session() as s:
            remove_records(s, [rid], at=AT)
        return rid

    def record(self, rid: str = R1) -> Record:
        with self.store.session() as s:
            record = s.get(Record, rid)
            s.expunge(record)
            return record

    def conflict_row(self, rid: str = R1) -> Conflict | None:
        with self.store.session() as s:
            return s.get(Conflict, rid)


def maker_for(store: Store, username: str = MANAGER) -> Maker:
    """A Maker for the demo manager and their first report, in `store`."""
    with store.session() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        report = s.scalars(
            select(Employee)
            .where(Employee.line_manager_id == user.employee_id)
            .order_by(Employee.id)
        ).first()
        assert report is not None
        return Maker(store, user.id, report.id, report.display_name)
