"""The desktop sync engine against a real server on 127.0.0.1 (tests/server/conftest.py).

Devices are encrypted local stores; edits are made offline through lcc_apr.history
and travel only through SyncEngine.run().
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from lcc_apr.forms import Catalogue
from lcc_apr.history import delete_record, history, update_record, verify_history
from lcc_apr.models import (
    Conflict,
    PushBatch,
    Record,
    RecordChange,
    RecordKind,
    SyncState,
    User,
    now_utc,
)
from lcc_apr.server.accounts import disable_user
from lcc_apr.server.org import OrgError, move_employee
from lcc_apr.server.tables import AuditEntry
from lcc_apr.store import Store, open_store
from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.errors import AccountDisabled, Cancelled, NetworkError, SyncError
from lcc_apr.sync.settle import accept_server_version, resolve_conflict, restore_deleted
from lcc_apr.sync.transport import Connection, Tokens

from ..conftest import MemoryKeyring

CATALOGUE = Catalogue.load()


@dataclass
class Device:
    store: Store
    connection: Connection
    engine: SyncEngine
    ring: MemoryKeyring

    def sync(self, cancel: threading.Event | None = None):
        return self.engine.run(cancel)

    def records(self) -> dict[str, tuple]:
        with self.store.session() as s:
            return {r.id: (r.answers, r.status, r.server_rev) for r in s.scalars(select(Record))}

    def edit(self, record_id: str, **answers) -> None:
        with self.store.session() as s:
            record = s.get(Record, record_id)
            update_record(s, record, user_id=self.connection.user.id, at=now_utc(), answers=answers)


@pytest.fixture
def device(tmp_path: Path, live_server):
    made: list[Device] = []

    def make(
        username: str,
        *,
        transport: httpx.BaseTransport | None = None,
        name: str = "a",
        progress=None,
        page_limit: int = 500,
        snapshot_limit: int = 5000,
        first_snapshot: bool = True,
    ) -> Device:
        ring = MemoryKeyring()
        store = open_store(tmp_path / f"{name}.db", keyring_backend=ring)
        connection = Connection(
            live_server.url, tokens=Tokens(ring), allow_plain_local=True, transport=transport
        )
        connection.login(username, "demo")
        engine = SyncEngine(
            store,
            connection,
            CATALOGUE,
            sleep=lambda s: None,
            on_progress=progress,
            page_limit=page_limit,
            snapshot_limit=snapshot_limit,
            first_snapshot=first_snapshot,
        )
        made.append(Device(store, connection, engine, ring))
        return made[-1]

    yield make
    for d in made:
        d.connection.close()
        d.store.close()


def visible_ids(live_server, user) -> set[str]:
    """What the server itself lists for this user (its tests check the scope rules)."""
    items, _ = live_server.login(user.username).pull_all()
    return {i["record"]["id"] for i in items if "record" in i}


def team_ids(live_server, manager) -> set[str]:
    reports = {u.employee_id for u in live_server.people.reports(manager)}
    with live_server.session() as s:
        return set(s.scalars(select(Record.id).where(Record.subject_id.in_(reports))))


def draft_supervision(live_server, manager) -> str:
    reports = {u.employee_id for u in live_server.people.reports(manager)}
    with live_server.session() as s:
        return s.scalars(
            select(Record.id).where(
                Record.subject_id.in_(reports),
                Record.kind == RecordKind.SUPERVISION,
                Record.status == "draft",
            )
        ).first()


def manager_with_draft(live_server):
    for manager in live_server.people.managers:
        if draft_supervision(live_server, manager):
            return manager
    pytest.fail("the demo has no manager with a draft supervision")


def test_a_first_sync_brings_exactly_the_managers_team(live_server, device):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    result = laptop.sync()
    assert set(laptop.records()) == visible_ids(live_server, manager)
    assert team_ids(live_server, manager) <= set(laptop.records())
    assert result.received == len(laptop.records()) and result.conflicts == 0
    assert "Sent 0, received" in result.summary()
    assert laptop.sync().received == 0  # nothing new the second time


def test_offline_edits_on_two_laptops_converge(live_server, device):
    manager = manager_with_draft(live_server)
    record_id = draft_supervision(live_server, manager)
    a, b = device(manager.username, name="a"), device(manager.username, name="b")
    a.sync(), b.sync()
    a.edit(record_id, workload="Caseload of 22, two complex")
    b.edit(record_id, learning="Booked onto the safeguarding refresher")
    assert a.sync().sent == 1
    result = b.sync()
    assert result.conflicts == 0 and result.sent == 1
    a.sync()
    server = {r.id: (r.answers, r.status, r.server_rev) for r in live_server.records()}
    assert a.records()[record_id] == b.records()[record_id] == server[record_id]
    assert server[record_id][0]["workload"].startswith("Caseload of 22")
    assert server[record_id][0]["learning"].startswith("Booked")


def test_the_same_field_changed_twice_is_surfaced_then_resolved(live_server, device):
    manager = manager_with_draft(live_server)
    record_id = draft_supervision(live_server, manager)
    a, b = device(manager.username, name="a"), device(manager.username, name="b")
    a.sync(), b.sync()
    a.edit(record_id, workload="From laptop A")
    b.edit(record_id, workload="From laptop B")
    a.sync()
    assert b.sync().conflicts == 1
    with b.store.session() as s:
        conflict = s.get(Conflict, record_id)
        assert conflict.fields == ["workload"]
        assert conflict.server["answers"]["workload"] == "From laptop A"
        mine = s.get(Record, record_id).answers
        assert mine["workload"] == "From laptop B"  # both versions kept
    assert b.sync().sent == 0  # not pushed until the person decides
    resolve_conflict(
        b.store,
        record_id,
        answers={**mine, "workload": "B's wording, agreed"},
        user_id=b.connection.user.id,
    )
    assert b.sync().sent == 1
    a.sync()
    assert a.records()[record_id][0]["workload"] == "B's wording, agreed"


def local_copy(laptop: Device, record_id: str) -> tuple[dict, bool, bool]:
    """(answers, deleted, dirty) of one record on a laptop."""
    with laptop.store.session() as s:
        record = s.get(Record, record_id)
        return record.answers, record.deleted, record.dirty


def draft_hr_may_see(live_server, hr) -> tuple:
    """(manager, draft supervision id) about someone other than HR themself."""
    for manager in live_server.people.managers:
        reports = {u.employee_id for u in live_server.people.reports(manager)} - {hr.employee_id}
        with live_server.session() as s:
            found = s.scalars(
                select(Record.id).where(
                    Record.subject_id.in_(reports),
                    Record.kind == RecordKind.SUPERVISION,
                    Record.status == "draft",
                )
            ).first()
        if found:
            return manager, found
    pytest.fail("the demo has no draft supervision HR may see")


def test_a_record_deleted_on_the_server_can_be_restored_with_my_answers(live_server, device):
    hr = live_server.people.hr[0]
    manager, record_id = draft_hr_may_see(live_server, hr)
    a, b = device(manager.username, name="a"), device(manager.username, name="b")
    office = device(hr.username, name="hr")
    a.sync(), b.sync(), office.sync()
    a.edit(record_id, workload="A's answer, written offline", learning="A's course")
    with b.store.session() as s:  # the manager deletes the draft on another laptop
        delete_record(s, s.get(Record, record_id), user_id=manager.id, at=now_utc())
    assert b.sync().sent == 1
    (deleted,) = live_server.records(id=record_id)
    assert deleted.deleted
    office.sync()
    assert local_copy(office, record_id)[1]  # HR's laptop took the deletion in

    assert a.sync().conflicts == 1
    with a.store.session() as s:
        assert s.get(Conflict, record_id).fields == ["(deleted on the server)"]
    assert a.sync().sent == 0  # nothing goes up until the person decides
    restore_deleted(a.store, record_id, user_id=a.connection.user.id)
    result = a.sync()
    assert result.sent == 1 and result.refused == [] and result.conflicts == 0

    (restored,) = live_server.records(id=record_id)
    assert not restored.deleted and restored.deleted_at is None
    assert restored.answers["workload"] == "A's answer, written offline"
    assert restored.answers["learning"] == "A's course"
    assert restored.server_rev > deleted.server_rev
    with live_server.session() as s:
        changes = history(s, record_id)
        assert verify_history(s, restored) == []
        back = next(c for c in changes if c.patch.get("deleted") is False)
        assert back.patch["note"] == {"restored": True} and back.user_id == manager.id
        assert changes[-1].patch["answers"]["workload"] == "A's answer, written offline"
        audit = s.scalars(select(AuditEntry.outcome).where(AuditEntry.user_id == manager.id))
        assert "restored" in list(audit)
    answers, gone, dirty = local_copy(a, record_id)
    assert answers == restored.answers and not gone and not dirty
    for other in (b, office):
        other.sync()
        assert local_copy(other, record_id) == (restored.answers, False, False)
        assert other.records()[record_id][2] == restored.server_rev
    assert a.sync().sent == 0  # settled: nothing more to send


class DropFirstPushReply(httpx.HTTPTransport):
    """Delivers the first push, then loses the server's answer (a dropped connection)."""

    dropped = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path == "/sync/push" and not self.dropped:
            response.read()
            self.dropped += 1
            raise httpx.ReadError("connection dropped after the server answered")
        return response


