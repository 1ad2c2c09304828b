"""Shared fixtures: an in-memory keyring and a template store copied per test."""

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the developer's real keyring: code that asks for the system
# keyring sees none (tests that need one pass MemoryKeyring explicitly).
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
# CI runs everything as root, and `lcc-apr-server serve` refuses root unless allowed: the
# servers the tests start may (tests/test_server_deploy.py checks the refusal itself).
if os.geteuid() == 0:
    os.environ.setdefault("LCC_APR_SERVER_ALLOW_ROOT", "true")
# Nor an organisation file installed on this machine (/etc/lcc-apr): tests that want one
# name it (lcc_apr.paths.organisation_file).
os.environ.setdefault("LCC_APR_ORGANISATION_FILE", "")

from lcc_apr.store import keys, open_store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def python_prints(script: str, *, path: Sequence[Path] = ()) -> str:
    """What `script` prints, run by a fresh interpreter in the checkout (`path` added to
    its module path): what a module loads shows only in a process of its own."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *map(str, path)])}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    return out.stdout.strip()


CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8 * 1024, "parallelism": 1}


class MemoryKeyring(KeyringBackend):
    """A secure-looking keyring that forgets everything when the test ends."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture(scope="session")
def _template_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An empty, migrated, encrypted store made once per test run."""
    ring = MemoryKeyring()
    path = tmp_path_factory.mktemp("template") / "cache.db"
    open_store(path, keyring_backend=ring).close()
    info = keys.read_info(path)
    assert info
    return path, ring.get_password(keys.SERVICE, keys.entry_name(info)) or ""


@pytest.fixture
def store_path(
    tmp_path: Path, _template_store: tuple[Path, str], memory_keyring: MemoryKeyring
) -> Path:
    """A fresh copy of the template store whose key is in `memory_keyring`."""
    template, secret = _template_store
    path = tmp_path / "cache.db"
    shutil.copy(template, path)
    shutil.copy(keys.info_path(template), keys.info_path(path))
    info = keys.read_info(path)
    assert info
    memory_keyring.set_password(keys.SERVICE, keys.entry_name(info), secret)
    return path


@pytest.fixture
def store(store_path: Path, memory_keyring: MemoryKeyring):
    opened = open_store(store_path, keyring_backend=memory_keyring)
    yield opened
    opened.close()


PG_URL = os.environ.get("LCC_APR_TEST_PG_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(params=BACKENDS)
def db_engine(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty database engine: plain SQLite file, or a throwaway PostgreSQL schema.

    PostgreSQL runs only when LCC_APR_TEST_PG_URL is set (.ci/run sets it).
    """
    import uuid

    from sqlalchemy import create_engine, text

    from lcc_apr.store import plain_engine

    if request.param == "sqlite":
        engine = plain_engine(tmp_path / "plain.db")
        yield engine
        engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    yield engine
    engine.dispose()
    with admin.begin() as c:
        c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


DEMO_AS_OF = date(2026, 11, 30)  # the small demo's "today"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MemoryKeyring]:
    """The 50-person demo store, built once per test run (about a second)."""
    from lcc_apr.demo.build import build_demo_store

    ring = MemoryKeyring()
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_store(path, size=50, as_of=DEMO_AS_OF, keyring_backend=ring)
    return path, ring


@pytest.fixture
def demo_store_copy(tmp_path: Path, demo_template: tuple[Path, MemoryKeyring]):
    """A private copy of the demo store, for tests that write to it."""
    from lcc_apr.demo.build import open_demo_store

    path, ring = demo_template
    copy = tmp_path / "demo.db"
    shutil.copy(path, copy)
    shutil.copy(keys.info_path(path), keys.info_path(copy))
    store = open_demo_store(copy, keyring_backend=ring)
    yield store
    store.close()


@pytest.fixture(scope="session")
def frozen_bundle() -> Path:
    """dist/lcc-apr: the desktop app frozen by PyInstaller (built once, when stale)."""
    from tests.bundle_build import built_bundle

    return built_bundle()
