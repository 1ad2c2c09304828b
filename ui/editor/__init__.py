"""The record editor: a form generated from a record's template, over an EditSession."""

from .editor import AUTOSAVE_MS, RecordEditor, ask_reason_dialog, confirm_dialog
from .writes import RunWrite, run_inline, via_runner

__all__ = [
    "AUTOSAVE_MS",
    "RecordEditor",
    "RunWrite",
    "ask_reason_dialog",
    "confirm_dialog",
    "run_inline",
    "via_runner",
]
