"""A record's finished PDF: rendered from its template, then signed (PAdES) by the person
printing it, in their role's box on the last page. One function for the app's Print and
Save, HR's batch export and the benchmark."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.models import SignOff

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
