"""Backup and restore of the server (lcc_apr/server/backup.py, archive.py), on SQLite and
PostgreSQL, and real laptops syncing with a server restored from a backup they pulled past.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.history import create_record, update_record, verify_history
from lcc_apr.models import Conflict, Record, RecordKind, SyncState, User, now_utc
from lcc_apr.server import create_app
from lcc_apr.server.archive import CHUNK, MAGIC, TAG, Cost
from lcc_apr.server.backup import BackupError, make_backup, restore_backup
from lcc_apr.server.cli import EXIT_OK, EXIT_PROBLEM, main
from lcc_apr.server.db import make_engine
from lcc_apr.server.tables import ServerMeta
from lcc_apr.store import open_store
from lcc_apr.sync.engine import SyncEngine
from lcc_apr.sync.transport import Connection, Tokens

from ..conftest import MemoryKeyring
from .databases import copy_database, pg_admin
from .harness import AS_OF, SECRET, server_settings

PASSPHRASE = "a long operator passphrase"
CHEAP = Cost(iterations=1, memory_kib=8 * 1024, lanes=1)
CATALOGUE = Catalogue.load()


@pytest.fixture
def cheap_archives(monkeypatch):
    """Archives sealed at a low Argon2id cost (the header carries it to restore), in
    parts of 256 KiB (a small database still makes several)."""
    monkeypatch.setattr("lcc_apr.server.archive.COST", CHEAP)
    monkeypatch.setattr("lcc_apr.server.archive.CHUNK", 256 * 1024)


@pytest.fixture
def database(server_template, tmp_path):
    """A copy of the demo server's database: its url (dropped afterwards)."""
    url, drop = copy_database(server_template, tmp_path)
    yield url
    drop()


def snapshot(url: str) -> dict[str, object]:
    engine = make_engine(url)
    with Session(engine) as s:
        found = {
            "records": sorted(
                (r.id, r.server_rev, r.status, str(r.answers)) for r in s.scalars(select(Record))
            ),
            "users": sorted(s.scalars(select(User.username))),
            "changes": s.execute(text("SELECT count(*) FROM record_changes")).scalar_one(),
            "meta": s.execute(select(ServerMeta.epoch, ServerMeta.seq)).one(),
        }
    engine.dispose()
    return found


def test_a_restored_server_has_everything_and_a_new_epoch(
    database, server_template, tmp_path, cheap_archives
):
    settings = server_settings(database)
    config = tmp_path / "server.toml"
    config.write_text('organisation_name = "Test Council"\n')
    archive = tmp_path / "backups" / "server.lccbackup"
    before = snapshot(database)
    summary = make_backup(settings, archive, PASSPHRASE, config=config)
    assert summary.files == ["signing-ca.pem", "signing-ca.key", "settings.toml"]
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with pytest.raises(BackupError, match="already exists"):
        make_backup(settings, archive, PASSPHRASE)

    new = tmp_path / "new machine"
    if server_template.backend == "sqlite":  # a new machine
        target = f"sqlite:///{new / 'server.db'}"
    else:  # the schema is lost, then restored where it was
        target = database
        schema = make_url(database).query["options"].split("=", 1)[1]
        pg_admin(f"DROP SCHEMA {schema} CASCADE")
    restored = restore_backup(
        archive,
        PASSPHRASE,
        config=new / "server.toml",
        database_url=target,
        secret_key=SECRET,
        ca_cert_file=new / "ca.pem",
        ca_key_file=new / "ca.key",
    )
    after = snapshot(target)
    assert after["records"] == before["records"] and after["users"] == before["users"]
    assert after["changes"] == before["changes"]
    assert after["meta"][1] == before["meta"][1]  # the sequence goes on from the backup's
    assert restored.epoch == after["meta"][0] != before["meta"][0]
    assert restored.records == len(before["records"])
    cert, key = settings.ca_files()
    assert (new / "ca.pem").read_bytes() == cert.read_bytes()
    assert (new / "ca.key").read_bytes() == key.read_bytes()
    assert (new / "server.toml").read_text() == config.read_text()
    for private in (new / "ca.key", new / "server.toml"):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    if server_template.backend == "sqlite":
        assert stat.S_IMODE((new / "server.db").stat().st_mode) == 0o600


