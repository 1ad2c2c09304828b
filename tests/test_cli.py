"""The command line: help, demo build, summary, check, and clean exit codes."""

import pytest

from lcc_apr.cli import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, main


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    return tmp_path


def test_help_lists_the_commands_and_exits_cleanly(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert all(word in out for word in ("demo", "summary", "check", "run"))


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == EXIT_USAGE


def test_demo_builds_a_store_that_summary_and_check_read(home, capsys):
    assert main(["demo", "--small", "--as-of", "2026-11-30"]) == EXIT_OK
    built = capsys.readouterr()
    assert "50 employees" in built.out
    assert "passphrase 'demo'" in built.err  # this machine has no keyring
    store = home / "demo.db"
    assert store.exists() and not (home / "demo.building.db").exists()
    assert main(["summary"]) == EXIT_OK
    assert "50 employees" in capsys.readouterr().out
    assert main(["check"]) == EXIT_OK
    assert " 0 problem(s)" in capsys.readouterr().out


def test_a_refreshed_demo_replaces_the_old_one(home, capsys):
    assert main(["demo", "--size", "30", "--as-of", "2026-11-30"]) == EXIT_OK
    assert main(["demo", "--size", "40", "--as-of", "2026-11-30"]) == EXIT_OK
    capsys.readouterr()
    assert main(["summary"]) == EXIT_OK
    assert "40 employees" in capsys.readouterr().out


def test_run_builds_the_demo_the_first_time_then_summarises(home, capsys, monkeypatch):
    from lcc_apr.demo import build

    monkeypatch.setattr(build, "FULL_SIZE", 20)
    assert main(["run"]) == EXIT_OK
    assert "20 employees" in capsys.readouterr().out
    assert main([]) == EXIT_OK
    assert "20 employees" in capsys.readouterr().out


def test_a_missing_store_is_a_reported_problem(home, capsys):
    assert main(["--store", str(home / "nothing.db"), "summary"]) == EXIT_PROBLEM
    assert "no store here" in capsys.readouterr().err.lower()


def test_a_tampered_history_fails_the_check(home, capsys):
    from sqlalchemy import text

    from lcc_apr.demo.build import open_demo_store

    assert main(["demo", "--small", "--as-of", "2026-11-30"]) == EXIT_OK
    store = open_demo_store(home / "demo.db", keyring_backend=None)
    with store.engine.begin() as c:
        c.execute(text("UPDATE records SET status = 'completed' WHERE status = 'draft'"))
    store.close()
    capsys.readouterr()
    assert main(["check"]) == EXIT_PROBLEM
    assert "differs from what its history describes" in capsys.readouterr().out


def test_size_below_two_is_refused(home, capsys):
    assert main(["demo", "--size", "1"]) == EXIT_USAGE


def test_a_damaged_store_is_reported_in_a_sentence_and_left_as_it_was(home, capsys):
    import hashlib

    assert main(["demo", "--small", "--as-of", "2026-11-30"]) == EXIT_OK
    store = home / "demo.db"
    sound = store.read_bytes()
    # one byte flipped: in the first page, in the middle, near the end
    for offset in (100, len(sound) // 2, len(sound) - 5000):
        damaged = bytearray(sound)
        damaged[offset] ^= 0xFF
        store.write_bytes(bytes(damaged))
        for wal in home.glob("demo.db-*"):
            wal.unlink()
        before = hashlib.sha256(store.read_bytes()).hexdigest()
        capsys.readouterr()
        assert main(["check"]) == EXIT_PROBLEM, offset
        out, err = capsys.readouterr()
        assert "damaged" in err and "Traceback" not in out + err, offset
        assert "Move it aside" in err
        assert hashlib.sha256(store.read_bytes()).hexdigest() == before, offset
