"""Saving management information: a view's chart (PNG, SVG, PDF) or table (CSV, XLSX) in a
read task (lcc_apr.ops.mi.export_view audits it), and the committee pack (every view in one
PDF) in a read task with a progress dialog whose Cancel stops it, leaving no file. Save
dialogs start in the Documents folder. UI thread only; the work runs in the runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lcc_apr.mi.table import Dashboard, Filters, Table
from lcc_apr.ops.mi import export_pack, export_view

from ..context import AppContext
from ..files import documents_folder
from ..qt import Qt, QtWidgets
from ..tasks import Task, TaskRunner

CHART_TYPES = {"PNG image (*.png)": "png", "SVG image (*.svg)": "svg", "PDF (*.pdf)": "pdf"}
TABLE_TYPES = {"CSV (*.csv)": "csv", "Excel workbook (*.xlsx)": "xlsx"}
PACK_TYPES = {"PDF (*.pdf)": "pdf"}
Say = Callable[[str], object]


def ask_save_path(
    parent: QtWidgets.QWidget | None, title: str, name: str, types: dict[str, str]
) -> Path | None:
    """The file to write (its suffix one of `types`), or None when the person cancels."""
    first = next(iter(types.values()))
    start = str(documents_folder() / f"{name}.{first}")
    chosen, kind = QtWidgets.QFileDialog.getSaveFileName(parent, title, start, ";;".join(types))
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower().lstrip(".") not in types.values():
        path = path.with_name(f"{path.name}.{types.get(kind, first)}")
    return path


def file_name(table_key: str, filters: Filters) -> str:
    """'apr_completion 2025-26': the view and the year, never a name."""
    return f"{table_key} {filters.year}-{(filters.year + 1) % 100:02d}"


def save_view(
    parent: QtWidgets.QWidget,
    context: AppContext,
    runner: TaskRunner,
    *,
    table: Table,
    filters: Filters,
    chart: bool,
    say: Say,
) -> Task | None:
    """Ask where, then write the chart (chart=True) or the table in a read task."""
    types = CHART_TYPES if chart else TABLE_TYPES
    what = "chart" if chart else "table"
    path = ask_save_path(parent, f"Export {what}", file_name(table.key, filters), types)
    if path is None:
        return None
    fmt = path.suffix.lower().lstrip(".")
    store, user = context.store, context.user
    say(f"Saving the {what} “{table.title}”…")
    return runner.read(
        lambda _c: export_view(store, user=user, table=table, fmt=fmt, path=path, filters=filters),
        on_done=lambda _sha: say(f"Saved the {what} “{table.title}” as {path.name}."),
        on_error=lambda error: say(f"The {what} was not saved: {error}"),
        name=f"export mi {what}",
    )


class PackExport:
    """The committee pack: asks where, writes it in a read task with a progress dialog and
    Cancel. `task` is the running export (None when idle)."""

    def __init__(
        self, parent: QtWidgets.QWidget, context: AppContext, runner: TaskRunner, say: Say
    ) -> None:
        self.parent, self.context, self.runner, self.say = parent, context, runner, say
        self.task: Task | None = None
        self.dialog: QtWidgets.QProgressDialog | None = None
        self.path: Path | None = None

    def start(self, board: Dashboard) -> Task | None:
        if self.task is not None:
            return None
        name = file_name("committee pack", board.filters)
        path = ask_save_path(self.parent, "Committee pack", name, PACK_TYPES)
        if path is None:
            return None
        self.path = path
        dialog = QtWidgets.QProgressDialog(
            "Writing the committee pack…", "&Cancel", 0, max(len(board.tables), 1), self.parent
        )
        dialog.setWindowTitle("Committee pack")
        dialog.setAccessibleName("Committee pack progress")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        dialog.show()
        self.dialog = dialog
        store, user = self.context.store, self.context.user
        self.say("Writing the committee pack…")

        def work(control: Any) -> str:
            return export_pack(
                store,
                user=user,
                board=board,
                path=path,
                progress=lambda done, total: control.progress((done, total)),
                cancelled=lambda: control.cancelled,
            )

        task = self.runner.read(
            work,
            on_done=self._done,
            on_error=self._failed,
            on_progress=self._progress,
            name="export mi pack",
        )
        self.task = None if task.done else task
        return task

    def cancel(self) -> None:
        if self.task is not None and not self.task.done:
            self.task.cancel()
            if self.dialog is not None:
                self.dialog.setLabelText("Stopping: no pack will be kept…")

    def _progress(self, value: tuple[int, int]) -> None:
        done, total = value
        if self.dialog is not None:
            self.dialog.setMaximum(max(total, 1))
            self.dialog.setValue(done)
            self.dialog.setLabelText(f"Writing the committee pack: view {done} of {total}…")

    def _done(self, _sha: str) -> None:
        cancelled = self.task is not None and self.task.cancel_requested
        path = self.path
        if cancelled and path is not None and path.exists():
            self._finish(f"The committee pack was written as {path.name} before it could stop.")
        elif cancelled:
            self._finish("Cancelled: no committee pack was written.")
        else:
            self._finish(f"Saved the committee pack as {path.name if path else 'a file'}.")

    def _failed(self, error: BaseException) -> None:
        if self.task is not None and self.task.cancel_requested:
            self._finish("Cancelled: no committee pack was written.")
        else:
            self._finish(f"The committee pack was not written: {error}")

    def _finish(self, text: str) -> None:
        self.task = None
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        self.say(text)
