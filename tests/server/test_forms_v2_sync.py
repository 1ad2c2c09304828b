"""Forms version 2 (issue 19) against a real server: version 1 records stay version 1.

The demo's older supervisions, probation reviews and capability cases are version 1,
the newest year's version 2. A laptop syncs them, opens and saves them in the editor,
prints them and syncs again: every version 1 record's stored answers are the same bytes
on the laptop and the same JSON on the server, and still pass their own template.

The 50-person demo's capability cases all fall in the newest year, so the test adds one
the demo generator writes as before version 2 (`V2_KINDS` empty), under a new id.
"""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text

from lcc_apr.demo import build_organisation, generate_history
from lcc_apr.demo import history as demo_history
from lcc_apr.demo.validity import record_problems
from lcc_apr.editing import EditSession
from lcc_apr.forms import Catalogue
from lcc_apr.history import creation_rows
from lcc_apr.models import Record, RecordKind, now_utc
from lcc_apr.pdf.document import record_document
from lcc_apr.pdf.render import render_record
from lcc_apr.policy import load_policy
from lcc_apr.server import sequence
from lcc_apr.server.demo import _insert, _numbered
from lcc_apr.store import Store, open_store
from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.transport import Connection, Tokens
from lcc_apr.workflow import Actor

from ..conftest import MemoryKeyring
from .harness import AS_OF, DEMO_SIZE

CATALOGUE = Catalogue.load()
KINDS = ("supervision", "probation", "capability")


def stored_bytes(store: Store) -> dict[str, bytes]:
    """Each record's answers column as the store holds it (packed bytes)."""
    with store.session() as s:
        rows = s.connection().execute(text("SELECT id, answers FROM records")).all()
    return {i: bytes(a) if not isinstance(a, str) else a.encode() for i, a in rows}


def server_answers(live_server) -> dict[str, str]:
    with live_server.session() as s:
        rows = s.connection().execute(text("SELECT id, answers FROM records")).all()
    return {i: str(a) for i, a in rows}


def add_version_1_case(live_server, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server demo's capability case as the generator wrote it before version 2."""
    monkeypatch.setattr(demo_history, "V2_KINDS", frozenset())
    org = build_organisation(seed=2020, size=DEMO_SIZE, as_of=AS_OF)  # the server's (conftest)
    kinds = {RecordKind.CAPABILITY}
    made, _ = next(iter(generate_history(org, seed=2020, as_of=AS_OF, kinds=kinds)))
    assert made["template_version"] == 1
    fields = ("kind", "subject_id", "author_id", "template_id", "template_version", "answers")
    record, change = creation_rows(
        **{k: made[k] for k in fields},
        status=made["status"],
        record_date=made["record_date"],
        at=made["created_at"],
        record_id=str(uuid.uuid4()),  # beside the demo's own (version 2) case
    )
    with live_server.session() as s:
        first = sequence.lock(s).take(1)
        _insert(s, list(_numbered([(record, change)], itertools.count(first))))
    return record["id"]


def test_version_1_records_round_trip_unchanged(live_server, tmp_path: Path, monkeypatch):
    add_version_1_case(live_server, monkeypatch)
    hr = live_server.people.hr[0]
    ring = MemoryKeyring()
    store = open_store(tmp_path / "hr.db", keyring_backend=ring)
    connection = Connection(live_server.url, tokens=Tokens(ring), allow_plain_local=True)
    try:
        connection.login(hr.username, "demo")
        engine = SyncEngine(store, connection, CATALOGUE, sleep=lambda s: None)
        engine.run()
        with store.session() as s:
            records = list(s.scalars(select(Record).where(Record.kind.in_(KINDS))))
            old = {
                kind: next(r for r in records if r.kind == kind and r.template_version == 1)
                for kind in KINDS
            }
            newer = {r.kind for r in records if r.template_version == 2}
            rows = {
                r.id: {
                    "kind": r.kind,
                    "template_id": r.template_id,
                    "template_version": r.template_version,
                    "answers": r.answers,
                    "status": r.status,
                    "record_date": r.record_date,
                }
                for r in old.values()
            }
        assert newer == set(KINDS)  # the newest year's are version 2
        laptop, server = stored_bytes(store), server_answers(live_server)
        actor = Actor(hr.id, hr.roles)
        policy = load_policy()
        for kind, record in old.items():
            edit = EditSession(store, record.id, actor=actor, catalogue=CATALOGUE, policy=policy)
            assert edit.template.version == 1, kind
            assert edit.save(now_utc()).written == ()
            assert edit.warnings() == []  # version 1 has no session-length warning
            assert record_problems(CATALOGUE, rows[record.id]) == [], kind
            with store.session() as s:
                document = record_document(s, record.id, CATALOGUE)
            assert document.template_version == 1
            assert render_record(document).startswith(b"%PDF")
        engine.run()
        assert stored_bytes(store) == laptop
        assert server_answers(live_server) == server
        with store.session() as s:
            assert {s.get(Record, r.id).template_version for r in old.values()} == {1}
        assert RecordKind.SUPERVISION in {RecordKind(k) for k in old}
    finally:
        connection.close()
        store.close()
