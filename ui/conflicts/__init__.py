"""Records changed here and on the server: a list of them, and a dialog to settle one.

The sync engine keeps both versions (a Conflict row beside the local record) and
pushes nothing for that record until the person decides. The dialog shows each
answer both sides changed, side by side, and assembles the person's choices;
the ops of `lcc_apr.ops.conflicts` do the rest: loading runs as a read query and
settling as a write op (ui.tasks); widgets live on the UI thread.
"""

from .dialog import ConflictDialog
from .listing import ConflictsList, ConflictsModel

__all__ = ["ConflictDialog", "ConflictsList", "ConflictsModel"]
