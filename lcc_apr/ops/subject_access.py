"""HR's subject access export, on HR's desktop (why there: lcc_apr.subject_access): the
person's audit entries read from the server (which audits the reading as a subject
access export), then the zip built from this computer's store, each record's PDF signed
as HR. Audited here too. Any worker thread; no Qt."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lcc_apr.models import Record, User
from lcc_apr.store import Store
from lcc_apr.subject_access import MakePdf, Progress, Request, SarResult, build

from .audit import EXPORTED, audit, tell_server
from .audit_view import AuditUnavailable
from .user import CurrentUser

EVENT = "subject_access"
HR_ONLY = "Only HR can make a subject access export."
OFFLINE = (
    "A subject access export needs a connection to the server (the audit entries about "
    "the person are kept there): sign in and try again. Nothing was saved."
)


def fetch_audit(connection: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every audit entry the filters match, newest first, page by page."""
    entries: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = connection.audit_page({**params, **({"cursor": cursor} if cursor else {})})
        entries += [e.model_dump() for e in page.entries]
        if page.next is None:
            return entries
        cursor = page.next


def export_subject_access(
    store: Store,
    *,
    employee_id: int,
    folder: Path,
    make_pdf: MakePdf,
    connection: Any,
    user: CurrentUser,
    progress: Progress = lambda done, total: None,
    cancel: threading.Event | None = None,
    today: date | None = None,
) -> SarResult:
    """Write: the zip of everything held about one person into `folder` (raises
    PermissionError for anyone but HR, KeyError for an unknown person, Cancelled, or the
    connection's SyncError when the server cannot be reached: nothing is written then)."""
    if not user.is_hr:
        raise PermissionError(HR_ONLY)
    if connection is None:
        raise AuditUnavailable(OFFLINE)
    about = fetch_audit(connection, {"person": employee_id, "purpose": "subject_access"})
    with store.session() as s:
        account = s.scalar(select(User.id).where(User.employee_id == employee_id))
    by = fetch_audit(connection, {"user": account}) if account is not None else []
    request = Request(
        employee_id=employee_id,
        made_by=user.display_name,
        folder=folder,
        make_pdf=make_pdf,
        about=about,
        by=by,
        today=today or date.today(),
    )
    with store.session() as s:
        result = build(s, request, progress=progress, cancel=cancel)
        ids = list(s.scalars(select(Record.id).where(Record.subject_id == employee_id)))
    audit(store, user, EVENT, employee=employee_id, records=result.records, pdfs=result.pdfs)
    tell_server(store, EXPORTED, ids)
    return result
