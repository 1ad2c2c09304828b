"""Grab the record editor offscreen into docs/screenshots/ (run by hand, not a test).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui_editor.screenshots

An APR as its manager sees it, part filled in, and a shared supervision as the
employee sees it. Uses a throwaway demo store.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from lcc_apr.demo.build import open_demo_store  # noqa: E402
from lcc_apr.editing import EditSession  # noqa: E402
from lcc_apr.models import RecordKind  # noqa: E402
from lcc_apr.signing.trust import Trust, save_trust  # noqa: E402
from tests.examples import EXAMPLES, LATEST  # noqa: E402
from tests.test_editing import (  # noqa: E402
    AT,
    AUTHORITY,
    CATALOGUE,
    build_demo,
    cast_of,
    fill,
    move_on,
    start,
)
from ui.editor import RecordEditor  # noqa: E402
from ui.editor.sign_dialog import SignDialog  # noqa: E402
from ui.qt import QtWidgets  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZE = (1000, 1500)


def grab(editor: RecordEditor, name: str, scroll_to: str | None = None) -> Path:
    editor.resize(*SIZE)
    editor.show()
    QtWidgets.QApplication.processEvents()
    if scroll_to:
        editor.show_field(scroll_to)
        QtWidgets.QApplication.processEvents()
    path = OUT / name
    editor.grab().save(str(path))
    return path


def main() -> int:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    try:  # the app's own light theme, when the main window's theme module is there
        from ui.theme import apply_appearance

        apply_appearance(app, theme="light", text_scale=100)
    except ImportError:
        app.setStyle("Fusion")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        store_path = build_demo(Path(folder) / "demo.db", None)
        store = open_demo_store(store_path, keyring_backend=None)
        cast = cast_of(store)

        apr = start(store, cast, RecordKind.APR)
        manager = EditSession(store, apr, actor=cast.manager, catalogue=CATALOGUE)
        partial = {k: v for k, v in LATEST["apr"].items() if not k.startswith("value_")}
        fill(manager, partial)
        manager.set("meeting_date", "2024-01-01")  # out of the window: an inline message
        manager.save(AT)
        editor = RecordEditor(manager)
        print(grab(editor, "editor-apr.png"))
        editor.close()

        sup = start(store, cast, RecordKind.SUPERVISION)
        boss = EditSession(store, sup, actor=cast.manager, catalogue=CATALOGUE)
        fill(boss, EXAMPLES["supervision"])
        boss.take("share", at=AT)
        employee = EditSession(store, sup, actor=cast.employee, catalogue=CATALOGUE)
        editor = RecordEditor(employee)
        print(grab(editor, "editor-supervision-employee.png", scroll_to="employee_comments"))
        editor.close()

        dialog = SignDialog(
            title="Sign off", signer=employee.subject_name, decisions=("agree", "disagree")
        )
        dialog.choices["disagree"].setChecked(True)
        dialog.reason_box.setPlainText("The workload section leaves out the two cover shifts.")
        dialog.resize(560, 380)
        dialog.show()
        QtWidgets.QApplication.processEvents()
        dialog.grab().save(str(OUT / "sign-dialog.png"))
        print(OUT / "sign-dialog.png")
        dialog.close()

        with store.session() as s:  # the organisation's certificate, as a sync brings it
            save_trust(s, Trust((AUTHORITY.certificate,)))
        move_on(EditSession(store, sup, actor=cast.employee, catalogue=CATALOGUE), "employee_sign")
        manager = EditSession(store, sup, actor=cast.manager, catalogue=CATALOGUE)
        editor = RecordEditor(manager)
        print(grab(editor, "editor-signed.png", scroll_to="next_date"))
        editor.close()
        store.close()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
