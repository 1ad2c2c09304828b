"""'Needs my action': one list of what waits for the signed-in person (lcc_apr.ops.inbox),
first in the navigation with its count, and a desktop notice when a sync brings new items.

The notice says how many, never who or what: a locked screen may show it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lcc_apr.ops import Changes
from lcc_apr.ops.inbox_items import CONFLICT, DUE, GROUP_LABELS, InboxItem  # no SQLAlchemy

from .context import AppContext
from .days import day_text
from .qt import Qt, QtCore, QtWidgets, Signal
from .tasks import TaskRunner

if TYPE_CHECKING:
    from lcc_apr.ops.inbox_items import Inbox

TITLE = "Needs my action"
EMPTY = "Nothing needs your action. New requests appear here after a sync."
ITEM = Qt.ItemDataRole.UserRole


def nav_label(count: int | None) -> str:
    return TITLE if count is None else f"{TITLE} ({count:,})"


LONGEST_WHEN = "Since 30 Sep 2026"  # the longest when_text gives


def when_text(item: InboxItem) -> str:
    """'Since 15 May 2026' (waiting since), 'Overdue' or 'This week' (what is due)."""
    if item.group == DUE:
        return "Overdue" if item.overdue else "This week"
    return f"Since {day_text(item.since)}" if item.since else ""


def notice_text(count: int) -> str:
    """The notice's whole text: a number, no names, no record content."""
    if count == 1:
        return "1 new item needs your action in LCC APR"
    return f"{count:,} new items need your action in LCC APR"


class TrayNotifier:
    """Shows notices through the system tray where the desktop has one (else nothing)."""

    def __init__(self, parent: QtCore.QObject) -> None:
        self.parent = parent
        self.tray: QtWidgets.QSystemTrayIcon | None = None

    def __call__(self, count: int) -> bool:
        if not QtWidgets.QSystemTrayIcon.isSystemTrayAvailable():
            return False
        if self.tray is None:
            icon = QtWidgets.QApplication.windowIcon()
            if icon.isNull():
                style = QtWidgets.QApplication.style()
                icon = style.standardIcon(QtWidgets.QStyle.StandardPixmap.SP_MessageBoxInformation)
            self.tray = QtWidgets.QSystemTrayIcon(icon, self.parent)
            self.tray.setToolTip("LCC APR")
            self.tray.show()
        self.tray.showMessage(
            "LCC APR", notice_text(count), QtWidgets.QSystemTrayIcon.MessageIcon.Information
        )
        return True


