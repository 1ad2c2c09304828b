"""The status bar: online or offline, unsynced changes, last sync, and Sync with Cancel.

The sync itself is a plain callable `sync(cancel_event, on_progress) -> result`
(see AppContext.sync_call and lcc_apr.ops.sync); it runs as a write op because it
writes the store. The counts are a read op (`facts`, e.g. lcc_apr.ops.status.read_status).
Everything shown is text; colour is never the only sign.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from lcc_apr.sync.errors import AuthError, Cancelled, NetworkError, ServerBusy
from lcc_apr.uk_time import time_text

from .qt import QtCore, QtGui, QtWidgets, Signal
from .tasks import Task, TaskRunner

if TYPE_CHECKING:  # SQLAlchemy: loaded in the read task
    from lcc_apr.ops.status import StatusFacts

SyncCall = Callable[[threading.Event, Callable[[Any], None]], Any]


def progress_text(progress: Any) -> str:
    """'Receiving records: 12,500 of about 241,000 — about 40 s left' from a sync Progress
    (anything else: str())."""
    step = getattr(progress, "step", None)
    return step().words() if callable(step) else str(progress)


def outcome_text(outcome: Any) -> str:
    """A plain sentence about how a sync ended (a result with summary(), or an exception)."""
    if isinstance(outcome, Cancelled):
        return str(outcome) or "Sync cancelled; what was already sent or received is kept."
    if isinstance(outcome, Exception):
        return f"Sync did not finish: {outcome}"
    summary = getattr(outcome, "summary", None)
    return "Sync finished. " + (summary() if callable(summary) else str(outcome or ""))


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "Never synced"
    return f"Last sync: {time_text(moment, short=True)}"


class RoomLabel(QtWidgets.QLabel):
    """A label that asks for the room of its widest text (of `rooms`) while there is
    space, and shrinks to its own text when there is not (a narrow window)."""

    def __init__(self, text: str, *rooms: str) -> None:
        super().__init__(text)
        self.rooms = rooms

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        hint = super().sizeHint()
        margins = self.contentsMargins()
        widest = max((self.fontMetrics().horizontalAdvance(r) for r in self.rooms), default=0)
        wanted = widest + margins.left() + margins.right()
        return QtCore.QSize(max(hint.width(), wanted), hint.height())


class Message(QtWidgets.QLabel):
    """The status bar's message: it takes the room left and never widens the window (a
    long sentence ends in "…" and shows whole as the tooltip)."""

    def __init__(self) -> None:
        super().__init__("")
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self.setAccessibleName("Sync message")
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self.setToolTip(text)
        self.setAccessibleDescription(text)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802
        return QtCore.QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802
        painter = QtGui.QPainter(self)
        room = self.contentsRect()
        text = self.fontMetrics().elidedText(
            self.text(), QtCore.Qt.TextElideMode.ElideRight, room.width()
        )
        painter.drawText(room, int(self.alignment()), text)


class StatusBar(QtWidgets.QStatusBar):
    """Lives at the bottom of the main window. UI thread only."""

    synced = Signal(object)  # after each sync attempt: the result, or the exception

    def __init__(
        self,
        *,
        runner: TaskRunner,
        facts: Callable[[], StatusFacts],
        sync: SyncCall | None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Status bar")
        self.runner = runner
        self.facts_query = facts
        self.sync_call = sync
        self.online: bool | None = None  # unknown until the first sync attempt
        self.facts: StatusFacts | None = None
        self.sync_task: Task | None = None
        self.message = Message()
        space = self.message.fontMetrics().averageCharWidth()
        self.message.setContentsMargins(space, 0, space, 0)
        self.connection = self._label("Connection", "", "Offline: working on this computer")
        # room kept for what the counts say once read: nothing moves when they come
        self.unsynced = self._label(
            "Unsynced changes", "Counting changes…", "99,999 unsynced changes"
        )
        months = (f"{date(2026, month, 1):%b}" for month in range(1, 13))
        self.last_sync = self._label(  # each month's name has its own width
            "Last sync", "", *(f"Last sync: 30 {month} 2026 23:59" for month in months)
        )
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 0)  # busy: the total is not known in advance
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(self.fontMetrics().horizontalAdvance("m") * 8)
        self.progress.setAccessibleName("Sync progress")
        self.sync_button = QtWidgets.QPushButton("&Sync now")
        self.sync_button.setAccessibleName("Sync now")
        self.sync_button.clicked.connect(lambda: self.start_sync())
        self.cancel_button = QtWidgets.QPushButton("&Cancel sync")
        self.cancel_button.setAccessibleName("Cancel sync")
        self.cancel_button.clicked.connect(self.cancel_sync)
        self.update_notice = self._label("Update", "")  # a newer version, when there is one
        self.update_notice.hide()
        # While syncing, the bar and Cancel take the place of the counts, the last sync time
        # and Sync now, in one slot as wide as either: nothing beside it moves
        self.slot = QtWidgets.QStackedWidget()
        parts: tuple[tuple[QtWidgets.QWidget, ...], ...] = (
            (self.unsynced, self.last_sync, self.sync_button),
            (self.progress, self.cancel_button),
        )
        for widgets in parts:
            group = QtWidgets.QWidget()
            row = QtWidgets.QHBoxLayout(group)
            row.setContentsMargins(0, 0, 0, 0)
            row.addStretch(1)
            for part in widgets:
                row.addWidget(part)
            self.slot.addWidget(group)
        self.addWidget(self.message, 1)
        for widget in (self.update_notice, self.connection, self.slot):
            self.addPermanentWidget(widget)
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(lambda: self.start_sync(automatic=True))
        if sync is None:
            self.sync_button.setEnabled(False)
            self.sync_button.setToolTip("No server is set up for this computer yet.")
        self._show_connection()

    @staticmethod
    def _label(name: str, text: str, *rooms: str) -> QtWidgets.QLabel:
        label = RoomLabel(text, *rooms)
        label.setAccessibleName(name)
        label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        # the room it keeps lies to its left: shorter words sit beside the next label
        label.setAlignment(
            QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
        )
        space = label.fontMetrics().averageCharWidth()
        label.setContentsMargins(space, 0, space, 0)
        return label

    def show_update(self, release: Any) -> None:
        """A newer version exists (lcc_apr.updates.Release; None: none): say so, and that
        IT installs it. The app never downloads or installs anything itself."""
        if release is None:
            self.update_notice.hide()
            return
        text = f"Version {release.version} is available; your IT team will install it."
        self.update_notice.setText(text)
        self.update_notice.setAccessibleDescription(text)
        self.update_notice.setToolTip(release.notes or text)
        self.update_notice.show()

    # -- counts -------------------------------------------------------------------

    def refresh(self) -> Task:
        """Recount unsynced changes and read the last sync time (a read task)."""
        return self.runner.read(lambda _c: self.facts_query(), on_done=self._show_facts)

    def _show_facts(self, facts: StatusFacts) -> None:
        self.facts = facts
        if facts.unsynced:
            noun = "change" if facts.unsynced == 1 else "changes"
            text = f"{facts.unsynced:,} unsynced {noun}"
        else:
            text = "All changes synced"
        if facts.conflicts:
            text += f"; {facts.conflicts:,} to resolve"
        self.unsynced.setText(text)
        self.last_sync.setText(_when(facts.last_success_at))

    def _show_connection(self) -> None:
        if self.sync_call is None:
            text = "Offline: no server set up"
        elif self.online is None:
            text = "Not yet connected"
        else:
            text = "Online" if self.online else "Offline: working on this computer"
        self.connection.setText(text)

    # -- sync ---------------------------------------------------------------------

    @property
    def syncing(self) -> bool:
        return self.sync_task is not None

    def set_interval(self, minutes: int) -> None:
        """Sync every `minutes` in the background; 0 turns that off."""
        self.timer.stop()
        if minutes > 0 and self.sync_call is not None:
            self.timer.start(minutes * 60_000)

    def start_sync(self, *, automatic: bool = False) -> Task | None:
        """Run the sync as a write task; None when it is already running or unavailable."""
        if self.sync_call is None or self.syncing:
            return None
        sync = self.sync_call
        self.sync_button.setEnabled(False)
        self._syncing_shown(True)
        self.message.setText("Syncing…" if not automatic else "Syncing in the background…")
        task = self.runner.write(
            lambda control: sync(control.cancel, control.progress),
            on_done=self._sync_ended,
            on_error=self._sync_ended,
            on_progress=self._show_progress,
            name="sync",
        )
        self.sync_task = None if task.done else task  # an inline runner has finished already
        return task

    def _syncing_shown(self, syncing: bool) -> None:
        """While syncing, the bar and Cancel in the counts' slot (room on a small screen)."""
        self.slot.setCurrentIndex(1 if syncing else 0)

    def _show_progress(self, progress: Any) -> None:
        self.message.setText(progress_text(progress))
        total = getattr(progress, "total", None) or 0
        self.progress.setRange(0, total)  # moving without a total
        if total:
            self.progress.setValue(min(progress.records, total))

    def cancel_sync(self) -> None:
        if self.sync_task is not None:
            self.sync_task.cancel()
            self.cancel_button.setEnabled(False)
            self.message.setText("Cancelling sync…")

    def note_outcome(self, outcome: Any) -> None:
        """Show a sync that ran elsewhere (the sign-in's first sync) as if run from here."""
        self._sync_ended(outcome)

    def _sync_ended(self, outcome: Any) -> None:
        self.sync_task = None
        if isinstance(outcome, AuthError | ServerBusy) or not isinstance(outcome, Exception):
            self.online = True  # the server answered
        elif isinstance(outcome, NetworkError):
            self.online = False
        self._show_connection()
        self._syncing_shown(False)
        self.progress.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.sync_button.setEnabled(True)
        self.message.setText(outcome_text(outcome))
        self.refresh()
        self.synced.emit(outcome)
