"""Beside and instead of the form: the list of its sections, and the record's history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lcc_apr.forms import Section
from ui.qt import Qt, QtGui, QtWidgets, Signal

from .form import muted


class Header(QtWidgets.QWidget):
    """The record's title, who and what stage, the banner (why it is read-only), and the
    save status (laid out beside the tabs by Pages)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("editor-header")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        self.title = QtWidgets.QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.subtitle = QtWidgets.QLabel()
        self.subtitle.setWordWrap(True)
        muted(self.subtitle)
        self.banner = QtWidgets.QLabel()
        self.banner.setWordWrap(True)
        self.banner.setObjectName("banner")
        self.banner.setStyleSheet(
            "#banner { background: palette(alternate-base);"
            " border-left: 4px solid palette(highlight); padding: 6px 8px; }"
        )
        self.save_status = QtWidgets.QLabel()
        self.save_status.setObjectName("save-status")
        self.save_status.setAccessibleName("Save status")
        self.save_status.setWordWrap(True)  # a long refusal wraps, never widens the window
        self.save_status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for widget in (self.title, self.subtitle, self.banner):
            layout.addWidget(widget)


def signatures_label() -> QtWidgets.QLabel:
    """Each signature on the record in words, selectable from the keyboard."""
    label = QtWidgets.QLabel()
    label.setObjectName("signatures")
    label.setWordWrap(True)
    label.setAccessibleName("Signatures on this record")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
    label.setContentsMargins(16, 4, 16, 4)
    return label


class ContentsList(QtWidgets.QListWidget):
    """One entry per section; Enter or a click chooses it (`chosen`: the section's key)."""

    chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Sections of this form")
        self.setAccessibleDescription(
            "Enter goes to a section; sections with answers still needed say how many."
        )
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.itemActivated.connect(self._choose)
        self.itemClicked.connect(self._choose)

    def _choose(self, item: QtWidgets.QListWidgetItem) -> None:
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def fill(self, sections: Sequence[Section]) -> None:
        """Its width follows the text size (narrow: about 24 letters)."""
        self.clear()
        for section in sections:
            item = QtWidgets.QListWidgetItem(section.title)
            item.setData(Qt.ItemDataRole.UserRole, section.key)
            self.addItem(item)
        self.setSpacing(2)
        self.setFixedWidth(self.fontMetrics().averageCharWidth() * 24 + 16)

    def show_needed(
        self, missing: dict[str, int], titles: dict[str, str], visible: Callable[[str], bool]
    ) -> None:
        """Hide sections not shown; say how many answers each still needs."""
        for i in range(self.count()):
            item = self.item(i)
            key = item.data(Qt.ItemDataRole.UserRole)
            count = missing.get(key, 0)
            text = f"{titles[key]} ({count} needed)" if count else titles[key]
            if item.text() != text:
                item.setText(text)
                font = item.font()
                font.setBold(bool(count))
                item.setFont(font)
            item.setHidden(not visible(key))


class HistoryPage(QtWidgets.QWidget):
    """Who changed, shared, signed and printed the record, and when (newest first)."""

    def __init__(self) -> None:
        super().__init__()
        self.table = QtWidgets.QTableWidget(0, 3)
        table = self.table
        table.setAccessibleName("History of this record")
        table.setHorizontalHeaderLabels(["When", "Who", "What"])
        table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        table.setShowGrid(False)
        table.setWordWrap(True)  # long lines wrap; rows grow to fit them
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.ResizeToContents
        )
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
        self.note = QtWidgets.QLabel("Loading the history…")
        self.note.setWordWrap(True)
        muted(self.note)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.addWidget(self.note)
        layout.addWidget(table, 1)

    def show_rows(self, rows: list[Any]) -> None:
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            for column, text in enumerate((row.when, row.who, row.what)):
                self.table.setItem(index, column, QtWidgets.QTableWidgetItem(text))
        self.note.setText(
            "Newest first. Times are UK time." if rows else "Nothing is recorded yet."
        )
        for column in (0, 1):
            self.table.resizeColumnToContents(column)

    def show_failed(self) -> None:
        self.note.setText("The history could not be read on this computer.")