def test_a_push_whose_answer_is_lost_is_applied_once(live_server, device):
    manager = manager_with_draft(live_server)
    record_id = draft_supervision(live_server, manager)
    transport = DropFirstPushReply()
    laptop = device(manager.username, transport=transport)
    laptop.sync()
    with live_server.session() as s:
        before = s.scalar(select(func.count()).where(RecordChange.record_id == record_id))
    laptop.edit(record_id, workload="Sent once, answered twice")
    result = laptop.sync()
    assert transport.dropped == 1 and result.sent == 1
    with live_server.session() as s:
        after = s.scalar(select(func.count()).where(RecordChange.record_id == record_id))
    assert after == before + 1
    with laptop.store.session() as s:
        assert not s.get(Record, record_id).dirty


class LosePushReplies(httpx.HTTPTransport):
    """While `cut` is set, each push reaches the server and its answer is lost."""

    cut = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path == "/sync/push" and self.cut:
            response.read()
            raise httpx.ReadError("connection dropped after the server answered")
        return response


def applied_but_unanswered(live_server, device) -> tuple[Device, LosePushReplies, str]:
    """A laptop whose edit reached the server while every answer to it was lost."""
    manager = manager_with_draft(live_server)
    record_id = draft_supervision(live_server, manager)
    transport = LosePushReplies()
    laptop = device(manager.username, transport=transport)
    laptop.sync()
    laptop.edit(record_id, workload="First: it reached the server, its answer was lost")
    transport.cut = True
    with pytest.raises(NetworkError):
        laptop.sync()
    (server,) = live_server.records(id=record_id)
    assert server.answers["workload"].startswith("First")
    transport.cut = False
    return laptop, transport, record_id