def test_restore_replaces_data_only_when_forced(database, tmp_path, cheap_archives):
    settings = server_settings(database)
    archive = tmp_path / "server.lccbackup"
    make_backup(settings, archive, PASSPHRASE)
    backed_up = snapshot(database)
    engine = make_engine(database)
    with engine.begin() as c:  # a change made after the backup
        c.execute(update(Record).where(Record.status == "draft").values(answers={"x": "later"}))
    engine.dispose()
    changed = snapshot(database)
    place = {"database_url": database, "secret_key": SECRET, **ca_of(settings)}
    with pytest.raises(BackupError, match="holds users or records.*--force"):
        restore_backup(archive, PASSPHRASE, **place)
    assert snapshot(database) == changed  # nothing replaced, not even the epoch
    restore_backup(archive, PASSPHRASE, force=True, **place)
    again = snapshot(database)
    assert again["records"] == backed_up["records"]
    assert again["meta"][0] not in (backed_up["meta"][0], changed["meta"][0])


def ca_of(settings) -> dict[str, Path]:
    cert, key = settings.ca_files()
    return {"ca_cert_file": cert, "ca_key_file": key}


@pytest.fixture
def cli_server(tmp_path, monkeypatch, cheap_archives):
    """A SQLite server's demo database and signing authority in a data folder, reached
    through the command line's environment; the passphrase in a file."""
    home = tmp_path / "home"
    monkeypatch.setenv("LCC_APR_HOME", str(home))
    monkeypatch.setenv("LCC_APR_SERVER_DATABASE_URL", f"sqlite:///{home / 'server.db'}")
    monkeypatch.setenv("LCC_APR_SERVER_SECRET_KEY", SECRET)
    monkeypatch.delenv("LCC_APR_BACKUP_PASSPHRASE", raising=False)
    (tmp_path / "ca.passphrase").write_text("the CA key's passphrase\n")
    monkeypatch.setenv("LCC_APR_SERVER_CA_PASSPHRASE_FILE", str(tmp_path / "ca.passphrase"))
    assert main(["demo", "--size", "8", "--as-of", "2025-11-30"]) == EXIT_OK
    words = tmp_path / "passphrase"
    words.write_text(PASSPHRASE + "\n")
    archive = tmp_path / "server.lccbackup"
    assert main(["backup", str(archive), "--passphrase-file", str(words)]) == EXIT_OK
    return home, archive, words


def test_the_command_line_refuses_a_short_passphrase_and_a_wrong_one(
    cli_server, tmp_path, capsys, monkeypatch
):
    home, archive, words = cli_server
    capsys.readouterr()
    monkeypatch.setenv("LCC_APR_BACKUP_PASSPHRASE", "short")
    assert main(["backup", str(tmp_path / "other.lccbackup")]) == EXIT_PROBLEM
    assert "at least 12" in capsys.readouterr().err
    assert not (tmp_path / "other.lccbackup").exists()
    database = (home / "server.db").read_bytes()
    monkeypatch.setenv("LCC_APR_BACKUP_PASSPHRASE", PASSPHRASE.upper())
    assert main(["restore", str(archive), "--force"]) == EXIT_PROBLEM
    err = capsys.readouterr().err
    assert "passphrase is wrong" in err and "Nothing was changed" in err
    assert "Traceback" not in err and PASSPHRASE.upper() not in err
    assert (home / "server.db").read_bytes() == database
    monkeypatch.delenv("LCC_APR_BACKUP_PASSPHRASE")
    assert main(["restore", str(archive), "--passphrase-file", str(words), "--force"]) == EXIT_OK
    assert "New epoch" in capsys.readouterr().out


@pytest.mark.parametrize(
    "where",
    ["start", "header", "key check", "first part", "middle", "last byte", "cut short", "cut"],
)
def test_a_damaged_archive_changes_nothing(cli_server, tmp_path, capsys, where):
    home, archive, words = cli_server
    data = bytearray(archive.read_bytes())
    chunks = chunk_starts(bytes(data))
    assert len(chunks) >= 3
    at = {
        "start": 3,
        "header": len(MAGIC) + 10,
        "key check": chunks[0] - TAG + 5,
        "first part": chunks[0] + 100,
        "middle": len(data) // 2,
        "last byte": len(data) - 1,
    }
    if where == "cut short":
        del data[-1000:]
    elif where == "cut":  # the whole last part gone: the new end was not sealed as the end
        del data[chunks[-1] :]
    else:
        data[at[where]] ^= 0x01
    archive.write_bytes(bytes(data))
    files = {p: p.read_bytes() for p in home.iterdir()}
    capsys.readouterr()
    assert main(["restore", str(archive), "--passphrase-file", str(words), "--force"]) == 1
    err = capsys.readouterr().err
    wanted = "passphrase is wrong" if where == "key check" else "damaged|cut short|not an LCC"
    assert err.startswith("lcc-apr-server: ") and "Traceback" not in err
    assert re.search(wanted, err), err
    assert {p: p.read_bytes() for p in home.iterdir()} == files


