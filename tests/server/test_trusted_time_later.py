"""Trusted time added later (lcc_apr/server/timestamp_job.py): a sign-off pushed while the
timestamp authority is down is kept without a token; a run while it is still down changes
nothing and says so; a later run adds the token (bounded by --limit), the record takes a
new feed number, and a laptop's next pull brings it, shown as trusted time in the
record's signature list (a tampered token shows as not valid). The serve loop's waits
and `lcc-apr-server timestamps`. A real TSA on 127.0.0.1 (tests/tsa_server.py)."""

from __future__ import annotations

import asyncio

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from lcc_apr.editing import EditSession
from lcc_apr.models import Record, SignOff
from lcc_apr.server import timemark, timestamp_job
from lcc_apr.server.cli import EXIT_OK, EXIT_PROBLEM, main
from lcc_apr.server.tables import AuditEntry
from lcc_apr.signing.timetoken import BROKEN, NO_TIME_YET, token_time

from .test_signing import CATALOGUE, actor_for, device, signed_by_both  # noqa: F401 (fixture)
from .test_trusted_time import tsa  # noqa: F401 (fixture)


@pytest.fixture
def with_tsa(live_server, tsa, tmp_path, monkeypatch):  # noqa: F811
    """The server's TSA (its root trusted through timestamp_authority_roots_file), down."""
    roots = tmp_path / "tsa-roots.pem"
    roots.write_bytes(tsa.tsa.chain[0].public_bytes(serialization.Encoding.PEM))
    settings = live_server.settings
    monkeypatch.setattr(settings, "timestamp_authority_url", tsa.url)
    monkeypatch.setattr(settings, "timestamp_authority_roots_file", roots)
    monkeypatch.setattr(settings, "timestamp_timeout_seconds", 2)
    tsa.down = True
    return tsa


def sign_offs(server, record_id: str) -> list[SignOff]:
    with server.session() as s:
        return list(s.scalars(select(SignOff).where(SignOff.record_id == record_id)))


def revision(server, record_id: str) -> tuple[int, int | None]:
    with server.session() as s:
        record = s.get(Record, record_id)
        return record.server_rev, record.hash_rev


def outcomes(server) -> list[str]:
    with server.session() as s:
        stmt = select(AuditEntry).where(AuditEntry.event == timestamp_job.EVENT)
        rows = list(s.scalars(stmt.order_by(AuditEntry.id)))
    assert all(r.user_id is None and r.record_id is None and r.subject_id is None for r in rows)
    return [r.outcome for r in rows]


def signature_lines(laptop, people, record_id: str) -> list[str]:
    """The record's signature list as the editor shows it (the core's words)."""
    with laptop.store.session() as s:
        subject = s.get(Record, record_id).subject_id
    actor = actor_for(people, laptop.user, subject)
    return EditSession(laptop.store, record_id, actor=actor, catalogue=CATALOGUE).signatures()


def test_a_later_run_adds_the_trusted_time_every_laptop_then_shows(
    live_server,
    device,  # noqa: F811
    with_tsa,
):
    server, settings, engine = live_server, live_server.settings, live_server.engine
    record, employee, manager = signed_by_both(server, device)
    assert [s.time_token for s in sign_offs(server, record.id)] == [None, None]
    employee.sync()
    lines = signature_lines(employee, server.people, record.id)
    assert [line.endswith(NO_TIME_YET) for line in lines] == [True, True]
    before = revision(server, record.id)

    # still down: nothing changes, and the run says so (after one request: it stops there)
    timemark._down_until.clear()
    asked = with_tsa.requests
    run = timestamp_job.add_missing(settings, engine)
    assert (run.added, run.not_stamped, run.tsa_down) == (0, 2, True)
    assert with_tsa.requests == asked + 1
    assert [s.time_token for s in sign_offs(server, record.id)] == [None, None]
    assert revision(server, record.id) == before
    assert outcomes(server) == ["added:0 tsa_down:2"]

    # back: a run of one, then the rest
    with_tsa.down = False
    timemark._down_until.clear()
    first = timestamp_job.add_missing(settings, engine, limit=1)
    assert (first.added, first.not_stamped, first.tsa_down, first.more) == (1, 0, False, True)
    second = timestamp_job.add_missing(settings, engine, limit=1)
    assert (second.added, second.more) == (1, False)
    assert timestamp_job.add_missing(settings, engine).found == 0  # nothing left: no entry
    assert outcomes(server) == ["added:0 tsa_down:2", "added:1 tsa_down:0", "added:1 tsa_down:0"]
    rows = sign_offs(server, record.id)
    assert all(token_time(r.time_token, r.signature) is not None for r in rows)
    server_rev, hash_rev = revision(server, record.id)
    assert server_rev > before[0] and hash_rev == server_rev  # on the feed, hash current

    for laptop in (employee, manager):
        assert laptop.sync().received >= 1
        with laptop.store.session() as s:
            mine = s.get(Record, record.id).sign_offs
            assert [m.time_token is not None for m in mine] == [True, True]
        lines = signature_lines(laptop, server.people, record.id)
        assert [line.startswith("Valid:") for line in lines] == [True, True]
        assert ["Trusted time: " in line for line in lines] == [True, True], lines

    with employee.store.session() as s:  # altered on the laptop: no longer holds
        mine = s.get(Record, record.id).sign_offs[0]
        mine.time_token = mine.time_token[:-1] + bytes([mine.time_token[-1] ^ 0x01])
        s.commit()
    lines = signature_lines(employee, server.people, record.id)
    assert lines[0].endswith(f"Its trusted time is not valid: {BROKEN}.")
    assert "Trusted time: " in lines[1]


