"""Benchmark: the desktop's responsiveness, as ratios measured in the same run.

1. Cold start against a bare PySide6 QMainWindow, each a fresh process timed from its
   first line: (a) the app's first window (the sign-in, which opens the store and syncs
   in a worker while it shows), (b) the main window with the manager's team loaded from
   the full demo store, its key from the keyring (a later start).
2. Opening a record editor (an APR) in the window.
3. HR's full record list: first page, sort, filter by surname, by full name, by payroll
   number (SQL-side), on the full demo.
4. The longest UI-thread stall during HR's full first sync from the embedded demo
   server: a 10 ms QTimer records how late the event loop runs it.
Writes bench/out/ui.json. Run: `QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from lcc_apr.demo.build import build_demo_store, open_demo_store  # noqa: E402
from lcc_apr.forms import Catalogue  # noqa: E402
from lcc_apr.models import Employee, Record, Role, User, UserRole  # noqa: E402
from lcc_apr.policy import load_policy  # noqa: E402
from tests.conftest import MemoryKeyring  # noqa: E402

TODAY = date(2026, 11, 30)
BARE = """
import time; t = time.perf_counter()
from PySide6 import QtCore, QtWidgets
app = QtWidgets.QApplication([]); w = QtWidgets.QMainWindow(); w.show()
QtCore.QTimer.singleShot(0, lambda: (print(time.perf_counter() - t), app.quit())); app.exec()
"""
FIRST = """
import sys, time; t = time.perf_counter()
sys.path.insert(0, {root!r})
import main  # the composition root: what `python main.py` loads first
from ui.start import WelcomeDialog, ensure_app
from ui.qt import QtCore
from ui.tasks import TaskRunner
app = ensure_app()
w = WelcomeDialog(runner=TaskRunner(), sign_in=lambda *a: None, server_url="")
w.show()
QtCore.QTimer.singleShot(0, lambda: (print(time.perf_counter() - t), app.quit())); app.exec()
"""
OURS = """
import sys, time; t = time.perf_counter()
sys.path.insert(0, {root!r})
from datetime import date
from lcc_apr.store import open_store
from lcc_apr.forms import Catalogue
from lcc_apr.policy import load_policy
from lcc_apr.models import User
from tests.conftest import MemoryKeyring
from ui.app import build_window, ensure_app
from lcc_apr.ops.user import CurrentUser
from ui.context import AppContext
from ui.qt import QtCore
app = ensure_app()
from pathlib import Path
keyring = MemoryKeyring(); keyring.items.update({items!r})
store = open_store(Path({path!r}), keyring_backend=keyring)
with store.session() as s:
    me = CurrentUser.from_user(s.get(User, {user}))
context = AppContext(store, Catalogue.load(), load_policy(), me, today=lambda: date(2026, 11, 30))
w = build_window(context); w.show_page("team"); w.show()  # the inbox is first
team = w.pages["team"]
def ready():
    if team.model.rowCount() == 0:
        QtCore.QTimer.singleShot(1, ready); return
    print(time.perf_counter() - t); app.quit()
