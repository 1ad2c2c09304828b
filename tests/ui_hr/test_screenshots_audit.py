"""Screenshots of HR's Audit page and the Subject access export dialog: to a temporary
folder, or to docs/screenshots/ with LCC_APR_SCREENSHOTS=1."""

from __future__ import annotations

from tests.ui.test_screenshots import SIZE, folder  # noqa: F401 (folder: a fixture)

from .test_audit_viewer import FakeAudit, demo_entries, hr_window
from .test_screenshots import save


def test_audit_page(qtbot, window_for, settings, store, folder):  # noqa: F811
    settings.set("appearance/theme", "light")
    entries, person, _user = demo_entries(store, 400)
    window = hr_window(window_for, FakeAudit(entries))
    page = window.pages["audit"]
    page.context = page.model.context = window.context
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    window.show_page("audit")
    qtbot.waitUntil(lambda: page.person.count() > 1)
    page.person.setCurrentIndex(page.person.findData(person))
    page.show_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    page.table.resizeColumnsToContents()
    save(qtbot, window, folder / "hr-audit.png")


def test_subject_access_dialog(qtbot, window_for, settings, store, tmp_path, folder):  # noqa: F811
    settings.set("appearance/theme", "light")
    entries, person, _user = demo_entries(store, 20)
    window = hr_window(window_for, FakeAudit(entries))
    window.show()
    dialog = window.open_subject_access()
    qtbot.waitUntil(lambda: dialog.person.count() > 1)
    dialog.person.setCurrentIndex(dialog.person.findData(person))
    out = tmp_path / "Subject access"
    out.mkdir()
    dialog.folder.setText(str(out))
    dialog.start_button.click()
    qtbot.waitUntil(lambda: "Saved" in dialog.message.text(), timeout=60_000)
    dialog.folder.setText("C:/Users/hr.officer/Documents/Subject access")
    save(qtbot, dialog, folder / "hr-subject-access.png")