def chunk_starts(data: bytes) -> list[int]:
    """Where each sealed part of an archive starts (lcc_apr/server/archive.py's layout)."""
    size = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "big")
    at, starts = len(MAGIC) + 4 + size + 32 + TAG, []
    while at < len(data):
        starts.append(at)
        length = int.from_bytes(data[at : at + 4], "big")
        assert length <= CHUNK + TAG
        at += 4 + length
    return starts


# -- real laptops ----------------------------------------------------------------------


class Laptop:
    def __init__(self, live_server, username: str, path: Path) -> None:
        self.ring = MemoryKeyring()
        self.store = open_store(path, keyring_backend=self.ring)
        self.connection = Connection(
            live_server.url, tokens=Tokens(self.ring), allow_plain_local=True
        )
        self.user = self.connection.login(username, "demo")
        self.engine = SyncEngine(self.store, self.connection, CATALOGUE, sleep=lambda s: None)

    def sync(self):
        return self.engine.run()

    def edit(self, record_id: str, **answers) -> None:
        with self.store.session() as s:
            record = s.get(Record, record_id)
            update_record(s, record, user_id=self.user.id, at=now_utc(), answers=answers)

    def records(self) -> dict[str, tuple]:
        with self.store.session() as s:
            return {r.id: (r.answers, r.status, r.deleted) for r in s.scalars(select(Record))}

    def unsettled(self) -> tuple[int, int]:
        """(records not yet sent, open conflicts)"""
        with self.store.session() as s:
            dirty = len(list(s.scalars(select(Record.id).where(Record.dirty))))
            return dirty, len(list(s.scalars(select(Conflict.record_id))))

    def close(self) -> None:
        self.connection.close()
        self.store.close()


def server_copies(live_server) -> dict[str, tuple]:
    return {r.id: (r.answers, r.status, r.deleted) for r in live_server.records()}


def test_laptops_that_pulled_past_a_restored_backup_send_back_what_it_lost(
    live_server, shared_uvicorn, tmp_path, cheap_archives
):
    """Back up; a laptop sends changes and a new record and pulls another laptop's change;
    it changes one more thing without sending it; the server is restored. The laptop's
    next sync notices the new epoch, keeps the unsent change and sends back what the
    server lost; the other laptop sends back its own; every copy converges."""
    manager = next(m for m in live_server.people.managers if drafts(live_server, m))
    draft = drafts(live_server, manager)[0]
    report = live_server.people.reports(manager)[0]
    a = Laptop(live_server, manager.username, tmp_path / "a.db")
    b = Laptop(live_server, manager.username, tmp_path / "b.db")
    try:
        a.sync(), b.sync()
        archive = tmp_path / "server.lccbackup"
        make_backup(live_server.settings, archive, PASSPHRASE)
        backed_up = server_copies(live_server)[draft]

        a.edit(draft, workload="A: sent after the backup")
        new_id = new_supervision(a, report.employee_id)
        assert a.sync().sent == 2
        b.edit(draft, learning="B: sent after the backup")
        b_new = new_supervision(b, report.employee_id)
        assert b.sync().sent == 2
        a.sync()  # pulls B's changes: past the backup
        assert b_new in a.records()
        a.edit(draft, reflection="A: not sent yet")
        assert a.unsettled() == (1, 0)

        restore_backup(
            archive,
            PASSPHRASE,
            force=True,
            database_url=live_server.settings.database_url,
            secret_key=SECRET,
            **ca_of(live_server.settings),
        )
        live_server.engine.dispose()  # the server restarts on the restored database
        switch, _url = shared_uvicorn
        switch.app = create_app(live_server.settings, live_server.engine)
        assert new_id not in server_copies(live_server)
        assert server_copies(live_server)[draft] == backed_up

        result = a.sync()
        with live_server.session() as s:
            epoch = s.scalar(select(ServerMeta.epoch))
        with a.store.session() as s:
            assert s.get(SyncState, 1).epoch == epoch
        assert result.conflicts == 0 and result.refused == []
        assert a.unsettled() == (0, 0)
        assert b_new not in a.records()  # the server lost B's record: B sends it back
        server = server_copies(live_server)
        answers = server[draft][0]
        assert answers["workload"] == "A: sent after the backup"  # lost, sent back
        assert answers["reflection"] == "A: not sent yet"  # kept, sent
        assert answers.get("learning") == backed_up[0].get("learning")  # B's: B sends it
        assert server[new_id] == a.records()[new_id]  # the lost new record, sent back
        assert a.records()[draft] == server[draft]

        assert b.sync().conflicts == 0
        a.sync()
        server = server_copies(live_server)
        assert server[draft][0]["learning"] == "B: sent after the backup"
        assert server[draft][0]["workload"] == "A: sent after the backup"
        for laptop in (a, b):
            assert laptop.unsettled() == (0, 0)
            assert laptop.records() == {i: server[i] for i in laptop.records()}
        assert set(a.records()) == set(b.records()) and b_new in server
        with live_server.session() as s:
            for record_id in (draft, new_id):
                assert verify_history(s, s.get(Record, record_id)) == []
    finally:
        a.close()
        b.close()


