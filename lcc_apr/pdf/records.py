"""A record's finished PDF: rendered from its template, then signed (PAdES) by the person
printing it, in their role's box on the last page. One function for the app's Print and
Save, HR's batch export and the benchmark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography import x509
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.models import Record, SignOff

from .document import record_document
from .render import render_record_layout

if TYPE_CHECKING:
    from .sign import Signer


def record_pdf(
    session: Session,
    record_id: str,
    catalogue: Catalogue,
    *,
    signer: Signer | None,
    signer_name: str = "",
    role: str | None = None,
    describe_signature: Callable[[SignOff], str] | None = None,
) -> bytes:
    """The PDF of one record; signed when `signer` is given (unsigned only for previews
    made before the person has a signing certificate)."""
    doc = record_document(session, record_id, catalogue, describe_signature=describe_signature)
    layout = render_record_layout(doc)
    if signer is None:
        return layout.pdf
    place = layout.signature_boxes.get(role or "")
    return signer.sign(
        layout.pdf,
        reason=f"Copy of record {doc.record_id[:8]} ({doc.status_label})",
        signer_name=signer_name,
        box=place.box if place else None,
        page=place.page_index if place else -1,
    )


@dataclass
class Printer:
    """Who is printing: their PDF signer (None before they have a signing certificate),
    name, role on the record, and the organisation CA certificates a copy is checked
    against."""

    signer: Signer | None
    name: str
    role: str | None = None
    trust_roots: list[x509.Certificate] = field(default_factory=list)
    why_unsigned: str = "This copy is not signed: you have no signing certificate yet."


@dataclass(frozen=True)
class PrintedRecord:
    pdf: bytes
    title: str  # for the preview window
    file_name: str  # suggested, ASCII
    check: str  # the signature check in words, or why the copy is unsigned


def print_record(
    session: Session,
    record_id: str,
    catalogue: Catalogue,
    printer: Printer,
    *,
    describe_signature: Callable[[SignOff], str] | None = None,
) -> PrintedRecord:
    """The record's PDF signed by the printer, checked as a reader would check it."""
    from .check import check_pdf
    from .export import file_name

    doc = record_document(session, record_id, catalogue, describe_signature=describe_signature)
    pdf = record_pdf(
        session,
        record_id,
        catalogue,
        signer=printer.signer,
        signer_name=printer.name,
        role=printer.role,
        describe_signature=describe_signature,
    )
    if printer.signer is None:
        check = printer.why_unsigned
    else:
        check = check_pdf(pdf, trust_roots=printer.trust_roots).summary
    e = doc.employee
    day = session.get(Record, record_id).record_date
    name = file_name(
        e.last_name, e.first_name, doc.kind, day.isoformat() if day else "undated", record_id
    )
    return PrintedRecord(pdf, f"{doc.title}: {e.name}", name, check)
