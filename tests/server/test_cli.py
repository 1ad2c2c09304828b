"""lcc-apr-server's admin commands and settings, run in-process on a SQLite database."""

import io
import stat

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, Record, User
from lcc_apr.server.cli import CONFIG_ENV, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, main, worker_app
from lcc_apr.server.db import make_engine
from lcc_apr.server.security import Passwords
from lcc_apr.server.settings import SECRET_FILE, ServerSettings, load_settings
from lcc_apr.server.tables import Account, AuthSession, ScopeEvent, ServerMeta

from .harness import CHEAP_ARGON2

GOOD_PASSWORD = "correct horse battery"


@pytest.fixture
def server_env(tmp_path, monkeypatch):
    """An empty server database in a temporary data folder, cheap argon2."""
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'server.db'}"
    monkeypatch.setenv("LCC_APR_SERVER_DATABASE_URL", url)
    for key, value in CHEAP_ARGON2.items():
        monkeypatch.setenv(f"LCC_APR_SERVER_{key.upper()}", str(value))
    engine = make_engine(url)
    yield engine
    engine.dispose()


def stdin(monkeypatch, text):
    monkeypatch.setattr("sys.stdin", io.StringIO(text + "\n"))


def test_demo_numbers_every_record_and_shares_one_password_hash(server_env, capsys):
    assert main(["demo", "--size", "12", "--as-of", "2025-11-30"]) == EXIT_OK
    assert "12 employees" in capsys.readouterr().out
    with Session(server_env) as session:
        revs = session.scalars(select(Record.server_rev)).all()
        assert sorted(revs) == list(range(1, len(revs) + 1))
        assert session.scalar(select(ServerMeta.seq)) == len(revs)
        hashes = set(session.scalars(select(Account.password_hash)))
        users = session.scalar(select(func.count(User.id)))
        assert session.scalar(select(func.count(Account.user_id))) == users == 13
    assert len(hashes) == 1 and Passwords(ServerSettings(**CHEAP_ARGON2)).verify(
        hashes.pop(), "demo"
    )
    assert main(["demo", "--size", "12"]) == EXIT_PROBLEM
    assert "already holds" in capsys.readouterr().err


def test_create_reset_disable_and_enable_a_user(server_env, monkeypatch, capsys):
    assert main(["migrate"]) == EXIT_OK
    stdin(monkeypatch, GOOD_PASSWORD)
    command = ["create-user", "hr.admin", "--display-name", "HR Admin", "--role", "hr"]
    assert main([*command, "--password-stdin"]) == EXIT_OK
    with Session(server_env) as session:
        user = session.scalar(select(User).where(User.username == "hr.admin"))
        account = session.get(Account, user.id)
        assert {str(r) for r in user.roles} == {"hr"}
        assert GOOD_PASSWORD not in account.password_hash
        assert Passwords(ServerSettings(**CHEAP_ARGON2)).verify(
            account.password_hash, GOOD_PASSWORD
        )
        old_hash = account.password_hash
    stdin(monkeypatch, GOOD_PASSWORD)
    assert main([*command, "--password-stdin"]) == EXIT_PROBLEM
    assert "taken" in capsys.readouterr().err
    stdin(monkeypatch, "short")
    assert main(["reset-password", "hr.admin", "--password-stdin"]) == EXIT_PROBLEM
    stdin(monkeypatch, GOOD_PASSWORD + "!")
    assert main(["reset-password", "hr.admin", "--password-stdin"]) == EXIT_OK
    assert main(["disable-user", "hr.admin"]) == EXIT_OK
    with Session(server_env) as session:
        account = session.get(Account, user.id)
        assert account.password_hash != old_hash and account.disabled
        assert not session.get(User, user.id).active
    assert main(["enable-user", "hr.admin"]) == EXIT_OK
    assert main(["disable-user", "nobody"]) == EXIT_PROBLEM
    out = capsys.readouterr()
    assert GOOD_PASSWORD not in out.out + out.err


