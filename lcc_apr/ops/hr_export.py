"""HR's export to the HR system: the records HR accepted since the last export, as CSV
files or an XLSX workbook (lcc_apr.hr.export), any past export made again byte for byte,
and the log of exports. Only HR (HrOnly otherwise, before anything is read or written);
each export is audited (export id, entries, format: no names, no file names).

Long: run it on a worker with `progress` and `cancel` (a cancelled export leaves no file
and does not move the cursor). No Qt.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from lcc_apr.forms import Catalogue
from lcc_apr.hr import export
from lcc_apr.hr.register import Progress
from lcc_apr.hr.waiting import Waiting, waiting_export
from lcc_apr.models import User
from lcc_apr.store import Store

from .audit import audit
from .intake import require_hr
from .user import CurrentUser

Made = export.Made
Cancelled = export.Cancelled
FORMATS = export.FORMATS


def waiting_for_export(
    store: Store,
    *,
    user: CurrentUser,
    catalogue: Catalogue,
    at: datetime,
    cancel: threading.Event | None = None,
) -> list[Waiting]:
    """Read: what the next export would hold, per kind and template version (nothing
    written; lcc_apr.hr.waiting)."""
    require_hr(user)
    with store.session() as session:
        return waiting_export(session, catalogue=catalogue, at=at, cancel=cancel)


def export_to_hr(
    store: Store,
    *,
    user: CurrentUser,
    folder: Path,
    fmt: str,
    catalogue: Catalogue,
    at: datetime,
    progress: Progress = lambda step: None,
    cancel: threading.Event | None = None,
) -> Made | None:
    """Read and log: what HR accepted since the last export, into `folder` (None when
    there is nothing new)."""
    require_hr(user)
    made = export.export_new(
        store.session,
        catalogue=catalogue,
        user_id=user.user_id,
        folder=folder,
        fmt=fmt,
        at=at,
        progress=progress,
        cancel=cancel,
    )
    if made is not None:
        audit(store, user, "hr_export", export=made.export_id, entries=made.entries, format=fmt)
    return made


def export_again(
    store: Store,
    *,
    user: CurrentUser,
    export_id: int,
    folder: Path,
    catalogue: Catalogue,
    progress: Progress = lambda step: None,
    cancel: threading.Event | None = None,
) -> Made:
    """Read: a past export made again into `folder`, the same bytes as the first time."""
    require_hr(user)
    made = export.export_again(
        store.session,
        catalogue=catalogue,
        export_id=export_id,
        folder=folder,
        progress=progress,
        cancel=cancel,
    )
    audit(store, user, "hr_export_again", export=export_id, entries=made.entries)
    return made


@dataclass(frozen=True)
class PastExport:
    export_id: int
    name: str  # the file or folder it was written as
    entries: int
    first_entry: int
    last_entry: int
    format: str
    made_at: datetime
    made_by: str  # who made it


def past_exports(store: Store, *, user: CurrentUser) -> list[PastExport]:
    """Read: every export made on this computer, newest first."""
    require_hr(user)
    with store.session() as session:
        logs = export.past_exports(session)
        who = select(User.id, User.display_name).where(User.id.in_({e.made_by for e in logs}))
        names = {i: name for i, name in session.execute(who)}
        return [
            PastExport(
                e.id,
                export.export_name(e.first_entry, e.last_entry, e.format),
                e.entries,
                e.first_entry,
                e.last_entry,
                e.format,
                e.made_at,
                names.get(e.made_by, f"user {e.made_by}"),
            )
            for e in logs
        ]
