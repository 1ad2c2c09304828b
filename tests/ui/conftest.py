"""UI fixtures: the small demo store built once, isolated settings, an inline task runner.

QSettings is pointed at a temporary folder under a test organisation name for
every test, so the developer's real settings are never read or written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lcc_apr.demo.build import open_demo_store
from lcc_apr.forms import Catalogue
from lcc_apr.models import User
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import load_policy
from lcc_apr.store import Store
from tests.conftest import DEMO_AS_OF, MemoryKeyring
from ui.context import AppContext
from ui.qt import QSettings, QtWidgets
from ui.settings import Settings
from ui.tasks import TaskRunner
from ui.theme import apply_appearance

AS_OF = DEMO_AS_OF
MANAGER = "rtebbutt"  # manages 10 people in the 50-person demo (seed 2020)
HR = "btebbutt"  # HR, manages nobody
EMPLOYEE = "rrobinson"  # staff only
ADMIN = "admin"  # no staff record


@pytest.fixture(scope="session")
def demo_store(demo_template: tuple[Path, MemoryKeyring]) -> Iterator[Store]:
    """The shared demo store, opened once: for tests that only read it."""
    path, ring = demo_template
    store = open_demo_store(path, keyring_backend=ring)
    yield store
    store.close()


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path: Path, qapp: QtWidgets.QApplication) -> Iterator[Path]:
    """Default-constructed QSettings land in a temporary folder under a test organisation."""
    folder = tmp_path / "qsettings"
    old_org = qapp.organizationName()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder))
    qapp.setOrganizationName("LCC APR Tests")
    yield folder
    qapp.setOrganizationName(old_org)
    apply_appearance(qapp, theme="system", text_scale=100)  # undo any theme a test set


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def runner(qapp: QtWidgets.QApplication) -> Iterator[TaskRunner]:
    """Runs each task inline, so results are there when the call returns."""
    inline = TaskRunner(inline=True)
    yield inline
    inline.shutdown()


@pytest.fixture
def threaded_runner(qapp: QtWidgets.QApplication) -> Iterator[TaskRunner]:
    real = TaskRunner()
    yield real
    real.shutdown(wait=True)


def context_for(store: Store, username: str) -> AppContext:
    with store.session() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        current = CurrentUser.from_user(user)
    return AppContext(
        store=store,
        catalogue=CATALOGUE,
        policy=POLICY,
        user=current,
        today=lambda: AS_OF,
    )


CATALOGUE = Catalogue.load()
POLICY = load_policy()


def editor_window(context: AppContext, runner, record_id: str):
    """The editor window as Windows.open_record opens it, the record loaded here at once."""
    from lcc_apr.ops.editing import open_record
    from ui.records import EditorWindow

    session = open_record(
        context.store,
        record_id=record_id,
        user=context.user,
        catalogue=context.catalogue,
        policy=context.policy,
    )
    return EditorWindow(context, runner, session)


@pytest.fixture
def make_context(demo_store: Store) -> Callable[[str], AppContext]:
    return lambda username: context_for(demo_store, username)
