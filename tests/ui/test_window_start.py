"""The main window before its store is open (issue 17): the window, its sections and its
pages' frames show at once; the pages' reads wait for the store being opened in a worker
(lcc_apr.ops.opening), then the team fills in; no frame moves, focus and names stay.

Screenshots: window-start-1.png (the frame, store not yet open) and window-start-2.png
(filled), in a temporary folder; with LCC_APR_SCREENSHOTS=1 in docs/screenshots/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import select

from lcc_apr.models import User
from lcc_apr.ops.opening import Opening
from lcc_apr.ops.user import CurrentUser
from ui.app import build_window, open_once_shown
from ui.context import AppContext
from ui.qt import Qt, QtCore, QtWidgets

from .conftest import AS_OF, CATALOGUE, MANAGER, POLICY
from .test_screenshots import SIZE, folder, picture  # noqa: F401 (fixture)


def frames(window) -> dict[str, QtCore.QRect]:
    """Where each frame the person sees sits in the window."""
    team = window.pages["team"]
    widgets = {
        "sections": window.nav,
        "signed in as": window.who,
        "page": window.stack,
        "status bar": window.status,
        "connection": window.status.connection,
        "unsynced changes": window.status.unsynced,
        "last sync": window.status.last_sync,
        "menu bar": window.menuBar(),
        "team heading": team.heading,
        "team filter": team.filter_box,
        "team show": team.show_box,
        "team table": team.table,
        "team summary": team.summary,
    }
    return {
        name: QtCore.QRect(w.mapTo(window, QtCore.QPoint(0, 0)), w.size())
        for name, w in widgets.items()
    }


def settled(qtbot, window) -> dict[str, QtCore.QRect]:
    """The frames once two looks 50 ms apart agree (a loaded machine lays out late)."""
    last: dict[str, QtCore.QRect] = {}
    for _ in range(40):
        qtbot.wait(50)
        now = frames(window)
        if now == last:
            return now
        last = now
    return last


def bar_shown(table) -> bool:
    """Whether the first placeholder row's bar is painted in the first column."""
    image = table.viewport().grab().toImage()
    height = table.verticalHeader().defaultSectionSize()
    x = table.columnViewportPosition(0) + table.columnWidth(0) // 4
    return image.pixelColor(x, height // 2) != table.palette().color(
        table.viewport().backgroundRole()
    )


def unnamed(window) -> list[str]:
    """Focusable widgets on show without an accessible name."""
    return [
        type(w).__name__
        for w in window.findChildren(QtWidgets.QWidget)
        if w.isVisible() and w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.accessibleName()
    ]


def tab_order(window, start: QtWidgets.QWidget, steps: int) -> list[str]:
    found, widget = [], start
    for _ in range(steps):
        widget = widget.nextInFocusChain()
        while widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isVisible():
            widget = widget.nextInFocusChain()
        found.append(widget.accessibleName())
    return found


def test_the_window_shows_first_and_the_team_fills_in(
    qtbot,
    demo_store,
    settings,
    threaded_runner,
    folder,  # noqa: F811
):
    with demo_store.session() as s:
        me = CurrentUser.from_user(s.scalars(select(User).filter_by(username=MANAGER)).one())
    opened = threading.Event()  # the test says when the store has finished opening
    store = Opening()

    def opener():
        assert opened.wait(30)
        return demo_store

    context = AppContext(store, CATALOGUE, POLICY, me, today=lambda: AS_OF)  # type: ignore[arg-type]
    window = build_window(context, settings=settings, runner=threaded_runner)
    qtbot.addWidget(window)
    window.show_page("team")
    window.resize(*SIZE)
    window.show()
    open_once_shown(window, store, opener)
    qtbot.waitExposed(window)
    before = settled(qtbot, window)  # its first layout done (the status bar's size grip)
    team = window.pages["team"]

    # the frame: every section, the team's page with its filter and empty table, waiting
    assert not store.is_open and team.loading and team.model.rowCount() == 0
    assert team.summary.text() == "Loading…"
    assert team.table.waiting and bar_shown(team.table)  # placeholder rows where rows come
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == [
        "Needs my action",
        "My team",
        "My own records",
        "Management information",
    ]
    assert unnamed(window) == []
    window.nav.setFocus()
    assert tab_order(window, window.nav, 3) == ["Filter", "Show", "My team table"]
    assert frames(window) == before
    header = team.table.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(header.count())]
    picture(window, 1).save(str(folder / "window-start-1.png"))

    opened.set()
    qtbot.waitUntil(  # the team's rows, and the inbox's count (its reply comes queued)
        lambda: (
            team.model.rowCount() > 0
            and not threaded_runner.active()
            and window.nav.item(0).text().startswith("Needs my action (")
        ),
        timeout=30_000,
    )
    assert team.summary.text() != "Loading…"
    assert not team.table.waiting
    assert settled(qtbot, window) == before
    # nothing jumps: the columns keep the widths the empty table had
    assert [header.sectionSize(c) for c in range(header.count())] == widths
    assert unnamed(window) == []
    assert tab_order(window, window.nav, 3) == ["Filter", "Show", "My team table"]
    picture(window, 1).save(str(folder / "window-start-2.png"))


def test_a_store_that_cannot_open_says_so_on_each_page(
    qtbot, settings, threaded_runner, demo_store
):
    with demo_store.session() as s:
        me = CurrentUser.from_user(s.scalars(select(User).filter_by(username=MANAGER)).one())
    store = Opening()

    def opener():
        raise RuntimeError("The key is not in the keyring")

    threaded_runner.write(lambda _control: store.open(opener), on_error=lambda e: None)
    context = AppContext(store, CATALOGUE, POLICY, me, today=lambda: AS_OF)  # type: ignore[arg-type]
    window = build_window(context, settings=settings, runner=threaded_runner)
    qtbot.addWidget(window)
    window.show_page("team")
    window.show()
    team = window.pages["team"]
    qtbot.waitUntil(lambda: not team.loading, timeout=10_000)
    assert team.summary.text() == "Could not read the list: The key is not in the keyring"


FRAME_ONLY = """
import sys
from datetime import date
from ui.app import build_window, ensure_app
from ui.tasks import TaskRunner
from lcc_apr.forms import Catalogue
from lcc_apr.models import Role
from lcc_apr.ops.opening import Opening
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import load_policy
from ui.context import AppContext
app = ensure_app()
runner = TaskRunner()
held = []
runner.read = lambda work, **kw: held.append(work)  # the reads are held: nothing runs
roles = frozenset({Role.MANAGER, Role.HR, Role.EMPLOYEE})
me = CurrentUser(1, "Sam Smith", roles, 1)
context = AppContext(Opening(), Catalogue.later(), load_policy(), me, today=date.today)
window = build_window(context, runner=runner)
for key in window.page_keys():
    window.show_page(key)
window.show()
app.processEvents()
heavy = ("sqlalchemy", "sqlcipher3", "keyring", "holidays", "matplotlib", "reportlab",
         "lcc_apr.forms.loader")
print(len(held), sorted(m for m in heavy if m in sys.modules))
"""


def test_the_frame_shows_without_the_store_side_loaded():
    """The window and every page of a manager in HR build without SQLAlchemy, the store's
    cipher and keyring, the bank holidays, matplotlib, reportlab or the form templates
    (Catalogue.later): those load in workers."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", FRAME_ONLY], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    held, loaded = out.stdout.split(" ", 1)
    assert int(held) >= 3 and loaded.strip() == "[]"