def test_disabling_ends_existing_sessions(server_env, monkeypatch):
    assert main(["demo", "--size", "12", "--as-of", "2025-11-30"]) == EXIT_OK
    with Session(server_env) as session, session.begin():
        user = session.scalars(select(User).order_by(User.id)).first()
        session.add(AuthSession(id="s1", user_id=user.id, device="d", created_at=user.created_at))
        username = user.username
    assert main(["disable-user", username]) == EXIT_OK
    with Session(server_env) as session:
        assert session.get(AuthSession, "s1").revoked_at is not None


def test_move_employee_and_new_epoch(server_env, capsys):
    assert main(["demo", "--size", "12", "--as-of", "2025-11-30"]) == EXIT_OK
    with Session(server_env) as session:
        epoch = session.scalar(select(ServerMeta.epoch))
        managers = dict(session.execute(select(Employee.id, Employee.line_manager_id)).all())
    # Someone two levels down moves to report to the top: their old manager loses them.
    mover = next(e for e, m in managers.items() if m is not None and managers[m] is not None)
    top = next(e for e, m in managers.items() if m is None)
    assert main(["new-epoch"]) == EXIT_OK
    assert main(["move-employee", str(mover), "--manager", str(top)]) == EXIT_OK
    assert main(["move-employee", str(top), "--manager", str(mover)]) == EXIT_PROBLEM  # a loop
    with Session(server_env) as session:
        assert session.scalar(select(ServerMeta.epoch)) != epoch
        assert {e.kind for e in session.scalars(select(ScopeEvent))} == {"enter", "leave"}


def test_serving_plain_http_off_loopback_is_refused(server_env, capsys):
    assert main(["serve", "--host", "0.0.0.0"]) == EXIT_USAGE
    assert "plain HTTP" in capsys.readouterr().err


def test_serve_runs_its_workers_from_one_factory_and_the_same_settings(
    server_env, tmp_path, monkeypatch
):
    runs: list[tuple[object, dict]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: runs.append((app, options)))
    monkeypatch.setenv(CONFIG_ENV, "")  # put back when the test ends
    config = tmp_path / "server.toml"
    config.write_text("workers = 2\nmax_in_flight = 5\npool_size = 3\n")
    assert main(["--config", str(config), "serve"]) == EXIT_OK
    assert main(["--config", str(config), "serve", "--workers", "4"]) == EXIT_OK
    assert [(app, o["factory"], o["workers"]) for app, o in runs] == [
        ("lcc_apr.server.cli:worker_app", True, 2),
        ("lcc_apr.server.cli:worker_app", True, 4),
    ]
    app = worker_app()  # what each worker builds: the file's settings, then the environment
    try:
        settings = app.state.ctx.settings
        assert (settings.max_in_flight, settings.pool_size) == (5, 3)
        assert settings.database_url == str(server_env.url)
        assert app.state.ctx.engine.pool.size() == 3
    finally:
        app.state.ctx.engine.dispose()
    with pytest.raises(SystemExit):
        main(["serve", "--workers", "0"])


def test_settings_come_from_the_file_then_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    config = tmp_path / "server.toml"
    config.write_text('port = 9000\nindirect_reports = true\nhost = "10.0.0.5"\n')
    monkeypatch.setenv("LCC_APR_SERVER_PORT", "9100")
    settings = load_settings(config)
    assert (settings.port, settings.indirect_reports, settings.host) == (9100, True, "10.0.0.5")
    assert settings.database_url.endswith("server.db")
    assert settings.access_token_minutes == 15 and settings.refresh_token_days == 14
    assert (settings.lockout_attempts, settings.lockout_minutes, settings.page_limit) == (
        5,
        15,
        500,
    )
    config.write_text("no_such_setting = 1\n")
    with pytest.raises(ValueError):
        load_settings(config)
    assert main(["--config", str(tmp_path / "missing.toml"), "migrate"]) == EXIT_USAGE


def test_the_secret_key_is_made_once_and_only_the_owner_can_read_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    first = ServerSettings().signing_key()
    assert ServerSettings().signing_key() == first and len(first) >= 32
    mode = stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode)
    assert mode == 0o600
    assert ServerSettings(secret_key="s" * 40).signing_key() == "s" * 40
