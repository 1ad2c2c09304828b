"""HR's batch export: a department's completed records, one PDF each, into a folder.

`make_pdf(session, record_id) -> bytes` does the rendering and signing (see
lcc_apr.pdf.records); this module picks the records, names the files, writes each one
whole (a temporary file, then renamed), reports progress and stops cleanly on cancel:
files already written stay, and a second run skips them.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.models import Department, Employee, Record
from lcc_apr.workflow import WORKFLOWS

MakePdf = Callable[[Session, str], bytes]
Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    skipped: int = 0  # already in the folder from an earlier run
    failed: list[tuple[str, str]] = field(default_factory=list)  # (record id, why)
    cancelled: bool = False
    problem: str = ""  # the folder could not be written to: the batch stopped

    def summary(self) -> str:
        parts = [f"{len(self.written):,} PDF{'s' if len(self.written) != 1 else ''} written"]
        if self.skipped:
            parts.append(f"{self.skipped:,} already there")
        if self.failed:
            parts.append(f"{len(self.failed):,} could not be made (listed)")
        text = "; ".join(parts) + "."
        if self.problem:
            return f"Stopped: {self.problem} {text}"
        return ("Stopped: " + text) if self.cancelled else text


def department_ids(session: Session, department_id: int) -> list[int]:
    """The department and every section under it."""
    rows = session.execute(select(Department.id, Department.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for child, parent in rows:
        children.setdefault(parent, []).append(child)
    found, todo = [], [department_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def completed_records(session: Session, department_id: int) -> list[tuple[str, str]]:
    """(record id, file name) of the department's completed records, oldest first."""
    final = [
        (kind, state.name) for kind, w in WORKFLOWS.items() for state in w.states if state.final
    ]
    rows = session.execute(
        select(
            Record.id,
            Record.kind,
            Record.status,
            Record.record_date,
            Employee.first_name,
            Employee.last_name,
        )
        .join(Employee, Employee.id == Record.subject_id)
        .where(Employee.department_id.in_(department_ids(session, department_id)), ~Record.deleted)
        .order_by(Record.record_date, Record.id)
    )
    done = set(final)
    return [
        (rid, file_name(last, first, str(kind), day.isoformat() if day else "undated", rid))
        for rid, kind, status, day, first, last in rows
        if (kind, status) in done
    ]


def file_name(last: str, first: str, kind: str, day: str, record_id: str) -> str:
    """ASCII, safe on every file system: 'Nguyen-Thao-apr-2026-05-01-1a2b3c4d.pdf'."""

    def plain(text: str) -> str:
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-") or "x"

    return f"{plain(last)}-{plain(first)}-{kind}-{day}-{record_id[:8]}.pdf"


def export_department(
    session_factory: Callable[[], AbstractContextManager[Session]],
    *,
    department_id: int,
    folder: Path,
    make_pdf: MakePdf,
    progress: Progress = lambda done, total: None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    cancel = cancel or threading.Event()
    folder.mkdir(parents=True, exist_ok=True)
    with session_factory() as session:
        todo = completed_records(session, department_id)
    result = ExportResult()
    progress(0, len(todo))
    for done, (record_id, name) in enumerate(todo, start=1):
        if cancel.is_set():
            result.cancelled = True
            break
        target = folder / name
        if target.exists():
            result.skipped += 1
        else:
            try:
                with session_factory() as session:
                    data = make_pdf(session, record_id)
            except Exception as exc:  # one bad record never stops the batch
                result.failed.append((record_id, str(exc) or type(exc).__name__))
            else:
                try:
                    write_whole(target, data)
                except OSError as exc:  # a full disk or a lost folder stops it
                    result.problem = f"{folder} could not be written to ({exc.strerror or exc})."
                    break
                result.written.append(target)
        progress(done, len(todo))
    return result


def write_whole(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
