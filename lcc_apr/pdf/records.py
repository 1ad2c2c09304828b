"""A record's finished PDF: rendered from its template, then signed (PAdES) by the person
printing it, in their role's box on the last page. One function for the app's Print and
Save, HR's batch export and the benchmark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography import x509
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.models import Record, SignOff

from .document import RecordDocument, load_record, record_document
from .render import render_record_layout

if TYPE_CHECKING:
    from .sign import PdfSigner


def record_pdf(
    session: Session,
    record_id: str,
    catalogue: Catalogue,
    *,
    signer: PdfSigner | None,
    signer_name: str = "",
    role: str | None = None,
    describe_signature: Callable[[SignOff], str] | None = None,
) -> bytes:
    """The PDF of one record; signed when `signer` is given (unsigned only for previews
    made before the person has a signing certificate). The sign-off history says each
    signature's state as this computer checks it, unless `describe_signature` says.
    Raises KeyError for an unknown record."""
    if describe_signature is None:
        describe_signature = describe_signatures(session, load_record(session, record_id))
    doc = record_document(session, record_id, catalogue, describe_signature=describe_signature)
    return _finished(doc, signer=signer, signer_name=signer_name, role=role)


def _finished(
    doc: RecordDocument, *, signer: PdfSigner | None, signer_name: str, role: str | None
) -> bytes:
    """Rendered, and signed in the role's box (its words drawn as page text)."""
    if signer is None:
        return render_record_layout(doc).pdf
    from .sign import TimestampUnavailable

    try:
        return _signed(doc, signer=signer, signer_name=signer_name, role=role, timestamp=True)
    except TimestampUnavailable:  # still signed (B-B), and the box says so
        return _signed(doc, signer=signer, signer_name=signer_name, role=role, timestamp=False)


def _signed(
    doc: RecordDocument, *, signer: PdfSigner, signer_name: str, role: str | None, timestamp: bool
) -> bytes:
    from .sign import box_text

    reason = f"Copy of record {doc.record_id[:8]} ({doc.status_label})"
    note = signer.time_note(timestamp)
    words = box_text(signer_name, datetime.now().astimezone(), reason, time_note=note)
    layout = render_record_layout(doc, stamp=(role, words) if role else None)
    place = layout.signature_boxes.get(role or "")
    if place is None:  # no box for this role: pyHanko draws its own in the corner
        return signer.sign(layout.pdf, reason=reason, signer_name=signer_name, timestamp=timestamp)
    return signer.sign(
        layout.pdf,
        reason=reason,
        signer_name=signer_name,
        box=place.box,
        page=place.page_index,
        text_on_page=True,
        timestamp=timestamp,
    )


@dataclass
class Printer:
    """Who is printing: their PDF signer (None before they have a signing certificate),
    name, role on the record, and the organisation CA certificates a copy is checked
    against."""

    signer: PdfSigner | None
    name: str
    role: str | None = None
    trust_roots: list[x509.Certificate] = field(default_factory=list)
    why_unsigned: str = "This copy is not signed: you have no signing certificate yet."
    revoked: dict[int, datetime] = field(default_factory=dict)  # serial -> when
    timestamp_roots: list[x509.Certificate] = field(default_factory=list)  # an outside TSA's


def describe_signatures(session: Session, record: Record) -> Callable[[SignOff], str]:
    """Each sign-off's state in a few words for the printed history ("valid", "superseded
    on 3 June 2026", "invalid: ..."), checked against the trust this computer holds."""
    from lcc_apr.signing.signoff import SignatureStatus, signature_states
    from lcc_apr.signing.trust import load_trust

    states = {s.sign_off_id: s for s in signature_states(session, record, load_trust(session))}

    def describe(sign_off: SignOff) -> str:
        state = states.get(sign_off.id)
        if state is None:
            return "not checked"
        words = str(state.status).replace("_", " ")
        if state.status is SignatureStatus.SUPERSEDED and state.superseded_at:
            moment = state.superseded_at
            return f"superseded on {moment.day} {moment:%B %Y}"
        return f"{words}: {state.detail}" if state.detail else words

    return describe


def time_line(checked: Any, signer: PdfSigner) -> str:
    """What the check line says of the newest signature's time: certified by the TSA
    (and when), or no trusted time and why."""
    from .sign import _when
    from .timestamps import TRUSTED_TIME

    if not checked.signatures:
        return ""
    newest = checked.signatures[-1]
    if newest.timestamped and newest.signed_at is not None:
        return f"{TRUSTED_TIME}: {_when(newest.signed_at)}."
    return f"{signer.time_note(timestamp=False)}."


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
    """The record's PDF signed by the printer, checked as a reader would check it.
    Raises KeyError for an unknown record."""
    from .check import check_pdf
    from .export import file_name

    record = load_record(session, record_id)
    if describe_signature is None:
        describe_signature = describe_signatures(session, record)
    doc = record_document(session, record_id, catalogue, describe_signature=describe_signature)
    pdf = _finished(doc, signer=printer.signer, signer_name=printer.name, role=printer.role)
    if printer.signer is None:
        check = printer.why_unsigned
    else:
        checked = check_pdf(
            pdf,
            trust_roots=printer.trust_roots,
            revoked=printer.revoked,
            timestamp_roots=printer.timestamp_roots,
        )
        check = f"{checked.summary} {time_line(checked, printer.signer)}".strip()
    e = doc.employee
    day = record.record_date
    name = file_name(
        e.last_name, e.first_name, doc.kind, day.isoformat() if day else "undated", record_id
    )
    return PrintedRecord(pdf, f"{doc.title}: {e.name}", name, check)
