"""The server's deployment artefacts (installer/server/, docs/admin-guide.md sections 6-7).

Without PostgreSQL (LCC_APR_TEST_PG_URL unset) the settings, /ready, root refusal, the
Dockerfile, the systemd units and the backup drill still run; the tests marked `pg`
(concurrent migrations, the deployed server behind nginx) skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from lcc_apr.server import cli
from lcc_apr.server.db import MIGRATION_LOCK, make_engine, prepare_database
from lcc_apr.server.settings import MASK, load_settings

from .conftest import MemoryKeyring
from .deploy_tools import (
    ROOT,
    SERVER_FILES,
    Deployment,
    build_wheelhouse,
    deployment,
    install_offline,
    open_folder,
    pg_schema_url,
)

PG_URL = os.environ.get("LCC_APR_TEST_PG_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (LCC_APR_TEST_PG_URL)")
DOCKERFILE = SERVER_FILES / "Dockerfile"
UNITS = ("lcc-apr-server.service", "lcc-apr-backup.service")
# this checkout's server (the venv's console script may belong to another checkout)
REPO_SERVER = [sys.executable, "-m", "lcc_apr.server"]
REPO_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def repo_server_script(folder: Path) -> Path:
    """An executable that runs this checkout's `lcc-apr-server`."""
    script = folder / "lcc-apr-server"
    script.write_text(
        f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m lcc_apr.server "$@"\n'
    )
    script.chmod(0o755)
    return script


# -- the wheelhouse and a fresh venv (built once per run) --------------------------------


@pytest.fixture(scope="session")
def offline_install() -> tuple[Path, Path, dict[str, float]]:
    """(wheelhouse tarball, the fresh venv's lcc-apr-server, seconds taken)."""
    folder = open_folder("lcc-apr-deploy-")
    started = time.monotonic()
    tarball = build_wheelhouse(folder / "dist")
    built = time.monotonic()
    server = install_offline(tarball, folder / "venv")
    times = {"build": built - started, "install": time.monotonic() - built}
    yield tarball, server, times
    shutil.rmtree(folder, ignore_errors=True)


def test_the_wheelhouse_installs_the_server_offline_without_qt(offline_install):
    tarball, server, times = offline_install
    size_mb = tarball.stat().st_size / 1e6
    print(
        f"wheelhouse {size_mb:.0f} MB, built in {times['build']:.0f} s, "
        f"installed offline in {times['install']:.0f} s"
    )
    assert size_mb < 120  # without Qt's 240 MB of wheels
    venv = server.parents[1]
    listed = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "list", "--isolated", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "lcc-apr==" in listed and "pyside6" not in listed.lower()
    reply = subprocess.run(
        [server, "check-config"],
        capture_output=True,
        text=True,
        cwd=venv,
        env={"PATH": "/usr/bin:/bin", "LCC_APR_HOME": str(venv / "home")},
    )
    assert reply.returncode == 0, reply.stderr
    assert "port = 8443" in reply.stdout


# -- settings -------------------------------------------------------------------------


