"""Records changed here and on the server: a list of them, and a dialog to settle one.

The sync engine keeps both versions (a Conflict row beside the local record) and
pushes nothing for that record until the person decides. The dialog shows each
answer both sides changed, side by side, and assembles the person's choices;
`lcc_apr.sync.engine.resolve_conflict` does the rest. Loading runs as a read
query and the resolution as a write op (ui.tasks); widgets live on the UI thread.
"""

from .dialog import ConflictDialog
from .listing import ConflictsList, ConflictsModel
from .view import (
    ConflictRow,
    ConflictView,
    Disagreement,
    final_answers,
    list_conflicts,
    load_conflict,
    value_text,
)

__all__ = [
    "ConflictDialog",
    "ConflictRow",
    "ConflictView",
    "ConflictsList",
    "ConflictsModel",
    "Disagreement",
    "final_answers",
    "list_conflicts",
    "load_conflict",
    "value_text",
]