class InboxView(QtWidgets.QWidget):
    """The list, grouped; Enter or a double-click opens the record, the person, or the
    records changed on both sides."""

    open_record = Signal(str)
    open_employee = Signal(int)
    open_conflicts = Signal()
    counted = Signal(int)  # after each refresh: how many items wait
    always_fresh = True  # the count in the navigation follows every change

    def __init__(
        self,
        *,
        context: AppContext,
        runner: TaskRunner,
        notify: Callable[[int], Any] | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(TITLE)
        self.context, self.runner = context, runner
        self.notify = notify
        self.inbox: Inbox | None = None
        self._shown: Inbox | None = None  # what the tree lists now
        self._kept: Inbox | None = None  # what the store keeps for the next start's glimpse
        self._day = context.today()  # the day of the last read
        self._after_sync = False
        heading = QtWidgets.QLabel(f"<h2>{TITLE}</h2>")
        heading.setAccessibleName(TITLE)
        self.filter_box = QtWidgets.QLineEdit()
        self.filter_box.setPlaceholderText("Filter by name or what is asked (Ctrl+F)")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setAccessibleName("Filter")
        self.filter_box.setAccessibleDescription("Shows only the items whose text contains this")
        filter_label = QtWidgets.QLabel("F&ilter:")
        filter_label.setBuddy(self.filter_box)
        self.summary = QtWidgets.QLabel("Loading…")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary")
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["What is asked of you", "When"])
        self.tree.setAccessibleName("Items that need your action")
        self.tree.setAccessibleDescription("Press Enter to open the record or the person")
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.itemActivated.connect(self._activated)
        self.filter_box.textChanged.connect(self._apply_filter)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(filter_label)
        bar.addWidget(self.filter_box, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        QtWidgets.QWidget.setTabOrder(self.filter_box, self.tree)
        self._fit_columns()  # before the items come: nothing moves when they do

    # -- reading ------------------------------------------------------------------

    def shows(self, changes: Changes) -> bool:
        from lcc_apr.ops import inbox as ops

        return ops.shows(changes)

    def refresh(self) -> None:
        c = self.context
        today = self._day = c.today()

        def query(_control: Any) -> Inbox:
            from lcc_apr.ops import inbox as ops

            return ops.needs_action(
                c.store, user=c.user, catalogue=c.catalogue, policy=c.policy, today=today
            )

        self.runner.read(query, on_done=self._loaded, name="inbox")

    def sync_ended(self, _outcome: object = None) -> None:
        """A sync ran (even one that failed part way): read again, and tell the person
        when it brought new items."""
        self._after_sync = True
        self.refresh()

    def _loaded(self, found: Inbox) -> None:
        before, self.inbox = self.inbox, found
        if self._after_sync:
            self._after_sync = False
            new = found.new_since(before)
            if new and self.notify is not None:
                self.notify(len(new))
        if found != self._shown:  # the glimpse shown while the store opened: nothing moves
            self._fill(found)
        self.counted.emit(len(found))
        if found != self._kept:
            self._keep(found)

    def glimpse(self, seen: Inbox) -> None:
        """The list as it last showed (lcc_apr.ops.glance), while the store opens; the
        store's read replaces it."""
        if self.inbox is None:
            self._kept = seen
            self._fill(seen)
            self.counted.emit(len(seen))

    def _keep(self, found: Inbox) -> None:
        """The next start's glimpse, kept in the store on the writer."""
        from lcc_apr.ops import glance

        c, day = self.context, self._day
        self._kept = found
        self.runner.write(
            lambda _control: glance.keep(c.store, user_id=c.user.user_id, today=day, inbox=found),
            on_error=lambda _error: None,  # the next start then waits for the store: no loss
            name="keep the first page",
        )

    def _fill(self, found: Inbox) -> None:
        self._shown = found
        current = self._current_key()
        self.tree.clear()
        groups: dict[str, QtWidgets.QTreeWidgetItem] = {}
        for item in found.items:
            parent = groups.get(item.group)
            if parent is None:
                parent = QtWidgets.QTreeWidgetItem([GROUP_LABELS[item.group], ""])
                font = parent.font(0)
                font.setBold(True)
                parent.setFont(0, font)
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(parent)
                groups[item.group] = parent
            row = QtWidgets.QTreeWidgetItem([item.text, when_text(item)])
            row.setData(0, ITEM, item)
            if item.overdue:
                row.setToolTip(0, "Overdue")
                font = row.font(0)
                font.setBold(True)
                row.setFont(0, font)
            parent.addChild(row)
            if item.key == current:
                self.tree.setCurrentItem(row)
        self.tree.expandAll()
        self._fit_columns()
        self._apply_filter(self.filter_box.text())
        if self.tree.currentItem() is None:
            first = self._rows()
            if first:
                self.tree.setCurrentItem(first[0])

    def _groups(self) -> list[QtWidgets.QTreeWidgetItem]:
        found = (self.tree.topLevelItem(g) for g in range(self.tree.topLevelItemCount()))
        return [g for g in found if g is not None]

    def _rows(self) -> list[QtWidgets.QTreeWidgetItem]:
        found = (g.child(n) for g in self._groups() for n in range(g.childCount()))
        return [r for r in found if r is not None]

    def _current_key(self) -> str | None:
        item = self.item_at(self.tree.currentItem())
        return item.key if item else None

    @staticmethod
    def item_at(row: QtWidgets.QTreeWidgetItem | None) -> InboxItem | None:
        found = row.data(0, ITEM) if row is not None else None
        return found if isinstance(found, InboxItem) else None

    def items(self) -> list[InboxItem]:
        """The items listed now (the filter applied), top to bottom."""
        return [i for r in self._rows() if not r.isHidden() and (i := self.item_at(r))]

    # -- filter and opening -------------------------------------------------------

    def focus_filter(self) -> None:
        self.filter_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_box.selectAll()

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        shown = 0
        for group in self._groups():
            visible = 0
            for row in (group.child(n) for n in range(group.childCount())):
                if row is None:
                    continue
                hide = bool(needle) and needle not in row.text(0).casefold()
                row.setHidden(hide)
                visible += not hide
            group.setHidden(visible == 0)
            shown += visible
        total = len(self._shown) if self._shown is not None else 0  # what the tree lists
        if total == 0:
            self.summary.setText(EMPTY)
        elif shown == total:
            self.summary.setText(
                "1 item waits for you." if total == 1 else f"{total:,} items wait for you."
            )
        else:
            self.summary.setText(f"{shown:,} of {total:,} items match the filter.")

    def _activated(self, row: QtWidgets.QTreeWidgetItem, _column: int = 0) -> None:
        item = self.item_at(row)
        if item is None:
            return
        if item.group == CONFLICT:
            self.open_conflicts.emit()
        elif item.record_id is not None:
            self.open_record.emit(item.record_id)
        elif item.employee_id is not None:
            self.open_employee.emit(item.employee_id)

    def open_current(self) -> None:
        row = self.tree.currentItem()
        if row is not None:
            self._activated(row)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._fit_columns()
        super().changeEvent(event)

    def _fit_columns(self) -> None:
        """'When' keeps room for its longest text, set before the items come (so nothing
        moves when they do); what is asked takes the rest (no sideways scrolling at
        1,024 px and 150% text)."""
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Fixed)
        metrics = self.tree.fontMetrics()
        longest = max(metrics.horizontalAdvance(t) for t in (LONGEST_WHEN, "When"))
        header.resizeSection(1, longest + 3 * metrics.averageCharWidth())