def settled(live_server, laptop: Device, record_id: str) -> Record:
    """The server's copy, checked equal to the laptop's, clean and with nothing pending."""
    (server,) = live_server.records(id=record_id)
    assert laptop.records()[record_id] == (server.answers, server.status, server.server_rev)
    with laptop.store.session() as s:
        assert not s.get(Record, record_id).dirty
        assert s.scalar(select(func.count()).select_from(PushBatch)) == 0
        assert s.get(Conflict, record_id) is None
    return server


def test_an_edit_made_after_a_lost_push_answer_reaches_the_server(live_server, device):
    laptop, _, record_id = applied_but_unanswered(live_server, device)
    laptop.edit(record_id, workload="Second: made after the answer was lost")
    result = laptop.sync()
    server = settled(live_server, laptop, record_id)
    assert server.answers["workload"] == "Second: made after the answer was lost"
    assert result.sent == 2 and result.conflicts == 0  # the first batch again, then the edit
    assert laptop.sync().sent == 0


def test_a_key_the_server_holds_for_another_body_is_dropped_and_sent_afresh(live_server, device):
    laptop, _, record_id = applied_but_unanswered(live_server, device)
    with laptop.store.session() as s:  # as if the pending batch were not what was first sent
        batch = s.scalars(select(PushBatch)).one()
        body = copy.deepcopy(batch.body)
        body["records"][0]["answers"]["workload"] = "Not what was sent under this key"
        batch.body = body
        key = batch.key
    laptop.edit(record_id, learning="Second: made after the answer was lost")
    result = laptop.sync()  # 422 key_reused; sent afresh: a conflict (base_rev), merged
    server = settled(live_server, laptop, record_id)
    assert server.answers["workload"].startswith("First")
    assert server.answers["learning"] == "Second: made after the answer was lost"
    assert result.sent == 1 and result.conflicts == 0 and result.refused == []
    with laptop.store.session() as s:
        assert s.get(PushBatch, key) is None