class Pages(QtWidgets.QWidget):
    """A tab bar (Form, History) over two pages shown in turn (a QTabWidget would lay out
    both on opening); the save status sits beside the tabs so the form keeps the height."""

    history_opened = Signal()

    def __init__(self, form: QtWidgets.QWidget, save_status: QtWidgets.QWidget) -> None:
        super().__init__()
        self.contents = ContentsList()
        self.form_page = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(self.form_page)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.contents)
        row.addWidget(form, 1)
        self.history_page = HistoryPage()
        self.history_page.hide()
        self.tabs = QtWidgets.QTabBar()
        self.tabs.setDocumentMode(True)
        self.tabs.setDrawBase(False)
        self.tabs.addTab("&Form")
        self.tabs.addTab("&History")
        self.tabs.setAccessibleName("Form or history")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.contents_button = QtWidgets.QToolButton()
        self.contents_button.setText("Hide contents")
        self.contents_button.setAccessibleName("Show or hide the list of sections")
        self.contents_button.setCheckable(True)
        self.contents_button.toggled.connect(self._fold_contents)
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(8, 0, 8, 0)
        bar.setSpacing(12)
        bar.addWidget(self.tabs, 0, Qt.AlignmentFlag.AlignBottom)
        bar.addWidget(save_status, 1)
        bar.addWidget(self.contents_button)
        rule = QtWidgets.QFrame()
        rule.setFrameShape(QtWidgets.QFrame.Shape.HLine)
        rule.setFrameShadow(QtWidgets.QFrame.Shadow.Sunken)
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(bar)
        column.addWidget(rule)
        column.addWidget(self.form_page, 1)
        column.addWidget(self.history_page, 1)

    def _fold_contents(self, folded: bool) -> None:
        self.contents.setVisible(not folded)
        self.contents_button.setText("Show contents" if folded else "Hide contents")

    def _tab_changed(self, index: int) -> None:
        history = index == 1
        self.form_page.setVisible(not history)
        self.history_page.setVisible(history)
        self.contents_button.setVisible(not history)
        if history:
            self.history_opened.emit()


def editor_actions(
    editor: QtWidgets.QWidget,
    *,
    undo: Callable[[], object],
    redo: Callable[[], object],
    close: Callable[[], object],
) -> tuple[QtGui.QAction, QtGui.QAction, QtGui.QAction]:
    """Undo and Redo in the editor; Close (Ctrl+W) for its window: Escape cancels the edit
    in a field, never the window."""
    undo_action = QtGui.QAction("Undo", editor)
    undo_action.setShortcuts(_keys(QtGui.QKeySequence.StandardKey.Undo, "Ctrl+Z"))
    undo_action.triggered.connect(undo)
    redo_action = QtGui.QAction("Redo", editor)
    redo_action.setShortcuts(_keys(QtGui.QKeySequence.StandardKey.Redo, "Ctrl+Shift+Z", "Ctrl+Y"))
    redo_action.triggered.connect(redo)
    for action in (undo_action, redo_action):
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        editor.addAction(action)
    close_action = QtGui.QAction("Close", editor)
    close_action.setShortcuts(_keys(QtGui.QKeySequence.StandardKey.Close, "Ctrl+W"))
    close_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    close_action.triggered.connect(close)
    editor.addAction(close_action)
    return undo_action, redo_action, close_action


def _keys(*keys: QtGui.QKeySequence.StandardKey | str) -> list[QtGui.QKeySequence]:
    """Standard and explicit key sequences without duplicates (duplicates make them ambiguous)."""
    found: list[QtGui.QKeySequence] = []
    for key in keys:
        sequences = (
            QtGui.QKeySequence.keyBindings(key)
            if isinstance(key, QtGui.QKeySequence.StandardKey)
            else [QtGui.QKeySequence(key)]
        )
        found += [s for s in sequences if s not in found]
    return found
