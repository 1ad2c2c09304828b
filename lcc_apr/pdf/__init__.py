"""Printed records and letters (reportlab), from the same form templates as the screen.

- `record_document(session, record_id, catalogue)` reads what a record's PDF says into
  plain data; `render_record(doc)` prints it (A4, fonts embedded, "Page x of y",
  sign-off history, content hash); `render_record_layout(doc)` also says where each
  role's visible signature goes (SIGNATURE_BOXES, on the last page).
- Letters: `letter_names()`, `letters_for(record)`, `render_letter(session, record_id,
  name, catalogue, extra=...)`; wording in resources/letters/*.toml (docs/letters.md).
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "RecordDocument": "document",
    "record_document": "document",
    "LetterError": "letters",
    "LetterTemplateError": "letters",
    "letter_document": "letters",
    "letter_names": "letters",
    "letters_for": "letters",
    "load_letter": "letters",
    "load_letters": "letters",
    "render_letter": "letters",
    "register_fonts": "pages",
    "SIGNATURE_BOXES": "render",
    "RenderedRecord": "render",
    "SignatureBox": "render",
    "render_record": "render",
    "render_record_layout": "render",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Loaded on first use: importing lcc_apr.pdf.export or .check stays light (reportlab
    and pyHanko load only when a PDF is made)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lcc_apr.pdf' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