def test_an_interrupted_pull_resumes_where_it_stopped(live_server, device):
    server = live_server
    hr = server.people.hr[0]
    cancel = threading.Event()
    pages = []

    def progress(p):
        if p.stage == "receiving":
            pages.append(p.records)
            if len(pages) == 3:
                cancel.set()

    laptop = device(hr.username, progress=progress, page_limit=10, first_snapshot=False)
    with pytest.raises(Cancelled):
        laptop.sync(cancel)
    assert len(laptop.records()) == 30
    with laptop.store.session() as s:
        cursor = s.get(SyncState, 1).cursor
    assert cursor > 0
    laptop.sync()
    assert set(laptop.records()) == visible_ids(server, hr)


def test_the_server_refuses_an_employee_changing_the_managers_fields(live_server, device):
    employee = next(
        u
        for u in live_server.people.employees
        if any(
            r.status == "shared" and r.kind == RecordKind.SUPERVISION
            for r in live_server.records(subject_id=u.employee_id)
        )
    )
    laptop = device(employee.username)
    laptop.sync()
    shared = next(
        r
        for r in live_server.records(
            subject_id=employee.employee_id, kind=RecordKind.SUPERVISION, status="shared"
        )
    )
    laptop.edit(shared.id, workload="I have rewritten my manager's notes")
    result = laptop.sync()
    assert result.sent == 0 and len(result.refused) == 1
    with laptop.store.session() as s:
        conflict = s.get(Conflict, shared.id)
        assert conflict.reason and conflict.server["answers"] == shared.answers
    assert live_server.records(id=shared.id)[0].answers == shared.answers
    accept_server_version(laptop.store, shared.id)  # "Discard my change"
    assert laptop.records()[shared.id][0] == shared.answers
    assert laptop.sync().refused == []


def test_a_disabled_account_wipes_the_cache_and_tokens(live_server, device):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    assert laptop.records()
    with live_server.session() as s:
        disable_user(s, s.get(User, manager.id))
    with pytest.raises(AccountDisabled):
        laptop.sync()
    assert laptop.records() == {}
    assert laptop.ring.items == {} or all(
        not k[1].startswith("refresh:") for k in laptop.ring.items
    )


def test_moving_an_employee_takes_their_records_off_the_old_managers_laptop(live_server, device):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    leaver = live_server.people.reports(manager)[0]
    theirs = {r.id for r in live_server.records(subject_id=leaver.employee_id)}
    assert theirs <= set(laptop.records())
    for other in live_server.people.managers:  # any manager outside the leaver's own team
        if other.id == manager.id:
            continue
        try:
            with live_server.session() as s:
                move_employee(s, leaver.employee_id, other.employee_id, indirect_reports=False)
            break
        except OrgError:
            continue
    result = laptop.sync()
    assert result.removed == len(theirs)
    assert not theirs & set(laptop.records())


def test_plain_http_is_refused_except_to_this_computer_in_demo_mode():
    tokens = Tokens(None)
    with pytest.raises(SyncError, match="https://"):
        Connection("http://apr.example.gov.uk", tokens=tokens, allow_plain_local=True)
    with pytest.raises(SyncError, match="https://"):
        Connection("http://127.0.0.1:8000", tokens=tokens)
    Connection("http://127.0.0.1:8000", tokens=tokens, allow_plain_local=True).close()


