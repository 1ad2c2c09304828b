"""HR's Retention page (File > Retention…, HR only): the records due under the retention
rules and the legal holds in force; HR chooses records and confirms their purge (asked
once more), or releases a hold. The rules, the checks and the purge are the server's
(lcc_apr.ops.retention); these widgets only ask and show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lcc_apr.ops.retention import Purged, RetentionDesk, Review

from .days import day_text
from .qt import Qt, QtWidgets
from .tasks import TaskRunner

DUE_HEADINGS = ("Kind", "Person", "Rule", "Due", "May it go?")
HOLD_HEADINGS = ("On", "Reason", "Placed")
ID = Qt.ItemDataRole.UserRole


def _table(headings: tuple[str, ...], name: str, description: str) -> QtWidgets.QTreeWidget:
    table = QtWidgets.QTreeWidget()
    table.setColumnCount(len(headings))
    table.setHeaderLabels(list(headings))
    table.setRootIsDecorated(False)
    table.setUniformRowHeights(True)
    table.setAllColumnsShowFocus(True)
    table.setAccessibleName(name)
    table.setAccessibleDescription(description)
    return table


class RetentionDialog(QtWidgets.QDialog):
    """UI thread. Every call to the server runs on the runner's writer thread."""

    def __init__(
        self,
        *,
        desk: RetentionDesk,
        runner: TaskRunner,
        parent: QtWidgets.QWidget | None = None,
        ask: Callable[[str, str], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk, self.runner = desk, runner
        self.ask = ask or self._ask  # tests answer for HR
        self.setWindowTitle("Retention")
        self.setAccessibleName("Retention")
        self.busy = False
        self.review: Review | None = None

        intro = QtWidgets.QLabel(
            "Records whose time under the council's retention rules is up. Nothing is "
            "removed until you choose records and confirm; a record under a legal hold, an "
            "open capability case or an unsigned APR is kept, with the reason shown."
        )
        intro.setWordWrap(True)
        intro.setAccessibleName("About retention")
        self.listed = QtWidgets.QLabel("")
        self.listed.setAccessibleName("When the due list was worked out")
        self.due = _table(
            DUE_HEADINGS,
            "Records due under the retention rules",
            "Choose the records to purge, then Confirm purge",
        )
        self.due.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.due.itemSelectionChanged.connect(self._enable)
        self.refresh_button = QtWidgets.QPushButton("&Work out what is due now")
        self.refresh_button.setAccessibleName("Work out what is due now")
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.clicked.connect(self.list_due)
        self.purge_button = QtWidgets.QPushButton("&Confirm purge…")
        self.purge_button.setAccessibleName("Confirm the purge of the chosen records")
        self.purge_button.setAutoDefault(False)
        self.purge_button.clicked.connect(self.confirm_purge)
        self.holds = _table(
            HOLD_HEADINGS, "Legal holds in force", "Choose a hold, then Release hold"
        )
        self.holds.currentItemChanged.connect(lambda *_: self._enable())
        self.release_button = QtWidgets.QPushButton("&Release hold…")
        self.release_button.setAccessibleName("Release the chosen legal hold")
        self.release_button.setAutoDefault(False)
        self.release_button.clicked.connect(self.release_hold)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Retention status")
        close = QtWidgets.QPushButton("Close")
        close.setAccessibleName("Close the retention page")
        close.clicked.connect(self.reject)

        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.purge_button)
        held = QtWidgets.QHBoxLayout()
        held.addStretch(1)
        held.addWidget(self.release_button)
        holds_box = QtWidgets.QGroupBox("Legal holds")
        holds_box.setAccessibleName("Legal holds")
        box = QtWidgets.QVBoxLayout(holds_box)
        box.addWidget(self.holds)
        box.addLayout(held)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.listed)
        layout.addWidget(self.due, 2)
        layout.addLayout(buttons)
        layout.addWidget(holds_box, 1)
        layout.addWidget(self.status)
        end = QtWidgets.QHBoxLayout()
        end.addStretch(1)
        end.addWidget(close)
        layout.addLayout(end)
        self.resize(900, 600)
        self._enable()
        self._run(lambda _c: self.desk.review(), self.show_review, "Reading the due list…")

    # -- showing --------------------------------------------------------------------

    def show_review(self, review: Review) -> None:
        self.review = review
        self.due.clear()
        for row in review.due:
            state = "Yes" if row.may_purge else "No: " + row.blocked.split(": ")[0]
            item = QtWidgets.QTreeWidgetItem(
                [row.kind, row.person, row.rule, day_text(row.due_on), state]
            )
            item.setData(0, ID, row.record_id)
            if not row.may_purge:
                item.setToolTip(4, row.blocked)
            self.due.addTopLevelItem(item)
        self.holds.clear()
        for hold in review.holds:
            item = QtWidgets.QTreeWidgetItem([hold.on, hold.reason, day_text(hold.placed_on)])
            item.setData(0, ID, hold.hold_id)
            self.holds.addTopLevelItem(item)
        for table, count in ((self.due, len(DUE_HEADINGS)), (self.holds, len(HOLD_HEADINGS))):
            for column in range(count):
                table.resizeColumnToContents(column)
        when = review.listed_at
        self.listed.setText(
            f"Worked out {when}: {len(review.due)} record(s) due."
            if when
            else "The due list has not been worked out yet."
        )
        self._enable()

    def chosen(self) -> list[str]:
        return [str(item.data(0, ID)) for item in self.due.selectedItems()]

    def _enable(self) -> None:
        self.refresh_button.setEnabled(not self.busy)
        self.purge_button.setEnabled(not self.busy and bool(self.due.selectedItems()))
        self.release_button.setEnabled(not self.busy and self.holds.currentItem() is not None)

    # -- asking the server ------------------------------------------------------------

    def _run(self, work: Callable[[Any], Any], done: Callable[[Any], None], words: str) -> None:
        self.busy = True
        self.status.setText(words)
        self._enable()

        def finished(value: Any) -> None:
            self.busy = False
            self.status.setText("")
            done(value)
            self._enable()

        def failed(error: BaseException) -> None:
            self.busy = False
            self.status.setText(str(error) or "The server could not be reached.")
            self._enable()

        self.runner.write(work, on_done=finished, on_error=failed, name="retention")

    def list_due(self) -> None:
        self._run(lambda _c: self.desk.list_due(), self.show_review, "Working out what is due…")

    def confirm_purge(self) -> None:
        ids = self.chosen()
        if not ids:
            return
        question = (
            f"Purge {len(ids)} record(s) for good?\n\nEach record, its history and its "
            "signatures are removed from the server and from every computer at its next "
            "sync. Only a note that a record was purged, by you, under which rule, stays. "
            "This cannot be undone."
        )
        if not self.ask("Confirm purge", question):
            self.status.setText("Nothing was purged.")
            return

        def work(_control: Any) -> tuple[Purged, Review]:
            return self.desk.confirm(ids), self.desk.review()

        self._run(work, self._purged, "Purging the confirmed records…")

    def _purged(self, result: tuple[Purged, Review]) -> None:
        purged, review = result
        self.show_review(review)
        words = f"Purged {purged.purged} record(s)."
        if purged.kept:
            words += f" Kept {len(purged.kept)}: " + "; ".join(sorted({w for _, w in purged.kept}))
        self.status.setText(words)

    def release_hold(self) -> None:
        item = self.holds.currentItem()
        if item is None:
            return
        hold_id = int(item.data(0, ID))
        if not self.ask("Release legal hold", f"Release the legal hold on {item.text(0)}?"):
            return
        self._run(lambda _c: self.desk.release(hold_id), self.show_review, "Releasing the hold…")

    def _ask(self, title: str, question: str) -> bool:
        yes = QtWidgets.QMessageBox.StandardButton.Yes
        no = QtWidgets.QMessageBox.StandardButton.No
        return QtWidgets.QMessageBox.question(self, title, question, yes | no, no) == yes
