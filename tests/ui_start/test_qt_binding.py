"""The Qt binding must not corrupt Python's reference counts when signals carry values.

PySide6 6.12.0 does: after a few thousand `Signal(object).emit(True)` calls (or task
results delivered to the UI thread) Python aborts with "deallocating True or False".
A long session emits far more than that, so the project pins a release without it.
"""

import sys
import threading

from ui.qt import QObject, QtWidgets, Signal
from ui.tasks import TaskRunner

from ..conftest import python_prints


class Emitter(QObject):
    value = Signal(object)
    wake = Signal()


def test_emitting_values_keeps_reference_counts(qapp):
    emitter, got = Emitter(), []
    emitter.value.connect(got.append)
    before = {name: sys.getrefcount(obj) for name, obj in (("None", None), ("True", True))}
    for _ in range(2000):
        emitter.value.emit(True)
        emitter.value.emit(None)
    got.clear()
    after = {name: sys.getrefcount(obj) for name, obj in (("None", None), ("True", True))}
    assert all(abs(after[k] - before[k]) < 100 for k in before), (before, after)


def test_thousands_of_task_results_keep_reference_counts(qapp, qtbot):
    runner = TaskRunner()
    done: list[object] = []
    before = sys.getrefcount(True)
    for _ in range(3000):
        runner.read(lambda _c: True, on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == 3000, timeout=30_000)
    done.clear()
    runner.shutdown()
    assert sys.getrefcount(True) > before - 100  # never freed from under Python


def test_signals_from_worker_threads_keep_reference_counts(qapp, qtbot):
    emitter, count = Emitter(), [0]
    emitter.wake.connect(lambda: count.__setitem__(0, count[0] + 1))
    before = sys.getrefcount(True)
    worker = threading.Thread(target=lambda: [emitter.wake.emit() for _ in range(3000)])
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: count[0] == 3000, timeout=30_000)
    assert abs(sys.getrefcount(True) - before) < 100
    assert isinstance(QtWidgets.QApplication.instance(), QtWidgets.QApplication)


def test_modules_imported_after_qt_are_not_read_for_pyside_features(tmp_path):
    """PySide6 reads the source of every module imported after it (for `__feature__`);
    ui.qt answers from the name instead: no source is read, and the answer is PySide's
    own for our modules and for others."""
    (tmp_path / "plain_module.py").write_text("VALUE = 1\n")
    script = (
        "import inspect, sys\n"
        "import ui.qt\n"
        "reads = []\n"
        "real = inspect.getsource\n"
        "inspect.getsource = lambda m: reads.append(m.__name__) or real(m)\n"
        "import plain_module, ui.about\n"
        "feature = sys.modules['PySide6.support.feature']\n"
        "marks = feature.pyside_feature_dict\n"
        "ours = feature._mod_uses_pyside(sys.modules['ui.about'])\n"
        "print(reads, marks['plain_module'], ours)\n"
    )
    assert python_prints(script, path=[tmp_path]).split() == ["[]", "-1", "True"]
