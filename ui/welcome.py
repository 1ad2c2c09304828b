"""First run and sign-in: connect to the organisation's server, or try the demo.

The dialog owns no rules: it collects what the person types and runs
lcc_apr.launch in a background task, showing its progress and its errors
(sentences from the core) in place. On success `session` holds the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lcc_apr.demo_people import DEMO_PEOPLE

from .passphrase import PassphraseAsker
from .qt import QtCore, QtWidgets
from .tasks import Task, TaskRunner

# (role or None, server URL, username, password, progress, cancel, ask_passphrase) ->
# lcc_apr.launch.Session; quitting sets the cancel event (a threading.Event) and the sign-in
# stops at its next page; ask_passphrase(new) -> str asks the person (no keyring)
AskPassphrase = Callable[[bool], str]
SignIn = Callable[
    [str | None, str, str, str | None, Callable[[Any], None], Any, AskPassphrase], Any
]
# (server URL) -> whether that server offers sign-in with the council account (GET
# /auth/sso); run on the read pool, so it may take its time
CouncilOffered = Callable[[str], bool]
# (server URL, progress, cancel, ask_passphrase) -> lcc_apr.launch.Session: single sign-on
# through the system browser; setting cancel (the Cancel button) stops the wait
CouncilSignIn = Callable[[str, Callable[[Any], None], Any, AskPassphrase], Any]
BUTTONS = {"manager": "Line &manager", "employee": "Member of &staff", "hr": "&HR adviser"}


class WelcomeDialog(QtWidgets.QDialog):
    def __init__(
        self,
        *,
        runner: TaskRunner,
        sign_in: SignIn,
        server_url: str = "",
        username: str = "",
        lock_server: bool = False,
        offer_demo: bool = True,
        ask_passphrase: AskPassphrase | None = None,
        council_sign_in: CouncilSignIn | None = None,
        council_offered: CouncilOffered | None = None,
        single_sign_on: bool = False,
        remove_demo: Callable[[], str] | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        """`single_sign_on` shows "Sign in with your council account" from the start (the
        organisation says so); otherwise it shows once `council_offered` says the server
        at the address offers it. `remove_demo` (lcc_apr.demo.remove, run in a worker)
        deletes every demo file and returns what it did in words."""
        super().__init__(parent)
        self._remove_demo = remove_demo
        self.runner, self._sign_in = runner, sign_in
        self._council_sign_in, self._council_offered = council_sign_in, council_offered
        self._single_sign_on = single_sign_on and council_sign_in is not None
        # kept by the session too: the signing key may ask later, from the main window
        self.ask_passphrase = ask_passphrase or PassphraseAsker()
        self.session: Any = None
        self.role: str | None = None  # the demo person signed in as (None: a server)
        self._task: Task | None = None
        self.setWindowTitle("Welcome to LCC APR")
        self.setAccessibleName("Welcome to LCC APR")
        layout = QtWidgets.QVBoxLayout(self)
        title = QtWidgets.QLabel(
            "<h2>LCC APR</h2><p>Annual Performance Reviews, supervisions, "
            "probation and capability records for Leicestershire County "
            "Council.</p>"
        )
        title.setWordWrap(True)
        layout.addWidget(title)

        server = QtWidgets.QGroupBox("Connect to your organisation's server")
        form = QtWidgets.QFormLayout(server)
        self.url = self._line("Server address", server_url, "https://apr.example.gov.uk")
        self.username = self._line("Username", username, "")
        self.password = self._line("Password", "", "")
        self.password.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        form.addRow("Server &address:", self.url)
        if lock_server:  # the organisation file names the server
            self.url.setReadOnly(True)
            self.url.setAccessibleDescription("Set by your organisation")
            self.url.setToolTip("Set by your organisation")
            form.addRow("", QtWidgets.QLabel("<i>Set by your organisation</i>"))
        form.addRow("&Username:", self.username)
        form.addRow("&Password:", self.password)
        self.connect_button = QtWidgets.QPushButton("&Connect")
        self.connect_button.setAccessibleName("Connect to the server")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.connect_to_server)
        form.addRow("", self.connect_button)
        self.council_button = QtWidgets.QPushButton("Sign &in with your council account")
        self.council_button.setAccessibleName("Sign in with your council account")
        self.council_button.setAccessibleDescription(
            "Opens your council's sign-in page in your web browser"
        )
        self.council_button.clicked.connect(self.sign_in_with_council_account)
        self.council_button.setVisible(self._single_sign_on)
        form.addRow("", self.council_button)
        self.cancel_button = QtWidgets.QPushButton("Ca&ncel signing in")
        self.cancel_button.setAccessibleName("Cancel signing in")
        self.cancel_button.clicked.connect(self.cancel_sign_in)
        self.cancel_button.hide()
        form.addRow("", self.cancel_button)
        self.url.editingFinished.connect(self.ask_server)
        layout.addWidget(server)

        demo = QtWidgets.QGroupBox("Try the demo")
        row = QtWidgets.QVBoxLayout(demo)
        note = QtWidgets.QLabel(
            "A made-up organisation of 6,087 people runs on this computer; "
            "nothing leaves it. The first start builds it in about 10 s; the records only "
            "HR sees keep coming for a minute or two after (Sync now fetches them). "
            "Sign in as:"
        )
        note.setWordWrap(True)
        row.addWidget(note)
        self.demo_buttons: dict[str, QtWidgets.QPushButton] = {}
        people = QtWidgets.QGridLayout()
        people.setColumnStretch(1, 1)
        for number, person in enumerate(DEMO_PEOPLE):
            text = BUTTONS[person.role]
            button = QtWidgets.QPushButton(text)
            button.setAccessibleName(f"Try the demo as the {person.title}")
            button.setAccessibleDescription(person.line)
            button.clicked.connect(lambda _=False, r=person.role: self.start_demo(r))
            line = QtWidgets.QLabel(person.line)
            line.setWordWrap(True)
            people.addWidget(button, number, 0)
            people.addWidget(line, number, 1)
            self.demo_buttons[person.role] = button
        row.addLayout(people)
        self.remove_demo_button = QtWidgets.QPushButton("&Remove the demo data...")
        self.remove_demo_button.setAccessibleName("Remove the demo data")
        self.remove_demo_button.setAccessibleDescription(
            "Deletes the demo organisation and the demo people's records from this computer"
        )
        self.remove_demo_button.clicked.connect(self.ask_remove_demo)
        self.remove_demo_button.setVisible(remove_demo is not None)
        remove_row = QtWidgets.QHBoxLayout()
        remove_row.addStretch(1)
        remove_row.addWidget(self.remove_demo_button)
        row.addLayout(remove_row)
        layout.addWidget(demo)
        self.offer_demo = offer_demo
        demo.setVisible(offer_demo)  # the organisation file may leave the demo out
        # wide enough for each person's line (wrapped lines in a grid overlap when squeezed)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("m") * 48)

        self.message = QtWidgets.QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Progress and messages")
        layout.addWidget(self.message)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setAccessibleName("Progress")
        self.bar.setTextVisible(False)  # the words above say it
        self.bar.hide()
        layout.addWidget(self.bar)
        self.quit_button = QtWidgets.QPushButton("&Quit")
        self.quit_button.setAccessibleName("Quit")
        self.quit_button.clicked.connect(self.reject)
        footer = QtWidgets.QHBoxLayout()
        footer.addStretch(1)
        footer.addWidget(self.quit_button)
        layout.addLayout(footer)
        if server_url:
            self.ask_server()
        # the first field left to fill has the cursor (after a session ended: the password)
        empty = [w for w in (self.url, self.username, self.password) if not w.text()]
        (empty[0] if empty else self.connect_button).setFocus()

    def _line(self, name: str, text: str, placeholder: str) -> QtWidgets.QLineEdit:
        line = QtWidgets.QLineEdit(text)
        line.setAccessibleName(name)
        line.setPlaceholderText(placeholder)
        return line

    # -- actions ------------------------------------------------------------------

    def connect_to_server(self) -> None:
        url, user = self.url.text().strip(), self.username.text().strip()
        if not url or not user or not self.password.text():
            self.show_message("Enter the server address, your username and your password.")
            return
        self._run(None, url, user, self.password.text())

    def ask_server(self) -> None:
        """Ask the server at the address (in a worker) whether it offers sign-in with the
        council account; the button shows when it does."""
        url = self.url.text().strip()
        if (
            not url
            or self._council_offered is None
            or self._council_sign_in is None
            or self.runner.closed
        ):
            return
        offered = self._council_offered
        self.runner.read(
            lambda _control: offered(url),
            on_done=lambda yes: self._offer(url, bool(yes)),
            on_error=lambda _error: None,  # not offered: the password stays
            name="ask for single sign-on",
        )

    def _offer(self, url: str, offered: bool) -> None:
        if url == self.url.text().strip():  # still the address asked about
            self.council_button.setVisible(offered or self._single_sign_on)

    def sign_in_with_council_account(self) -> None:
        url = self.url.text().strip()
        if not url:
            self.show_message("Enter the server address first.")
            return
        council = self._council_sign_in
        assert council is not None
        self.role = None
        self._busy(True)
        self.cancel_button.show()
        self.cancel_button.setFocus()  # Enter or Space stops the wait
        self.show_message("Starting...")

        def work(control: Any) -> Any:
            return council(url, control.progress, control.cancel, self.ask_passphrase)

        self._task = self.runner.write(
            work,
            on_done=self._done,
            on_error=self._failed,
            on_progress=self.show_message,
            name="sign in with the council account",
        )

    def cancel_sign_in(self) -> None:
        """Stop waiting for the browser (the person closed it, or changed their mind)."""
        if self._task is not None:
            self._task.cancel()
        self.cancel_button.setEnabled(False)

    def start_demo(self, role: str) -> None:
        if not self.offer_demo:
            return  # the organisation does not offer it
        self._run(role, "", "", None)

    def ask_remove_demo(self) -> None:
        """Asks, then removes every demo file (in a worker); the outcome shows below."""
        answer = QtWidgets.QMessageBox.question(
            self,
            "Remove the demo data",
            "Delete the demo organisation and the demo people's records from this computer? "
            "Your own organisation's records are kept. The demo is built again if you try it.",
        )
        if answer == QtWidgets.QMessageBox.StandardButton.Yes:
            self.remove_demo_now()

    def remove_demo_now(self) -> None:
        remove = self._remove_demo
        assert remove is not None
        self._busy(True)
        self.show_message("Removing the demo data...")

        def done(words: Any) -> None:
            self._busy(False)
            self.show_message(str(words))

        def failed(error: BaseException) -> None:
            self._busy(False)
            from lcc_apr.ops.words import error_words  # SQLAlchemy's errors: not before it shows

            self.show_message(error_words(error, doing="Removing the demo data"))

        self.runner.write(
            lambda _control: remove(),
            on_done=done,
            on_error=failed,
            name="remove the demo data",
        )

    def resume(self, url: str, username: str) -> None:
        """A later start: sign in from the token in the keyring (or open offline)."""
        self.url.setText(url)
        self.username.setText(username)
        self._run(None, url, username, None)

    def _run(self, role: str | None, url: str, user: str, password: str | None) -> None:
        self.role = role
        self._busy(True)
        self.show_message("Starting...")

        def work(control: Any) -> Any:
            return self._sign_in(
                role, url, user, password, control.progress, control.cancel, self.ask_passphrase
            )

        self._task = self.runner.write(
            work,
            on_done=self._done,
            on_error=self._failed,
            on_progress=self.show_message,
            name="sign in",
        )

    def _done(self, session: Any) -> None:
        self.session = session
        self._busy(False)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        from lcc_apr.ops.words import error_words  # SQLAlchemy's errors: not before it shows

        self.show_message(error_words(error, doing="Signing in"))
        self.password.clear()

    def show_message(self, text: Any) -> None:
        """A sentence, or a step of the sign-in (lcc_apr.progress.Step): its words, and
        the bar (done of about total; moving when the total is not known)."""
        if not text:
            self.message.clear()
            return
        words = getattr(text, "words", None)
        if callable(words):
            total = text.total or 0
            self.bar.setRange(0, total)
            if total:
                self.bar.setValue(min(text.done or 0, total))
            self.bar.setAccessibleDescription(words())
            self.bar.show()
            text = words()
        # selectable, so an error can be copied for IT (set here: the first window opens
        # without building Qt's enums)
        self.message.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setText(str(text))

    def _busy(self, busy: bool) -> None:
        if not busy:
            self.bar.hide()
            self.cancel_button.hide()
            self.cancel_button.setEnabled(True)
        for widget in (
            self.connect_button,
            self.council_button,
            *self.demo_buttons.values(),
            self.remove_demo_button,
            self.url,
            self.username,
            self.password,
        ):
            widget.setEnabled(not busy)
        QtWidgets.QApplication.restoreOverrideCursor()
        if busy:
            QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.BusyCursor)
