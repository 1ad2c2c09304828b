"""Printing: a record's signed PDF, the letters a person may make from it, and HR's
batch export of a department's completed records.

Reads (nothing here writes the store); each takes the store and opens its own session.
`printer` says who signs (lcc_apr.pdf.records.Printer); finding it may ask the server,
so callers find it in the same worker. The PDF side (reportlab) is imported when a
function first runs, never when this module is. Any worker thread; no Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.models import Department
from lcc_apr.pdf.export import ExportResult, MakePdf, Progress
from lcc_apr.pdf.export import export_department as export_records
from lcc_apr.policy import Policy
from lcc_apr.store import Store
from lcc_apr.workflow import Party

from .records import actor_for
from .user import CurrentUser

if TYPE_CHECKING:
    from lcc_apr.pdf.printed_letters import LetterChoice
    from lcc_apr.pdf.records import PrintedRecord, Printer


@dataclass(frozen=True)
class DepartmentChoice:
    id: int
    name: str


def print_record(
    store: Store, *, record_id: str, catalogue: Catalogue, printer: Printer
) -> PrintedRecord:
    """Read: the record's PDF signed by `printer`, checked as a reader would check it."""
    from lcc_apr.pdf.records import print_record as printed

    with store.session() as s:
        return printed(s, record_id, catalogue, printer)


def letter_choices(
    store: Store,
    *,
    record_id: str,
    catalogue: Catalogue,
    parties: Iterable[Party],
    policy: Policy,
) -> list[LetterChoice]:
    """Read: the letters someone with these `parties` on the record may make from it now
    ([] for the employee, or when none applies). A letter template with mistakes
    raises its error here."""
    from lcc_apr.pdf.printed_letters import letter_choices as choices

    with store.session() as s:
        return choices(s, record_id, catalogue, parties, policy=policy)


def print_letter(
    store: Store,
    *,
    record_id: str,
    name: str,
    catalogue: Catalogue,
    printer: Printer,
    extra: Mapping[str, Any],
    policy: Policy,
) -> PrintedRecord:
    """Read: the letter `name` for the record, filled with `extra` (the values it asks
    for), signed by `printer`. LetterError, naming all that is missing, before anything
    is made."""
    from lcc_apr.pdf.printed_letters import print_letter as printed

    with store.session() as s:
        return printed(s, record_id, name, catalogue, printer, extra=extra, policy=policy)


# -- HR's export ----------------------------------------------------------------------


def departments(store: Store) -> list[DepartmentChoice]:
    """Read: the top-level departments HR exports by, by name."""
    with store.session() as s:
        rows = s.execute(
            select(Department.id, Department.name)
            .where(Department.parent_id.is_(None))
            .order_by(Department.name)
        )
        return [DepartmentChoice(dep_id, name) for dep_id, name in rows]


def export_department(
    store: Store,
    *,
    department_id: int,
    folder: Path,
    make_pdf: MakePdf,
    progress: Progress = lambda done, total: None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """Read: each completed record of the department (and its sections) as one PDF in
    `folder`; files already there are skipped, `cancel` stops after the current one."""
    return export_records(
        store.session,
        department_id=department_id,
        folder=folder,
        make_pdf=make_pdf,
        progress=progress,
        cancel=cancel,
    )


def hr_pdf_maker(*, catalogue: Catalogue, printer: Callable[[], Printer]) -> MakePdf:
    """make_pdf for HR's export: each record's PDF signed by HR in HR's box. Who signs
    (`printer()`, which may ask the server) is found once, on the first record, in the
    export's worker, and kept for the rest of the batch; when it fails, every record
    fails with the same reason."""
    from lcc_apr.pdf.records import record_pdf

    found: list[Printer | Exception] = []  # the printer, or why there is none: asked once
    lock = threading.Lock()

    def make_pdf(session: Session, record_id: str) -> bytes:
        with lock:
            if not found:
                try:
                    found.append(printer())
                except Exception as error:
                    found.append(error)
        signer = found[0]
        if isinstance(signer, Exception):
            raise signer
        return record_pdf(
            session,
            record_id,
            catalogue,
            signer=signer.signer,
            signer_name=signer.name,
            role="hr",
        )

    return make_pdf


def printer_for(
    store: Store, signer: Any, connection: Any, *, user: CurrentUser, record_id: str = ""
) -> Printer:
    """Read: the signed-in person as the printer of a record (or, with no record id, as HR
    for a batch): their identity from signing.identity.Signer (enrolled over `connection`
    when it has no certificate yet), their role on the record, the organisation's trust."""
    from lcc_apr.pdf.records import Printer
    from lcc_apr.pdf.sign import PdfSigner
    from lcc_apr.signing.identity import SigningError
    from lcc_apr.signing.signoff import role_for

    try:
        identity = signer.ready(connection)
    except SigningError as err:
        return Printer(None, user.display_name, why_unsigned=f"This copy is not signed: {err}")
    trust = signer.trust()
    role: str | None = "hr"
    if record_id:
        with store.session() as s:
            actor = actor_for(s, record_id, user=user)
        found = role_for(actor.parties())
        role = str(found) if found is not None else None
    return Printer(
        PdfSigner(identity.private_key, identity.certificate, trust.authorities),
        user.display_name,
        role,
        list(trust.authorities),
        revoked=trust.revoked_by_serial(),
    )
