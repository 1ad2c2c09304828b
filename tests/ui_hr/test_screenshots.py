"""Screenshots of HR's intake page and the Export for HR system dialog, at normal and
150% text: to a temporary folder, or to docs/screenshots/ with LCC_APR_SCREENSHOTS=1."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from lcc_apr.models import RecordKind
from lcc_apr.ops.intake import accept
from tests.hr_records import completed_ids
from tests.ui.conftest import CATALOGUE
from tests.ui.test_screenshots import SIZE, folder, picture  # noqa: F401 (folder: a fixture)
from ui.qt import QtCore

from .conftest import HR


def colours(image) -> int:
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    )


def save(qtbot, widget, path: Path) -> None:
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(50)  # let pending layouts settle before drawing
    image = picture(widget, 1)
    assert image.save(str(path)) and colours(image) > 8


@pytest.mark.parametrize(("suffix", "scale"), [("", 100), ("-150", 150)])
def test_intake_page(qtbot, window_for, settings, folder, suffix, scale):  # noqa: F811
    settings.set("appearance/theme", "light")
    settings.set("appearance/text_scale", scale)
    window = window_for(HR)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    window.show_page("intake")
    page = window.pages["intake"]
    qtbot.waitUntil(lambda: bool(page.model.rows))
    page.table.setCurrentIndex(page.model.index(1, 0))
    flags = QtCore.QItemSelectionModel.SelectionFlag
    page.table.selectionModel().select(page.model.index(2, 0), flags.Select | flags.Rows)
    page.table.setFocus()
    assert page.accept_button.isEnabled() and not page.return_button.isEnabled()
    save(qtbot, window, folder / f"hr-intake{suffix}.png")


@pytest.mark.parametrize(("suffix", "scale"), [("", 100), ("-150", 150)])
def test_export_dialog(qtbot, window_for, settings, store, tmp_path, folder, suffix, scale):  # noqa: F811
    settings.set("appearance/theme", "light")
    settings.set("appearance/text_scale", scale)
    window = window_for(HR)
    hr, now = window.context.user, datetime.now(UTC)
    first = completed_ids(store, hr, 3)
    accept(store, user=hr, record_ids=first, catalogue=CATALOGUE, at=now)
    dialog = window.open_hr_export()
    dialog.folder.setText(str(tmp_path))
    qtbot.waitUntil(lambda: dialog.waiting is not None)
    dialog.start()  # one past export to list
    later = completed_ids(store, hr, 4, RecordKind.APR)
    later += completed_ids(store, hr, 5)[3:]
    accept(store, user=hr, record_ids=later, catalogue=CATALOGUE, at=now)
    dialog.reread()
    qtbot.waitUntil(lambda: bool(dialog.waiting))
    shown = Path("/home/hr/Documents/HR system")  # not the test's temporary folder
    dialog.folder.setText(str(shown))
    dialog.message.setText(dialog.message.text().replace(str(tmp_path), str(shown)))
    assert dialog.message.text() == f"Wrote hr-export-000001-000003 (3 records) in {shown}."
    assert dialog.summary.text().startswith("6 records to export:")
    save(qtbot, dialog, folder / f"hr-system-export{suffix}.png")
