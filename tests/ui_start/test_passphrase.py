"""Without a keyring the welcome asks for the passphrase that locks this computer's records
(issue 13, 7): the dialog, the asker the worker calls, and the welcome handing it over."""

import threading

import ui.passphrase as passphrase
from ui.events import on_ui_thread
from ui.passphrase import PassphraseAsker, PassphraseDialog
from ui.qt import QtWidgets
from ui.tasks import TaskRunner
from ui.welcome import WelcomeDialog

OK = QtWidgets.QDialogButtonBox.StandardButton.Ok


def test_a_new_passphrase_is_typed_twice_and_must_match(qtbot):
    dialog = PassphraseDialog(new=True)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(OK)
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.first, "long enough words")
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.second, "long enough word")
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.second, "s")
    assert ok.isEnabled() and dialog.passphrase() == "long enough words"
    assert dialog.first.echoMode() == QtWidgets.QLineEdit.EchoMode.Password
    for widget in (dialog.first, dialog.second):
        assert widget.accessibleName()


def test_an_existing_passphrase_is_typed_once(qtbot):
    dialog = PassphraseDialog(new=False)
    qtbot.addWidget(dialog)
    assert dialog.second is None and not dialog.buttons.button(OK).isEnabled()
    qtbot.keyClicks(dialog.first, "words")
    assert dialog.buttons.button(OK).isEnabled()


def test_the_asker_shows_the_dialog_on_the_ui_thread_for_a_worker(qtbot, monkeypatch):
    seen = []

    def ask_on_screen(new):
        seen.append((new, on_ui_thread()))
        return "typed"

    monkeypatch.setattr(passphrase, "ask_passphrase", ask_on_screen)
    asker = PassphraseAsker()
    answers = []
    worker = threading.Thread(target=lambda: answers.append(asker(True)))
    worker.start()
    qtbot.waitUntil(lambda: answers == ["typed"])
    worker.join()
    assert seen == [(True, True)]


def test_the_welcome_hands_its_asker_to_the_sign_in(qtbot):
    given = []

    def sign_in(role, url, user, password, progress, cancel=None, ask=None):
        given.append(ask(False))
        return "session"

    dialog = WelcomeDialog(
        runner=TaskRunner(inline=True), sign_in=sign_in, ask_passphrase=lambda new: "asked"
    )
    qtbot.addWidget(dialog)
    dialog.resume("https://apr.leics.gov.uk", "sam")
    assert given == ["asked"] and dialog.session == "session"
    default = WelcomeDialog(runner=TaskRunner(inline=True), sign_in=sign_in)
    qtbot.addWidget(default)
    assert isinstance(default.ask_passphrase, PassphraseAsker)