QtCore.QTimer.singleShot(0, ready); app.exec()
"""


def median_run(code: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return sorted(times)[len(times) // 2]


def main() -> None:
    from lcc_apr.ops.user import CurrentUser
    from ui.all_records import AllRecordsModel
    from ui.app import ensure_app
    from ui.context import AppContext
    from ui.qt import Qt, QtCore
    from ui.tasks import TaskRunner
    from ui.windows import Windows

    app = ensure_app()
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.db"
        keyring = MemoryKeyring()
        build_demo_store(path, size=6087, as_of=TODAY, keyring_backend=keyring)
        store = open_demo_store(path, keyring_backend=keyring)
        with store.session() as s:
            manager = s.scalars(
                select(User)
                .join(UserRole)
                .where(UserRole.role == Role.MANAGER)
                .order_by(User.id)
                .offset(40)
            ).first()
            hr = s.scalar(select(User).join(UserRole).where(UserRole.role == Role.HR))
            apr = s.scalar(select(Record.id).where(Record.kind == "apr", Record.status == "draft"))
            someone = s.get(Employee, s.scalar(select(Record.subject_id).offset(120_000)))
            full_name, payroll = someone.display_name, someone.payroll_number
            manager_user, hr_user = CurrentUser.from_user(manager), CurrentUser.from_user(hr)
        store.close()
        root = str(Path(__file__).resolve().parents[1])
        bare = median_run(BARE)
        first = median_run(FIRST.format(root=root))
        ours = median_run(
            OURS.format(root=root, path=str(path), user=manager_user.user_id, items=keyring.items)
        )
        result["start"] = {
            "bare_window_s": round(bare, 3),
            "first_window_s": round(first, 3),
            "first_window_ratio": round(first / bare, 2),
            "main_window_with_team_s": round(ours, 3),
            "main_window_ratio": round(ours / bare, 2),
        }

        store = open_demo_store(path, keyring_backend=keyring)
        catalogue = Catalogue.load()
        from ui.start import warm_up

        warm_up()  # as the app does in its sign-in worker
        runner = TaskRunner()  # the app's: the letters check runs in a worker
        hr_context = AppContext(store, catalogue, load_policy(), hr_user, today=lambda: TODAY)
        windows = Windows(hr_context, runner)
        started = time.perf_counter()
        windows.open_record(apr)  # the record loads in a read task, then the editor shows
        while not windows.open:  # sleeps until the read task's answer arrives
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        app.processEvents()
        result["editor_open_ms"] = round(1000 * (time.perf_counter() - started), 1)
        windows.open[-1].close()
        runner.shutdown()
        runner = TaskRunner(inline=True)

        model = AllRecordsModel(hr_context, runner)
        timings = {}
        for name, action in (
            ("first_page", model.fetchMore),
            ("sort_by_person", lambda: model.sort(0, Qt.SortOrder.AscendingOrder)),
            ("sort_by_payroll_number", lambda: model.sort(1, Qt.SortOrder.AscendingOrder)),
            ("filter_by_name", lambda: model.set_filter(person="Smith")),
            ("filter_by_full_name", lambda: model.set_filter(person=full_name)),
            ("filter_by_payroll_number", lambda: model.set_filter(person=payroll)),
            ("filter_capability", lambda: model.set_filter(person="", kind="capability")),
        ):
            started = time.perf_counter()
            action()
            timings[name + "_ms"] = round(1000 * (time.perf_counter() - started), 1)
        with store.session() as s:
            timings["records"] = s.query(Record).count()
        result["hr_record_list"] = timings
        runner.shutdown()
        store.close()
        if not os.environ.get("BENCH_NO_SYNC"):  # the rest alone, e.g. before and after a change
            result["sync_stall"] = sync_stall(Path(tmp), app)
    out = Path(__file__).with_name("out")
    out.mkdir(exist_ok=True)
    (out / "ui.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


def sync_stall(folder: Path, app) -> dict:
    """HR's full first sync in the app's task runner while a 10 ms timer measures lateness."""
    import gc

    from lcc_apr.launch import sign_in
    from lcc_apr.server.embedded import EmbeddedServer
    from ui.qt import QtCore
    from ui.tasks import TaskRunner

    server = EmbeddedServer(folder, staged=False)  # HR's full first sync: every record first
    server.prepare()
    url = server.start()
    gc.freeze()  # as ui.start's sign-in does once the app's modules are loaded
    hr = server.logins().hr
    runner = TaskRunner()
    worst, last, done = [0.0], [time.perf_counter()], []

    def tick():
        now = time.perf_counter()
        worst[0] = max(worst[0], now - last[0] - 0.010)
        last[0] = now

    timer = QtCore.QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    started = time.perf_counter()
    runner.write(
        lambda c: sign_in(
            url=url,
            username=hr,
            password="demo",
            folder=folder,
            keyring_backend=MemoryKeyring(),
            ask_passphrase=lambda new: "demo",
            catalogue=Catalogue.load(),
            demo=True,
        ),
        on_done=done.append,
        on_error=done.append,
    )
    while not done:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
    seconds = time.perf_counter() - started
    timer.stop()
    runner.shutdown()
    received = done[0].first_sync.received if hasattr(done[0], "first_sync") else str(done[0])
    if hasattr(done[0], "close"):
        done[0].close()
    server.stop()
    return {
        "records": received,
        "seconds": round(seconds, 1),
        "longest_stall_ms": round(1000 * worst[0], 1),
    }


if __name__ == "__main__":
    main()
