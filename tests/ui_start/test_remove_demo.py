"""The welcome's "Remove the demo data...": asks first, then removes through the core."""

from main import make_sign_in, remove_demo_data
from ui.qt import Qt, QtWidgets
from ui.tasks import TaskRunner
from ui.welcome import WelcomeDialog


def _welcome(qtbot, folder, remove):
    runner = TaskRunner()
    dialog = WelcomeDialog(runner=runner, sign_in=make_sign_in(folder), remove_demo=remove)
    qtbot.addWidget(dialog)
    return dialog, runner


def test_removes_every_demo_file_once_confirmed(qtbot, tmp_path, monkeypatch):
    (tmp_path / "demo-server.db").write_bytes(b"x" * 3000)
    (tmp_path / "cache-demo-pmarshall2.db").write_bytes(b"x" * 2000)
    (tmp_path / "cache-https---apr-example-gov-uk-jo.db").write_bytes(b"mine")
    monkeypatch.setattr(
        QtWidgets.QMessageBox, "question", lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Yes
    )
    dialog, runner = _welcome(qtbot, tmp_path, lambda: remove_demo_data(tmp_path))
    try:
        qtbot.mouseClick(dialog.remove_demo_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Removed" in dialog.message.text(), timeout=10_000)
        assert dialog.message.text() == "Removed 2 demo file(s) (5.0 KB freed)."
        assert [p.name for p in tmp_path.iterdir()] == ["cache-https---apr-example-gov-uk-jo.db"]
        assert dialog.remove_demo_button.isEnabled()
    finally:
        runner.shutdown()


def test_nothing_is_removed_when_the_person_says_no(qtbot, tmp_path, monkeypatch):
    (tmp_path / "demo-server.db").write_bytes(b"x")
    monkeypatch.setattr(
        QtWidgets.QMessageBox, "question", lambda *a, **k: QtWidgets.QMessageBox.StandardButton.No
    )
    calls: list[int] = []
    dialog, runner = _welcome(qtbot, tmp_path, lambda: str(calls.append(1)))
    try:
        qtbot.mouseClick(dialog.remove_demo_button, Qt.MouseButton.LeftButton)
        qtbot.wait(100)
        assert calls == [] and (tmp_path / "demo-server.db").exists()
    finally:
        runner.shutdown()


def test_hidden_without_a_way_to_remove(qtbot, tmp_path):
    dialog, runner = _welcome(qtbot, tmp_path, None)
    try:
        dialog.show()
        assert not dialog.remove_demo_button.isVisible()
    finally:
        runner.shutdown()
