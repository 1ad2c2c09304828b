"""The welcome screen: demo sign-in as each role into a real main window; errors in place."""

from pathlib import Path

import pytest

from lcc_apr.forms import Catalogue
from lcc_apr.sync.errors import SyncError
from main import make_context, make_sign_in
from ui.app import build_window
from ui.qt import Qt, QtWidgets
from ui.tasks import TaskRunner
from ui.welcome import WelcomeDialog

CATALOGUE = Catalogue.load()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("welcome")


@pytest.fixture
def runner(qtbot):
    runner = TaskRunner()
    yield runner
    runner.shutdown()


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        ("manager", {"team", "own"}),
        ("employee", {"own"}),
        ("hr", {"hr", "own"}),
    ],
)
def test_try_the_demo_opens_the_main_window_for_each_role(
    qtbot, runner, folder, role, pages, monkeypatch
):
    from lcc_apr.store import keys

    monkeypatch.setattr(keys, "secure_keyring", lambda backend=None: None)  # demo passphrase
    dialog = WelcomeDialog(runner=runner, sign_in=make_sign_in(folder, CATALOGUE, demo_size=50))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=60_000):
        qtbot.mouseClick(dialog.demo_buttons[role], Qt.MouseButton.LeftButton)
    session = dialog.session
    try:
        window = build_window(make_context(session, CATALOGUE), runner=runner)
        qtbot.addWidget(window)
        assert set(window.page_keys()) >= pages
        if role != "hr":
            assert "hr" not in window.page_keys()
        assert session.user["display_name"] in window.windowTitle()
        window.status.note_outcome(session.first_sync)
        assert window.status.online is True
        assert "received" in window.status.message.text()
        window.close()
    finally:
        runner.shutdown()  # running reads finish before the store closes
        session.close()


def test_sign_in_problems_are_shown_in_place(qtbot):
    runner = TaskRunner(inline=True)

    def refuse(role, url, user, password, progress, cancel=None, ask=None):
        progress("Signing in...")
        raise SyncError("That username or password is not right.")

    dialog = WelcomeDialog(runner=runner, sign_in=refuse, server_url="https://apr.example.gov.uk")
    qtbot.addWidget(dialog)
    dialog.connect_to_server()
    assert "Enter the server address, your username and your password" in dialog.message.text()
    dialog.username.setText("sam")
    dialog.password.setText("secret")
    dialog.connect_to_server()
    assert dialog.message.text() == "That username or password is not right."
    assert dialog.password.text() == "" and dialog.connect_button.isEnabled()
    assert dialog.result() != QtWidgets.QDialog.DialogCode.Accepted


def test_every_control_has_an_accessible_name(qtbot):
    dialog = WelcomeDialog(runner=TaskRunner(inline=True), sign_in=lambda *a: None)
    qtbot.addWidget(dialog)
    for widget in dialog.findChildren(QtWidgets.QWidget):
        if isinstance(widget, QtWidgets.QLineEdit | QtWidgets.QPushButton):
            assert widget.accessibleName(), widget


def test_the_demo_offers_its_people_with_a_line_each_on_who_they_are(qtbot):
    from lcc_apr.demo_people import DEMO_PEOPLE

    dialog = WelcomeDialog(runner=TaskRunner(inline=True), sign_in=lambda *a: None)
    qtbot.addWidget(dialog)
    shown = [label.text() for label in dialog.findChildren(QtWidgets.QLabel)]
    for person in DEMO_PEOPLE:
        button = dialog.demo_buttons[person.role]
        assert person.title in button.accessibleName()
        assert person.line in shown and button.accessibleDescription() == person.line
    assert "APR shared with them" in dialog.demo_buttons["employee"].accessibleDescription()