def test_an_amendment_made_offline_reaches_the_server_with_its_reason(live_server, device):
    from lcc_apr.models import Role
    from lcc_apr.workflow import Actor, take_step

    manager = live_server.people.managers[0]
    reports = {u.employee_id for u in live_server.people.reports(manager)}
    done = next(
        r
        for r in live_server.records(kind=RecordKind.SUPERVISION, status="completed")
        if r.subject_id in reports
    )
    laptop = device(manager.username)
    laptop.sync()
    actor = Actor(manager.id, frozenset({Role.MANAGER, Role.EMPLOYEE}), is_line_manager=True)
    with laptop.store.session() as s:
        record = s.get(Record, done.id)
        take_step(
            s,
            record,
            "amend",
            actor=actor,
            at=now_utc(),
            template=CATALOGUE.get(record.template_id, record.template_version),
            reason="The meeting date was recorded wrongly",
        )
    assert laptop.sync().sent == 1
    assert live_server.records(id=done.id)[0].status == "draft"
    with live_server.session() as s:
        last = s.scalars(
            select(RecordChange)
            .where(RecordChange.record_id == done.id)
            .order_by(RecordChange.seq.desc())
        ).first()
        assert "recorded wrongly" in str(last.patch)


def test_an_expired_access_token_is_refreshed_without_asking(live_server, device):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    old_refresh = laptop.connection.tokens.load(laptop.connection._entry())
    laptop.connection._access = "expired.or.forged.token"
    assert laptop.sync().received == 0
    new_refresh = laptop.connection.tokens.load(laptop.connection._entry())
    assert new_refresh and new_refresh != old_refresh  # rotated on use
    assert ("lcc-apr", laptop.connection._entry()) in laptop.ring.items  # kept in the keyring


def test_a_laptop_restarted_later_resumes_from_the_keyring(live_server, device, tmp_path):
    manager = live_server.people.managers[0]
    laptop = device(manager.username)
    laptop.sync()
    again = Connection(live_server.url, tokens=Tokens(laptop.ring), allow_plain_local=True)
    assert again.resume(manager.username)
    assert again.organisation()[0].employees
    again.close()


def test_a_pull_that_dies_inside_a_page_leaves_no_half_page(live_server, device, monkeypatch):
    from lcc_apr.sync import engine as engine_module

    hr = live_server.people.hr[0]
    laptop = device(hr.username, page_limit=25, first_snapshot=False)
    real_take = engine_module.take_records
    calls = []

    def dies_on_the_third_page(session, wires, **kw):
        calls.append(len(wires))
        real_take(session, wires[: len(wires) // 2], **kw)  # half the page is written...
        if len(calls) == 3:
            raise RuntimeError("power cut")  # ...then the process dies
        return real_take(session, wires[len(wires) // 2 :], **kw)

    monkeypatch.setattr(engine_module, "take_records", dies_on_the_third_page)
    with pytest.raises(RuntimeError):
        laptop.sync()
    assert len(laptop.records()) == 50  # two whole pages, nothing of the third
    monkeypatch.setattr(engine_module, "take_records", real_take)
    laptop.sync()
    assert set(laptop.records()) == visible_ids(live_server, hr)


def test_a_draft_deleted_before_it_was_ever_sent_leaves_the_laptop(live_server, device):
    """Found by tests/reliability: the server refused the new, deleted record at every
    sync ("never had it"), a conflict nobody could settle."""
    from datetime import date

    from lcc_apr.ops.records import delete_draft, start_record
    from lcc_apr.ops.user import CurrentUser
    from lcc_apr.policy import load_policy

    manager = live_server.people.managers[0]
    report = live_server.people.reports(manager)[0]
    laptop = device(manager.username)
    laptop.sync()
    me = CurrentUser.from_server(laptop.connection.user.model_dump())
    started = start_record(
        laptop.store,
        user=me,
        kind=RecordKind.SUPERVISION,
        subject_id=report.employee_id,
        catalogue=CATALOGUE,
        policy=load_policy(),
        today=date.today(),
        at=now_utc(),
    )
    delete_draft(laptop.store, user=me, record_id=started.record_id, at=now_utc())
    result = laptop.sync()
    assert (result.sent, result.refused, result.conflicts) == (0, [], 0)
    assert started.record_id not in laptop.records()
    assert live_server.records(id=started.record_id) == []
    with laptop.store.session() as s:
        assert s.get(Conflict, started.record_id) is None
