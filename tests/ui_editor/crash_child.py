"""The process the crash test kills: open the editor, type, wait for the autosave, die.

    python -m tests.ui_editor.crash_child STORE RECORD_ID USER_ID SAVED UNSAVED

Opens the demo store (published passphrase) as the record's line manager, types
SAVED into "Manager's comments", waits for the autosave timer (not a focus
change) to write it, types UNSAVED and ends with os._exit: no clean shutdown,
no closing of the store, nothing flushed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtTest import QTest  # noqa: E402  (a test helper: key clicks as a person types)

from lcc_apr.demo.build import open_demo_store  # noqa: E402
from lcc_apr.editing import EditSession  # noqa: E402
from lcc_apr.forms import Catalogue  # noqa: E402
from lcc_apr.models import Role  # noqa: E402
from lcc_apr.workflow import Actor  # noqa: E402
from ui.editor import RecordEditor  # noqa: E402
from ui.qt import QtWidgets  # noqa: E402


def main(store_path: str, record_id: str, user_id: str, saved: str, unsaved: str) -> None:
    app = QtWidgets.QApplication([])
    app.setApplicationName("lcc-apr crash test")
    store = open_demo_store(Path(store_path), keyring_backend=None)
    actor = Actor(int(user_id), frozenset({Role.MANAGER, Role.EMPLOYEE}), is_line_manager=True)
    session = EditSession(store, record_id, actor=actor, catalogue=Catalogue.load())
    editor = RecordEditor(session)
    editor.show()
    writes: list[str] = []
    editor.saved.connect(lambda record: writes.append(record))
    box = editor.form.rows["manager_comments"].input.inputs[0]
    box.setFocus()
    QTest.keyClicks(box, saved)
    deadline = time.monotonic() + 5
    while not writes and time.monotonic() < deadline:
        QTest.qWait(50)
    print("autosaved" if writes else "not saved", flush=True)
    QTest.keyClicks(box, unsaved)
    print(f"typed {session.value('manager_comments')!r}", flush=True)
    os._exit(0 if writes else 3)


if __name__ == "__main__":
    main(*sys.argv[1:6])