def test_without_a_tsa_the_job_does_nothing(live_server, device):  # noqa: F811
    record, _employee, _manager = signed_by_both(live_server, device)
    run = timestamp_job.add_missing(live_server.settings, live_server.engine)
    assert not run.configured and run.found == 0
    assert outcomes(live_server) == []
    assert [s.time_token for s in sign_offs(live_server, record.id)] == [None, None]


def test_the_serve_loop_waits_five_minutes_and_backs_off_to_an_hour(monkeypatch):
    runs = iter(
        [timestamp_job.Run(tsa_down=True)] * 6 + [timestamp_job.Run(added=1), timestamp_job.Run()]
    )
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) > 8:
            raise asyncio.CancelledError

    # its own sleep, not asyncio's for everyone: a test server's loop in another thread
    # sleeps too (seen in a full run as waits of 0.1 s)
    monkeypatch.setattr(timestamp_job, "add_missing", lambda settings, engine: next(runs))
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(timestamp_job.every_while_serving(None, None, sleep=sleep))  # type: ignore[arg-type]
    assert waits == [300, 600, 1200, 2400, 3600, 3600, 3600, 300, 300]


def test_the_command_adds_what_is_missing_and_says_when_the_tsa_is_down(
    live_server,
    device,  # noqa: F811
    with_tsa,
    tmp_path,
    monkeypatch,
    capsys,
):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    monkeypatch.setenv("LCC_APR_SERVER_DATABASE_URL", live_server.settings.database_url)
    record, _employee, _manager = signed_by_both(live_server, device)
    assert main(["timestamps"]) == EXIT_PROBLEM
    assert "No timestamp authority is configured" in capsys.readouterr().out
    monkeypatch.setenv("LCC_APR_SERVER_TIMESTAMP_AUTHORITY_URL", with_tsa.url)
    monkeypatch.setenv("LCC_APR_SERVER_TIMESTAMP_TIMEOUT_SECONDS", "2")
    timemark._down_until.clear()
    assert main(["timestamps"]) == EXIT_PROBLEM
    out = capsys.readouterr().out
    assert "Trusted time added to 0" in out and "did not answer: 2 sign-off(s)" in out
    with_tsa.down = False
    timemark._down_until.clear()
    assert main(["timestamps", "--limit", "1"]) == EXIT_OK
    assert "added to 1" in capsys.readouterr().out
    assert main(["timestamps"]) == EXIT_OK
    assert "added to 1" in capsys.readouterr().out
    assert main(["timestamps"]) == EXIT_OK
    assert "Every digitally signed sign-off has its trusted time" in capsys.readouterr().out
    assert all(s.time_token for s in sign_offs(live_server, record.id))
    with pytest.raises(SystemExit):
        main(["timestamps", "--limit", "0"])
    assert "--limit must be 1 or more" in capsys.readouterr().err
    assert outcomes(live_server)[-1] == "added:1 tsa_down:0"
