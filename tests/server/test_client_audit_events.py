"""A record opened on a laptop is told to the server's audit log at the next sync, with
the record and its person; a retried or refused batch neither loses nor repeats it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lcc_apr.models import PushBatch, RecordEvent, now_utc
from lcc_apr.ops.audit import PRINTED, tell_server
from lcc_apr.ops.editing import open_record
from lcc_apr.ops.user import CurrentUser
from lcc_apr.server.tables import AuditEntry, IdempotentReply

from .test_client_sync import CATALOGUE, device, draft_supervision, manager_with_draft  # noqa: F401


def waiting(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(RecordEvent))


def test_records_opened_and_printed_reach_the_servers_audit_at_the_next_sync(live_server, request):
    make = request.getfixturevalue("device")  # test_client_sync's
    manager = manager_with_draft(live_server)
    record_id = draft_supervision(live_server, manager)
    laptop = make(manager.username)
    laptop.sync()
    user = CurrentUser.from_server(laptop.connection.user.model_dump())
    open_record(laptop.store, record_id=record_id, user=user, catalogue=CATALOGUE)
    tell_server(laptop.store, PRINTED, [record_id])
    assert waiting(laptop.store) == 2
    with live_server.session() as s:
        before = s.scalar(select(func.count()).where(AuditEntry.record_id == record_id))
    assert before == 0

    laptop.sync()  # nothing else to push: the events go on their own
    with live_server.session() as s:
        rows = s.execute(
            select(AuditEntry.event, AuditEntry.user_id, AuditEntry.subject_id).where(
                AuditEntry.record_id == record_id
            )
        ).all()
        subject = live_server.records(id=record_id)[0].subject_id
    assert sorted(rows) == [("printed", manager.id, subject), ("viewed", manager.id, subject)]
    assert waiting(laptop.store) == 0
    with laptop.store.session() as s:
        assert s.scalar(select(func.count()).select_from(PushBatch)) == 0
    laptop.sync()  # sent once
    with live_server.session() as s:
        again = s.scalar(select(func.count()).where(AuditEntry.record_id == record_id))
    assert again == 2


def test_events_of_a_batch_refused_for_its_key_go_again_under_a_new_one(live_server, request):
    make = request.getfixturevalue("device")
    manager = manager_with_draft(live_server)
    record_id = draft_supervision(live_server, manager)
    laptop = make(manager.username)
    laptop.sync()
    tell_server(laptop.store, PRINTED, [record_id])
    laptop.sync()
    with live_server.session() as s:  # a key the server now holds for that first body
        held = s.scalars(select(IdempotentReply.key).where(IdempotentReply.user_id == manager.id))
        key = list(held)[-1]
    later = (now_utc() + timedelta(minutes=1)).isoformat()
    with laptop.store.session() as s:  # a pending batch under that key, with other events
        body = {
            "key": key,
            "records": [],
            "events": [{"record_id": record_id, "event": "viewed", "at": later}],
        }
        s.add(PushBatch(key=key, body=body, revs={}, created_at=now_utc()))
    laptop.sync()  # 422 key_reused: the events go back in the table, then in a new batch
    with live_server.session() as s:
        events = s.scalars(
            select(AuditEntry.event)
            .where(AuditEntry.record_id == record_id)
            .order_by(AuditEntry.id)
        ).all()
    assert events == ["printed", "viewed"]
    assert waiting(laptop.store) == 0
