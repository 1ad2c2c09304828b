"""HR's absence import from the desktop: the HR system's absence export sent to the server
for a dry run, then applied (POST /hr/absence-import; the server checks the whole file and
applies it all or nothing, by the same path as `lcc-apr-server absence-import`). The
episodes reach laptops at their next sync.

Runs on the UI's writer thread (the connection's tokens are shared with sync). No Qt.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lcc_apr.sync.absencewire import AbsenceImportBody

from .changes import Changes
from .org_import import MOST_FILE_BYTES, OFFLINE, ImportUnavailable

if TYPE_CHECKING:
    from lcc_apr.sync.absencewire import AbsenceImportReply
    from lcc_apr.sync.transport import Connection


@dataclass(frozen=True)
class AbsenceImportDone:
    reply: AbsenceImportReply  # rows, adds, changes, problems (row, column, rule), applied
    changes: Changes  # nothing here yet: the episodes come with the next sync

    def summary(self) -> str:
        r = self.reply
        if r.problems:
            rows = ", ".join(str(p.row) for p in r.problems[:10])
            return f"Nothing was applied: row(s) {rows} need correcting in the file."
        done = "Applied" if r.applied else "Dry run"
        return f"{done}: {r.adds} absence(s) to add, {r.changes} to change, of {r.rows} row(s)."


def import_absence_file(
    connection: Connection | None, *, path: Path, profile: str = "generic", dry_run: bool = True
) -> AbsenceImportDone:
    """Write (on the server): the file checked, and applied unless `dry_run`. Raises
    ImportUnavailable (not signed in, too large, unreadable here) or the transport's
    SyncErrors (Refused: the server's plain reason)."""
    if connection is None:
        raise ImportUnavailable(OFFLINE.replace("the organisation", "absences"))
    try:
        content = path.read_bytes()
    except OSError as err:
        raise ImportUnavailable(f"{path.name} cannot be opened ({err.strerror}).") from None
    if len(content) > MOST_FILE_BYTES:
        raise ImportUnavailable(f"{path.name} is too large to send (over 24 MB).")
    body = AbsenceImportBody(
        file_name=path.name,
        content=base64.b64encode(content).decode("ascii"),
        profile=profile,
        dry_run=dry_run,
    )
    return AbsenceImportDone(connection.absence_import(body), Changes())
