"""Process killed, then restarted: the editor shows everything up to the last autosave."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lcc_apr.demo.build import open_demo_store
from lcc_apr.editing import EditSession
from lcc_apr.history import verify_history
from lcc_apr.models import Record, RecordKind
from tests.test_editing import CATALOGUE, build_demo, cast_of, start
from ui.editor import RecordEditor

ROOT = Path(__file__).resolve().parents[2]
SAVED = "Autosaved before the crash."
UNSAVED = " Typed after it."


def test_text_autosaved_before_the_process_is_killed_is_there_after_a_restart(tmp_path, qtbot):
    path = build_demo(tmp_path / "demo.db", None)  # the passphrase store: no keyring to share
    store = open_demo_store(path, keyring_backend=None)
    cast = cast_of(store)
    record_id = start(store, cast, RecordKind.APR)
    store.close()

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.ui_editor.crash_child",
            str(path),
            record_id,
            str(cast.manager.user_id),
            SAVED,
            UNSAVED,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stdout + child.stderr
    assert child.stdout.splitlines()[:2] == ["autosaved", f"typed {SAVED + UNSAVED!r}"]

    store = open_demo_store(path, keyring_backend=None)  # the app restarted
    try:
        assert store.integrity_problems() == []
        session = EditSession(store, record_id, actor=cast.manager, catalogue=CATALOGUE)
        assert session.value("manager_comments") == SAVED  # nothing before the autosave lost
        editor = RecordEditor(session)
        qtbot.addWidget(editor)
        assert editor.form.rows["manager_comments"].input.inputs[0].toPlainText() == SAVED
        with store.session() as s:
            assert verify_history(s, s.get(Record, record_id)) == []
    finally:
        store.close()
