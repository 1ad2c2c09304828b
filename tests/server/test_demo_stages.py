"""The demo server built in two stages (the app's embedded demo): the team first, then the
rest through the sequence; the same rows as a build in one go, however often interrupted."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from lcc_apr.demo import build_organisation, generate_history
from lcc_apr.forms import Catalogue
from lcc_apr.launch import sign_in_demo
from lcc_apr.models import Record
from lcc_apr.server import ready_cache
from lcc_apr.server.db import make_engine, prepare_database
from lcc_apr.server.demo import (
    add_missing_records,
    demo_team,
    load_server_demo,
    load_server_team,
)
from lcc_apr.server.embedded import EmbeddedServer
from lcc_apr.server.security import Passwords

from ..conftest import MemoryKeyring

SIZE = 120
AS_OF = date(2026, 11, 30)
SEED = 2020


def _database(folder: Path) -> tuple[Engine, Passwords]:
    server = EmbeddedServer(folder, size=SIZE)  # for its settings only
    engine = make_engine(server.settings.database_url)
    prepare_database(engine)
    return engine, Passwords(server.settings)


def _rows(engine: Engine) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    """(records without server_rev, changes without their serial id, the server_revs).
    Each record's hash_rev is its server_rev (its content hash kept at that revision)."""
    with engine.connect() as c:
        records = [dict(r) for r in c.execute(text("SELECT * FROM records ORDER BY id")).mappings()]
        changes = [
            dict(r)
            for r in c.execute(
                text("SELECT * FROM record_changes ORDER BY record_id, seq")
            ).mappings()
        ]
    assert all(r.pop("hash_rev") == r["server_rev"] for r in records)
    revs = sorted(r.pop("server_rev") for r in records)
    for change in changes:
        change.pop("id")
    return records, changes, revs


def _high(engine: Engine) -> tuple[int, str]:
    with engine.connect() as c:
        seq, epoch = c.execute(text("SELECT seq, epoch FROM server_meta")).one()
    return seq, epoch


@pytest.fixture(scope="module")
def one_go(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], list[Any], list[int]]:
    engine, passwords = _database(tmp_path_factory.mktemp("one-go"))
    load_server_demo(engine, passwords, size=SIZE, seed=SEED, as_of=AS_OF)
    try:
        return _rows(engine)
    finally:
        engine.dispose()


def test_the_history_of_some_people_is_their_part_of_the_full_history():
    org = build_organisation(seed=SEED, size=SIZE, as_of=AS_OF)
    team = demo_team(org)
    full = [
        pair
        for pair in generate_history(org, seed=SEED, as_of=AS_OF)
        if pair[0]["subject_id"] in team
    ]
    part = list(generate_history(org, seed=SEED, as_of=AS_OF, subjects=team))
    assert part and part == full


def test_the_team_first_then_the_rest_gives_the_rows_of_one_go(tmp_path, one_go):
    engine, passwords = _database(tmp_path)
    try:
        team = load_server_team(engine, passwords, size=SIZE, seed=SEED, as_of=AS_OF)
        records, _, revs = _rows(engine)
        assert records and {r["subject_id"] for r in records} <= team
        assert len(team) > 1 and revs == list(range(1, len(records) + 1))
        high, epoch = _high(engine)
        assert high == len(records)

        added = add_missing_records(engine, size=SIZE, seed=SEED, as_of=AS_OF, batch_size=100)

        records, changes, revs = _rows(engine)
        assert (records, changes) == one_go[:2]
        assert added == len(records) - high
        assert revs == list(range(1, len(records) + 1))  # numbered on from the team's
        assert _high(engine) == (len(records), epoch)  # no new epoch: clients pull them
    finally:
        engine.dispose()