def drafts(live_server, manager) -> list[str]:
    reports = {u.employee_id for u in live_server.people.reports(manager)}
    with live_server.session() as s:
        return list(
            s.scalars(
                select(Record.id).where(
                    Record.subject_id.in_(reports),
                    Record.kind == RecordKind.SUPERVISION,
                    Record.status == "draft",
                    Record.deleted.is_(False),
                )
            )
        )


def new_supervision(laptop: Laptop, subject_id: int) -> str:
    template = CATALOGUE.current(RecordKind.SUPERVISION)
    with laptop.store.session() as s:
        record = create_record(
            s,
            kind=RecordKind.SUPERVISION,
            subject_id=subject_id,
            author_id=laptop.user.id,
            template_id=template.id,
            template_version=template.version,
            answers={"workload": "A: a new record after the backup"},
            status="draft",
            record_date=now_utc().date(),
            at=now_utc(),
        )
        return record.id


def test_a_restore_purges_again_what_was_purged_after_the_backup(
    live_server, tmp_path, cheap_archives
):
    """Retention (issue 18): a purge writes its tombstone's fields, and nothing personal,
    to the purge ledger outside the database; restoring a backup made before the purge
    purges the record again and puts its tombstone back in the feed."""
    from lcc_apr.server import purge_ledger, retention
    from lcc_apr.server.tables import RetentionTombstone
    from tests.test_retention import make

    report = live_server.people.employees[0]
    hr = live_server.people.hr[0]
    gone = make(live_server, RecordKind.SUPERVISION, report.employee_id, "completed", "2015-06-01")
    kept = make(live_server, RecordKind.SUPERVISION, report.employee_id, "completed", "2024-06-01")
    ledger = live_server.settings.purge_ledger()
    archive = tmp_path / "before-the-purge.lccbackup"
    make_backup(live_server.settings, archive, PASSPHRASE)

    client = live_server.login(hr.username).client
    assert gone in {d["record_id"] for d in client.post("/hr/retention/due").json()["due"]}
    with Session(live_server.engine) as s:  # a purge rolled back writes nothing
        retention.confirm(s, [gone], hr.id, AS_OF, ledger=ledger)
        s.rollback()
    assert not ledger.exists()
    reply = client.post("/hr/retention/confirm", json={"record_ids": [gone]})
    assert reply.json()["outcomes"][0]["purged"] is True
    (line,) = ledger.read_text().splitlines()
    assert set(json.loads(line)) == {  # the tombstone's fields: no subject, no content
        "record_id",
        "kind",
        "created_on",
        "record_date",
        "trigger_on",
        "due_on",
        "rule",
        "confirmed_by",
        "purged_at",
    }
    assert json.loads(line)["record_id"] == gone
    with ledger.open("a") as f:
        f.write('{"record_id": "cut sh')  # a line cut short by a crash

    summary = restore_backup(
        archive,
        PASSPHRASE,
        force=True,
        database_url=live_server.settings.database_url,
        secret_key=SECRET,
        purge_ledger_file=ledger,
        **ca_of(live_server.settings),
    )
    assert any("1 purge(s) made after this backup" in n for n in summary.notes)
    assert any("1 line(s) of the purge ledger could not be read" in n for n in summary.notes)
    live_server.engine.dispose()
    with Session(live_server.engine) as s:
        assert s.get(Record, gone) is None and s.get(Record, kept) is not None
        stone = s.get(RetentionTombstone, gone)
        assert stone is not None and stone.confirmed_by == hr.id
        assert stone.seq == s.scalar(select(ServerMeta.seq))  # in the new epoch's feed
        checked, problems = retention.check(s)
        assert problems == [] and checked > 0
        assert purge_ledger.reapply(s, ledger).stones == 0  # a second look finds it done