def test_settings_come_from_file_variables_and_secrets_are_masked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    url_file, key_file = tmp_path / "database-url", tmp_path / "secret-key"
    url_file.write_text("postgresql+psycopg://lcc:s3cret-pw@db.example/lcc\n")
    key_file.write_text("k" * 48 + "\n")
    monkeypatch.setenv("LCC_APR_SERVER_DATABASE_URL_FILE", str(url_file))
    monkeypatch.setenv("LCC_APR_SERVER_SECRET_KEY_FILE", str(key_file))  # the setting itself
    monkeypatch.setenv("LCC_APR_SERVER_TOKEN_AUDIENCE_FILE", str(url_file.with_name("aud")))
    url_file.with_name("aud").write_text("council-apr")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://lcc:s3cret-pw@db.example/lcc"
    assert settings.signing_key() == "k" * 48 and settings.token_audience == "council-apr"
    monkeypatch.setenv("LCC_APR_SERVER_SECRET_KEY", "a-secret-given-directly-" + "x" * 20)
    monkeypatch.delenv("LCC_APR_SERVER_SECRET_KEY_FILE")
    assert cli.main(["check-config"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "s3cret-pw" not in out and "a-secret-given" not in out
    assert f'database_url = "postgresql+psycopg://lcc:{MASK}@db.example/lcc"' in out
    assert f'secret_key = "{MASK}"' in out and 'token_audience = "council-apr"' in out


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({"LCC_APR_SERVER_PROT": "9000"}, "LCC_APR_SERVER_PROT is not a setting"),
        ({"LCC_APR_SERVER_PORT_FILE": "/nowhere/port"}, "/nowhere/port, which cannot be read"),
        (
            {"LCC_APR_SERVER_PORT": "1", "LCC_APR_SERVER_PORT_FILE": "/etc/hostname"},
            "Both LCC_APR_SERVER_PORT and LCC_APR_SERVER_PORT_FILE are set",
        ),
    ],
)
def test_unknown_or_unreadable_setting_variables_stop_the_start(
    tmp_path, monkeypatch, capsys, variables, words
):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["serve"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    if "PROT" in words:
        assert "did you mean LCC_APR_SERVER_PORT?" in err


# -- serve, /ready, migrate -------------------------------------------------------------


def test_serve_refuses_to_run_as_root(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    monkeypatch.delenv("LCC_APR_SERVER_ALLOW_ROOT", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    started = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append(a))
    assert cli.main(["serve"]) == cli.EXIT_PROBLEM
    assert "refusing to serve as root" in capsys.readouterr().err and not started
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("LCC_APR_SERVER_DATABASE_URL", f"sqlite:///{tmp_path / 'server.db'}")
    assert cli.main(["serve"]) == cli.EXIT_OK and len(started) == 1


def test_ready_only_once_the_database_is_at_this_versions_schema(tmp_path):
    from lcc_apr.server import create_app

    from .server.harness import server_settings

    settings = server_settings(f"sqlite:///{tmp_path / 'server.db'}")
    engine = make_engine(settings.database_url)
    try:
        with TestClient(create_app(settings, engine)) as client:
            assert client.get("/health").status_code == 200
            assert client.get("/ready").status_code == 503
            assert prepare_database(engine) != []  # it migrated
            assert client.get("/ready").json() == {"status": "ready"}
            assert prepare_database(engine) == []  # nothing left to do
    finally:
        engine.dispose()


def test_a_sqlite_database_is_made_0600_in_a_folder_only_its_user_opens(tmp_path):
    path = tmp_path / "new-folder" / "server.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        prepare_database(engine)
    finally:
        engine.dispose()
    assert path.parent.stat().st_mode & 0o777 == 0o700 and path.stat().st_mode & 0o777 == 0o600


@pytest.mark.pg
@needs_pg
def test_replicas_migrating_together_migrate_once():
    schema = f"t_migrate_{os.getpid()}_{int(time.time())}"
    admin = create_engine(PG_URL)
    env = {**REPO_ENV, "LCC_APR_SERVER_DATABASE_URL": pg_schema_url(PG_URL, schema)}
    with admin.connect() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
        c.commit()
        # Hold the migration lock so all four start, and wait on it, together.
        c.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        runs = [
            subprocess.Popen(
                [*REPO_SERVER, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(4)
        ]
        waiting = 0
        deadline = time.monotonic() + 60
        while waiting < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
            waiting = c.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND objid = :k AND NOT granted"
                ),
                {"k": MIGRATION_LOCK},
            ).scalar_one()
        c.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
        c.commit()
        outputs = [run.communicate(timeout=120) for run in runs]
    try:
        assert waiting == 4, "the four did not wait on the lock together"
        assert [run.returncode for run in runs] == [0, 0, 0, 0], outputs
        said = sorted(out.decode().strip() for out, _err in outputs)
        assert said[0].startswith("Migrated the domain tables: none -> "), said
        assert said[1:] == ["The database is up to date."] * 3, said
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


# -- the Dockerfile ---------------------------------------------------------------------


def dockerfile_problems(source: str) -> list[str]:
    """What breaks the image's rules (docs/admin-guide.md, section 6)."""
    lines = re.sub(r"\\\n", " ", source).splitlines()
    instructions = [
        (word.upper(), rest.strip())
        for word, _, rest in (line.strip().partition(" ") for line in lines)
        if word and not word.startswith("#")
    ]
    stages: list[list[tuple[str, str]]] = []
    for word, rest in instructions:
        if word == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((word, rest))
    problems = []
    if len(stages) < 2:
        problems.append("not multi-stage")
    for word, rest in instructions:
        if word == "FROM" and not re.match(r"\S+:\S+@sha256:[0-9a-f]{64}(\s|$)", rest):
            problems.append(f"base not pinned by digest: {rest}")
        if word == "RUN" and "pip install" in rest and "--no-index" not in rest:
            problems.append("pip install from an index")
        if word == "ADD" and "://" in rest:
            problems.append("ADD from the internet")
    final = stages[-1] if stages else []
    users = [rest for word, rest in final if word == "USER"]
    if not users or not re.fullmatch(r"[1-9]\d*(:\d+)?", users[-1]):
        problems.append("the final stage's USER is not a numeric non-root user")
    if not any(word == "HEALTHCHECK" and "/ready" in rest for word, rest in final):
        problems.append("no HEALTHCHECK on /ready")
    if any(word == "RUN" and re.search(r"\b(pip|curl|wget|apt-get)\b", r) for word, r in final):
        problems.append("the final stage installs or fetches something")
    if ("ENTRYPOINT", '["lcc-apr-server"]') not in final or ("CMD", '["serve"]') not in final:
        problems.append("not `lcc-apr-server` with `serve` by default (migrate: a one-shot)")
    if not any(w == "COPY" and "lcc-apr-server-wheelhouse-" in r for w, r in instructions):
        problems.append("not installed from the wheelhouse")
    return problems


def test_the_dockerfile_keeps_its_rules_and_hadolint_finds_nothing():
    assert dockerfile_problems(DOCKERFILE.read_text()) == []
    hadolint = Path(sys.executable).with_name("hadolint")
    result = subprocess.run([hadolint, "--no-color", DOCKERFILE], capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("USER 10001:10001", "USER root", "numeric non-root"),
        ("USER 10001:10001", "USER 0", "numeric non-root"),
        ("@sha256:a36c", "@sha256:A36C", "pinned by digest"),
        ("--no-index --find-links /tmp/wheelhouse", "", "from an index"),
        ("8080/ready", "8080/health", "HEALTHCHECK on /ready"),
        ('CMD ["serve"]', 'CMD ["serve"]\nRUN pip install --no-index x', "installs or fetches"),
    ],
)
def test_the_dockerfile_rules_catch_a_broken_image(old, new, problem):
    source = DOCKERFILE.read_text()
    assert old in source
    assert any(problem in found for found in dockerfile_problems(source.replace(old, new)))


# -- the systemd units ------------------------------------------------------------------


def test_the_systemd_units_verify_and_expose_little(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing: apt-get install systemd")
    backup_script = SERVER_FILES / "lcc-apr-backup"
    for name in (*UNITS, "lcc-apr-backup.timer"):  # commands where this machine has them
        unit = (SERVER_FILES / name).read_text()
        unit = unit.replace("/opt/lcc-apr/bin/lcc-apr-server", sys.executable)
        (tmp_path / name).write_text(
            unit.replace("/usr/local/lib/lcc-apr/lcc-apr-backup", str(backup_script))
        )
    units = [str(tmp_path / name) for name in (*UNITS, "lcc-apr-backup.timer")]
    verify = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True
    )
    assert (verify.returncode, verify.stdout + verify.stderr) == (0, "")
    for name in UNITS:
        security = subprocess.run(
            ["systemd-analyze", "security", "--offline=true", "--no-pager", tmp_path / name],
            capture_output=True,
            text=True,
        )
        found = re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout)
        assert found, security.stdout + security.stderr
        print(f"{name}: exposure {found.group(1)}")
        assert float(found.group(1)) < 3