def test_an_interrupted_second_stage_goes_on_without_duplicates(tmp_path, one_go):
    engine, passwords = _database(tmp_path)
    try:
        load_server_team(engine, passwords, size=SIZE, seed=SEED, as_of=AS_OF)
        asked = 0

        def stop() -> bool:
            nonlocal asked
            asked += 1
            return asked > 2  # two batches, then the app quits

        first = add_missing_records(
            engine, size=SIZE, seed=SEED, as_of=AS_OF, batch_size=100, stop=stop
        )
        assert first == 200
        assert len(_rows(engine)[0]) < len(one_go[0])

        second = add_missing_records(engine, size=SIZE, seed=SEED, as_of=AS_OF, batch_size=70)
        third = add_missing_records(engine, size=SIZE, seed=SEED, as_of=AS_OF)

        records, changes, revs = _rows(engine)
        assert (records, changes) == one_go[:2]
        assert second > 0 and third == 0
        assert revs == list(range(1, len(records) + 1))

        quits: list[bool] = []  # a quit while going past what is there is not kept waiting

        def quit_now() -> bool:
            quits.append(True)
            return True

        add_missing_records(engine, size=SIZE, seed=SEED, as_of=AS_OF, batch_size=50, stop=quit_now)
        assert quits == [True]
    finally:
        engine.dispose()


def test_the_embedded_demo_serves_the_team_then_completes_in_the_background(tmp_path, one_go):
    server = EmbeddedServer(tmp_path, size=SIZE, staged=True)
    server.prepare()
    assert server.ready.exists() and server.unfinished.exists() and not server.complete
    logins = server.logins()
    assert logins.manager and logins.employee
    server.start()
    assert not server.wait_complete(timeout=0.5)  # served: not completed until asked
    server.complete_in_background()
    server.stop()  # at once: the second stage stops before it ends, or has ended

    again = EmbeddedServer(tmp_path, size=SIZE, staged=True)
    again.prepare()  # ready: nothing is built again
    again.start()
    again.complete_in_background()  # goes on with the second stage
    try:
        assert again.wait_complete(timeout=120)
        assert again._rest is not None  # noqa: SLF001
        again._rest.join(timeout=120)  # noqa: SLF001 (then HR's ready-made cache is built)
    finally:
        again.stop()
    assert not again.unfinished.exists()
    offer = ready_cache.current(ready_cache.folder(again.settings))
    assert offer is not None  # all but HR people's records not yet shared with them:
    assert len(one_go[0]) - 10 <= offer.records <= len(one_go[0])
    assert ready_cache.path_of(again.settings, offer).parent == tmp_path / "demo-ready-cache"
    engine = make_engine(again.settings.database_url)
    try:
        records, changes, revs = _rows(engine)
    finally:
        engine.dispose()
    assert (records, changes) == one_go[:2]
    assert revs == list(range(1, len(records) + 1))
    assert again.logins() == logins


def test_small_demos_are_built_in_one_go(tmp_path):
    server = EmbeddedServer(tmp_path, size=50)
    server.prepare()
    assert server.complete and not server.unfinished.exists()


def test_hr_signs_in_on_the_first_stage_and_a_later_sync_pulls_the_rest(tmp_path, one_go):
    """The first sync has the team's records only; once the background has added the rest,
    HR's next sync pulls them as ordinary changes (the same epoch, no pull from scratch)."""
    servers: list[EmbeddedServer] = []

    def demo_server(folder: Path, size: int) -> EmbeddedServer:
        servers.append(EmbeddedServer(folder, size=size, staged=True))
        return servers[-1]

    session = sign_in_demo(
        "hr",
        demo_server=demo_server,
        folder=tmp_path,
        keyring_backend=MemoryKeyring(),
        catalogue=Catalogue.load(),
        size=SIZE,
    )
    try:
        first = session.first_sync
        assert first is not None and 0 < first.received < len(one_go[0]) / 2
        assert servers[0].wait_complete(timeout=120)  # started by the sign-in
        later = session.engine.run()
        with session.store.session() as s:
            held = s.query(Record).count()
        assert first.received + later.received == held
        assert held >= len(one_go[0]) - 10  # all but HR's own records not shared with them
    finally:
        session.close()
