"""'Export list…': the list on screen saved as CSV or XLSX. A save dialog (in the Documents
folder at first) chooses the file; the export runs as a read task
(lcc_apr.ops.list_export.export_list, which checks the scope and audits it).

Pages that can be exported have `export_choice() -> ListChoice`; other windows (a
person's records dialog) call `export_list_to_file` with a ListChoice of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lcc_apr.ops.list_export import Exported, ListChoice, export_list

from .context import AppContext
from .files import documents_folder
from .qt import QtWidgets
from .tasks import TaskRunner

FILTERS = {"CSV (*.csv)": ".csv", "Excel workbook (*.xlsx)": ".xlsx"}


def ask_save_path(parent: QtWidgets.QWidget | None, name: str) -> Path | None:
    """The file to write, or None when the person cancels; .csv unless they choose .xlsx."""
    start = str(documents_folder() / f"{name}.csv")
    chosen, kind = QtWidgets.QFileDialog.getSaveFileName(
        parent, "Export list", start, ";;".join(FILTERS)
    )
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() not in FILTERS.values():
        path = path.with_name(path.name + FILTERS.get(kind, ".csv"))
    return path


def export_list_to_file(
    parent: QtWidgets.QWidget | None,
    context: AppContext,
    runner: TaskRunner,
    choice: ListChoice,
    *,
    message: Callable[[str], None],
    ask: Callable[[QtWidgets.QWidget | None, str], Path | None] | None = None,
) -> None:
    """Ask where (`ask`, ask_save_path by default), then export in a read task; `message`
    tells how it went."""
    today = context.today()
    path = (ask or ask_save_path)(parent, f"{choice.title} {today.isoformat()}")
    if path is None:
        return
    c = context
    message(f"Exporting {choice.title.lower()}…")

    def work(control: Any) -> Exported:
        return export_list(
            c.store,
            choice=choice,
            path=path,
            user=c.user,
            policy=c.policy,
            catalogue=c.catalogue,
            today=today,
            progress=lambda rows: control.progress(rows),
        )

    runner.read(
        work,
        on_done=lambda done: message(f"Exported {done.rows:,} rows to {done.path.name}."),
        on_error=lambda error: message(f"The list was not exported: {error}"),
        on_progress=lambda rows: message(f"Exporting… {rows:,} rows"),
        name="export list",
    )
