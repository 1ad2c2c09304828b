"""Printed records and letters (reportlab), from the same form templates as the screen.

- `record_document(session, record_id, catalogue)` reads what a record's PDF says into
  plain data; `render_record(doc)` prints it (A4, fonts embedded, "Page x of y",
  sign-off history, content hash); `render_record_layout(doc)` also says where each
  role's visible signature goes (SIGNATURE_BOXES, on the last page).
- Letters: `letter_names()`, `letters_for(record)`, `render_letter(session, record_id,
  name, catalogue, extra=...)`; wording in resources/letters/*.toml (docs/letters.md).
"""

from .document import RecordDocument, record_document
from .letters import (
    LetterError,
    LetterTemplateError,
    letter_document,
    letter_names,
    letters_for,
    load_letter,
    load_letters,
    render_letter,
)
from .pages import register_fonts
from .render import (
    SIGNATURE_BOXES,
    RenderedRecord,
    SignatureBox,
    render_record,
    render_record_layout,
)

__all__ = [
    "SIGNATURE_BOXES",
    "LetterError",
    "LetterTemplateError",
    "RecordDocument",
    "RenderedRecord",
    "SignatureBox",
    "letter_document",
    "letter_names",
    "letters_for",
    "load_letter",
    "load_letters",
    "record_document",
    "register_fonts",
    "render_letter",
    "render_record",
    "render_record_layout",
]