# -- the backup: encrypted to a public key, kept N days, restored -----------------------


def test_the_nightly_backup_is_sealed_to_the_backup_key_kept_and_restores(tmp_path):
    if shutil.which("age") is None:
        pytest.fail("age is missing: apt-get install age")
    home, dumps = tmp_path / "home", tmp_path / "backups"
    dumps.mkdir()
    subprocess.run(["age-keygen", "-o", tmp_path / "identity.txt"], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", tmp_path / "identity.txt"], capture_output=True, text=True, check=True
    ).stdout
    (tmp_path / "recipients.txt").write_text(recipient)
    old, recent = dumps / "lcc-apr-20000101T000000Z.lccbackup", dumps / "lcc-apr-recent.lccbackup"
    for path, days in ((old, 40), (recent, 10)):
        path.write_bytes(b"an older backup")
        stamp = time.time() - days * 86400
        os.utime(path, (stamp, stamp))
    env = {
        **REPO_ENV,
        "LCC_APR_HOME": str(home),
        "LCC_APR_SERVER_DATABASE_URL": f"sqlite:///{home / 'server.db'}",
        "LCC_APR_BACKUP_DIR": str(dumps),
        "LCC_APR_BACKUP_RECIPIENTS": str(tmp_path / "recipients.txt"),
        "LCC_APR_BACKUP_KEEP_DAYS": "30",
        "LCC_APR_BACKUP_CONFIG": str(tmp_path / "no-settings-file.toml"),
        "LCC_APR_BACKUP_SERVER": str(repo_server_script(tmp_path)),
    }
    create = [
        *REPO_SERVER,
        "create-user",
        "drill.person",
        "--display-name",
        "Drill",
        "--role",
        "hr",
        "--password-stdin",
    ]
    subprocess.run(create, env=env, input=b"a-long-password-1\n", check=True, capture_output=True)
    made = subprocess.run(
        [SERVER_FILES / "lcc-apr-backup"], env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    kept = sorted(p.name for p in dumps.iterdir())
    assert old.name not in kept and recent.name in kept  # 40 days old went, 10 days stayed
    archive = next(dumps.glob("lcc-apr-2*.lccbackup"))
    sealed = archive.with_name(archive.name.removesuffix(".lccbackup") + ".passphrase.age")
    assert set(kept) == {recent.name, archive.name, sealed.name}
    assert archive.stat().st_mode & 0o777 == 0o600 and sealed.stat().st_mode & 0o777 == 0o600
    # The restore drill: the passphrase from the private key, then restore elsewhere.
    passphrase = tmp_path / "passphrase"
    subprocess.run(
        [
            "age",
            "--decrypt",
            "--identity",
            tmp_path / "identity.txt",
            "--output",
            passphrase,
            sealed,
        ],
        check=True,
    )
    elsewhere = {
        **env,
        "LCC_APR_HOME": str(tmp_path / "new-home"),
        "LCC_APR_SERVER_DATABASE_URL": f"sqlite:///{tmp_path / 'restored.db'}",
    }
    restore = [*REPO_SERVER, "restore", archive, "--passphrase-file", passphrase]
    restored = subprocess.run(restore, env=elsewhere, capture_output=True, text=True)
    assert restored.returncode == 0, restored.stderr
    assert "1 users" in restored.stdout
    wrong = subprocess.run(
        [*restore[:5], "--passphrase-file", tmp_path / "recipients.txt"],
        env=elsewhere,
        capture_output=True,
        text=True,
    )
    assert wrong.returncode == 1 and "passphrase is wrong" in wrong.stderr


# -- the whole thing: a fresh venv's server as nobody, behind nginx with TLS ------------


@pytest.fixture(scope="module")
def deployed(offline_install) -> Deployment:
    _tarball, server, _times = offline_install
    folder = open_folder("lcc-apr-deployed-")
    try:
        with deployment(server, folder, PG_URL) as running:
            yield running
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.pg
@needs_pg
def test_a_laptop_signs_in_and_syncs_through_nginx_to_the_server_running_as_nobody(
    deployed, tmp_path
):
    import httpx

    from lcc_apr.forms import Catalogue
    from lcc_apr.launch import sign_in
    from lcc_apr.sync.network import Network

    reply = httpx.get(f"{deployed.url}/ready", verify=str(deployed.ca_file))
    assert reply.status_code == 200
    # once: from the server, which took https from nginx's X-Forwarded-Proto (trusted proxy)
    assert reply.headers["strict-transport-security"] == "max-age=31536000"
    assert "server" not in reply.headers or "nginx/" not in reply.headers["server"]
    with pytest.raises(httpx.ConnectError):  # only the test CA's certificate is trusted
        httpx.get(f"{deployed.url}/ready")
    session = sign_in(
        url=deployed.url,
        username=deployed.username,
        password=deployed.password,
        folder=tmp_path,
        keyring_backend=MemoryKeyring(),
        ask_passphrase=lambda new: "not asked",
        catalogue=Catalogue.load(),
        network=Network(ca_bundle=deployed.ca_file),  # as organisation.toml's ca_bundle
    )
    try:
        assert "manager" in session.user["roles"]
        assert session.first_sync is not None and session.first_sync.received > 0
    finally:
        session.close()
    if os.geteuid() == 0:  # what the server wrote is nobody's, and only in its data folder
        key = deployed.data_dir / "signing-ca.key"
        assert key.owner() == "nobody" and key.stat().st_mode & 0o777 == 0o600
        venv = deployed.server_bin.parents[1]
        assert not [p for p in venv.rglob("*") if p.owner() == "nobody"]


@pytest.mark.pg
@needs_pg
def test_the_frozen_selftest_syncs_through_nginx(deployed, frozen_bundle, tmp_path):
    """What IT runs after installing: the frozen app's selftest against the real server,
    trusting the test CA only through the organisation file's ca_bundle."""
    import json

    org = tmp_path / "organisation.toml"
    org.write_text(f'ca_bundle = "{deployed.ca_file}"\n')
    (tmp_path / "data").mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LCC_APR_HOME": str(tmp_path / "data"),
        "LCC_APR_ORGANISATION_FILE": str(org),
        "LCC_APR_SELFTEST_PASSWORD": deployed.password,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    command = [str(frozen_bundle / "lcc-apr"), "selftest", "--allow-no-keyring"]
    command += ["--server", deployed.url, "--username", deployed.username]

    def selftest() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)

    done = selftest()
    assert done.stdout.startswith("{"), done.stderr
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["ok"] and report["frozen"], report
    sync = next(c for c in report["checks"] if c["name"] == "sync")
    assert sync["ok"] and deployed.url in sync["detail"], sync
    org.write_text("")  # without the organisation's CA, the server is not trusted
    done = selftest()
    assert done.returncode == 1 and not json.loads(done.stdout)["ok"]


@pytest.mark.pg
@needs_pg
def test_the_installed_server_refuses_root(deployed):
    if os.geteuid() != 0:
        pytest.skip("needs root to run the server as root (the refusal itself: see above)")
    env = {"PATH": "/usr/bin:/bin", "LCC_APR_HOME": str(deployed.data_dir)}
    result = subprocess.run(
        [deployed.server_bin, "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1 and "refusing to serve as root" in result.stderr


def test_the_repo_has_what_the_guide_names():
    guide = (ROOT / "docs" / "admin-guide.md").read_text()
    for name in (
        "lcc-apr-server.service",
        "lcc-apr-backup.timer",
        "nginx-lcc-apr.conf",
        "Dockerfile",
        "check-config",
        "/ready",
        "age",
    ):
        assert name in guide, name
