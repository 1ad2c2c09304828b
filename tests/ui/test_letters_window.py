"""Letters from the record editor: Letters… is there for the line manager and HR when a
letter applies (never for the employee), the dialog asks for the letter's inputs, refuses
with what is missing (nothing made), and previews the signed, checked letter.

Screenshots go to a temporary folder; with LCC_APR_SCREENSHOTS=1 they are written to
docs/screenshots/ instead (look at them after any visual change).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time as clock
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lcc_apr.models import Employee, Record
from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.records import Printer
from lcc_apr.pdf.sign import PdfSigner
from tests.pdf_tools import make_ca, make_user
from tests.test_pdf_render import flat, pdf_text
from ui.letters import LetterDialog
from ui.qt import Qt, QtCore, QtWidgets
from ui.records import EditorWindow

from .conftest import HR, MANAGER, context_for, editor_window

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CASE_MANAGER = "jrobinson"  # line manager of the demo's capability case (Giulia Müller)
CASE_SUBJECT = "gmuller"
PLACE = "Room G12, County Hall, Glenfield"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    if os.environ.get("LCC_APR_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


@pytest.fixture(scope="module")
def ca():
    return make_ca("Leicestershire County Council LCC APR CA")


def signing(context, ca, name: str, asked: list[str] | None = None):
    me = make_user(ca, name)
    signer = PdfSigner(me.key, me.certificate, me.chain)

    def printer_for(record_id: str) -> Printer:
        if asked is not None:
            asked.append(record_id)
        return Printer(signer, name, "hr", [ca.certificate])

    return dataclasses.replace(context, printer_for=printer_for)


def capability_case(store) -> str:
    with store.session() as s:
        return s.scalar(select(Record.id).where(Record.kind == "capability"))


def team_apr(store, context) -> str:
    with store.session() as s:
        return s.scalar(
            select(Record.id)
            .join(Employee, Employee.id == Record.subject_id)
            .where(Employee.line_manager_id == context.user.employee_id, Record.kind == "apr")
        )


def editor(qtbot, context, runner, record_id) -> EditorWindow:
    window = editor_window(context, runner, record_id)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.letters_known, timeout=10_000)  # checked after it opens
    return window


@pytest.mark.parametrize(("username", "shown"), [(HR, True), (CASE_MANAGER, True),
                                                 (CASE_SUBJECT, False)])  # fmt: skip
def test_letters_is_offered_to_the_line_manager_and_hr_only(
    qtbot, demo_store, runner, username, shown
):
    context = context_for(demo_store, username)
    window = editor(qtbot, context, runner, capability_case(demo_store))
    button = window.letters_button
    assert button.isVisibleTo(window) is shown
    assert button.accessibleName() == "Make a letter to the employee from this record"
    assert button.text() == "&Letters…" and button.focusPolicy() != Qt.FocusPolicy.NoFocus
    assert [c.name for c in window.letter_choices] == (
        ["capability_invitation", "capability_outcome"] if shown else []
    )


def test_no_letter_applies_to_an_apr(qtbot, demo_store, runner):
    context = context_for(demo_store, MANAGER)
    window = editor(qtbot, context, runner, team_apr(demo_store, context))
    assert window.print_button.isVisibleTo(window)
    assert not window.letters_button.isVisibleTo(window)


def test_alt_l_opens_the_letters_with_titles_and_named_inputs(qtbot, demo_store, runner):
    window = editor(qtbot, context_for(demo_store, HR), runner, capability_case(demo_store))
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.letters is not None)  # a mnemonic clicks after a moment
    dialog = window.letters
    assert isinstance(dialog, LetterDialog) and dialog.isVisible()
    titles = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert titles == [
        "Invitation to a formal capability meeting (stage 2)",
        "Outcome of the formal capability meeting (stage 2)",
    ]
    form = dialog.current()
    assert list(form.inputs) == ["meeting.time", "meeting.place", "hr.contact"]
    assert isinstance(form.inputs["meeting.time"].edit, QtWidgets.QTimeEdit)
    assert form.inputs["hr.contact"].edit.text() == "your HR adviser"
    assert form.inputs["meeting.place"].edit.placeholderText() == f"for example {PLACE}"
    for widget in dialog.findChildren(QtWidgets.QWidget):
        if widget.isVisibleTo(dialog) and widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
            assert widget.accessibleName(), widget
    outcome = dialog.choose("capability_outcome")
    assert dialog.stack.currentWidget() is outcome
    assert list(outcome.inputs) == ["appeal.to"]


def test_a_letter_with_something_missing_says_what_and_makes_nothing(qtbot, demo_store, runner):
    context = context_for(demo_store, HR)
    window = editor(qtbot, context, runner, capability_case(demo_store))
    window.open_letters()
    dialog = window.letters
    form = dialog.current()
    form.inputs["meeting.time"].set_value(time(14, 30))
    dialog.preview_button.click()
    assert dialog.preview is None
    assert dialog.problems.isVisibleTo(dialog)
    assert "cannot be written yet" in dialog.problem.text()
    items = [dialog.missing.item(i).text() for i in range(dialog.missing.count())]
    assert items == ["Where the meeting is held: fill it in on the left"]
    assert form.marks["meeting.place"].isVisibleTo(dialog)
    assert not form.marks["meeting.time"].isVisibleTo(dialog)
    assert dialog.preview_button.isEnabled()
    assert "Nothing was made" in dialog.status.text()
    # nothing given at all: both are named
    form.inputs["meeting.time"].set_value(None)
    dialog.preview_button.click()
    assert form.marks["meeting.time"].isVisibleTo(dialog)
    assert form.marks["meeting.place"].isVisibleTo(dialog)
    assert dialog.missing.count() == 2


def test_preview_shows_the_signed_checked_letter(qtbot, demo_store, runner, ca, tmp_path):
    asked: list[str] = []
    context = signing(context_for(demo_store, HR), ca, "Beth Tebbutt", asked)
    record_id = capability_case(demo_store)
    window = editor(qtbot, context, runner, record_id)
    window.open_letters()
    dialog = window.letters
    form = dialog.current()
    form.inputs["meeting.time"].set_value(time(14, 30))
    form.inputs["meeting.place"].set_value(PLACE)
    dialog.preview_button.click()
    preview = dialog.preview
    assert preview is not None and preview.isVisible()
    assert not dialog.problems.isVisibleTo(dialog)
    assert asked == [record_id]
    assert preview.check.text().startswith("Signed by Beth Tebbutt on ")
    assert check_pdf(preview.pdf, trust_roots=[ca.certificate]).ok
    assert preview.windowTitle().startswith(
        "Preview: Invitation to a formal capability meeting (stage 2): Giulia"
    )
    assert preview.file_name.startswith("Muller-Giulia-letter-capability-invitation-")
    text = flat(pdf_text(preview.pdf, tmp_path))
    assert f"held on 25 August 2026 at 2:30pm, at {PLACE}" in text
    assert "please contact me or your HR adviser" in text


def test_other_failures_are_said_in_the_status(qtbot, demo_store, runner):
    def broken(record_id: str) -> Printer:
        raise ConnectionError("the server did not answer")

    context = dataclasses.replace(context_for(demo_store, HR), printer_for=broken)
    window = editor(qtbot, context, runner, capability_case(demo_store))
    window.open_letters()
    dialog = window.letters
    dialog.choose("capability_outcome")
    dialog.preview_button.click()
    assert dialog.preview is None
    assert dialog.status.text() == "The letter could not be made: the server did not answer"
    assert dialog.preview_button.isEnabled()


def test_the_letter_waits_for_saves_already_queued(qtbot, demo_store, threaded_runner):
    """A save queued before Preview is written before the letter reads the record."""
    saved = threading.Event()
    seen: list[bool] = []

    def printer_for(record_id: str) -> Printer:
        seen.append(saved.is_set())
        return Printer(None, "Beth Tebbutt")

    context = dataclasses.replace(context_for(demo_store, HR), printer_for=printer_for)
    record_id = capability_case(demo_store)
    choices = editor_window(context, threaded_runner, record_id)
    qtbot.addWidget(choices)
    qtbot.waitUntil(lambda: bool(choices.letter_choices), timeout=10_000)

    def slow_save(_control):
        clock.sleep(0.3)
        saved.set()

    dialog = LetterDialog(
        context=context,
        runner=threaded_runner,
        record_id=record_id,
        choices=choices.letter_choices,
        save=lambda: threaded_runner.write(slow_save, name="save record"),
    )
    qtbot.addWidget(dialog)
    dialog.choose("capability_outcome")
    dialog.make_preview()
    assert not dialog.preview_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert seen == [True]
    assert dialog.preview.check.text() == Printer(None, "x").why_unsigned


# -- screenshots ------------------------------------------------------------------------


def test_screenshot_letters_dialog(qtbot, demo_store, runner, folder):
    window = editor(qtbot, context_for(demo_store, HR), runner, capability_case(demo_store))
    window.open_letters()
    dialog = window.letters
    form = dialog.current()
    form.inputs["meeting.time"].set_value(time(14, 30))
    dialog.preview_button.click()  # refused: where the meeting is held is missing
    assert dialog.problems.isVisibleTo(dialog)
    qtbot.waitExposed(dialog)
    qtbot.wait(50)
    image = dialog.grab().toImage()
    assert image.save(str(folder / "letters-dialog.png"))
    assert dialog.width() >= dialog.minimumSizeHint().width()
    assert dialog.height() >= dialog.minimumSizeHint().height()


def test_screenshot_letter_preview(qtbot, demo_store, runner, ca, folder):
    context = signing(context_for(demo_store, HR), ca, "Beth Tebbutt")
    window = editor(qtbot, context, runner, capability_case(demo_store))
    window.open_letters()
    dialog = window.letters
    form = dialog.current()
    form.inputs["meeting.time"].set_value(time(14, 30))
    form.inputs["meeting.place"].set_value(PLACE)
    dialog.preview_button.click()
    preview = dialog.preview
    qtbot.waitExposed(preview)
    qtbot.waitUntil(lambda: preview.document.status() == preview.document.Status.Ready)
    fit = type(preview.view).ZoomMode.FitInView
    preview.view.setZoomMode(fit)  # the whole page, with the signature beside the closing
    qtbot.wait(300)  # the pages are drawn after the document is ready
    image = preview.grab().toImage()
    assert image.save(str(folder / "letter-preview.png"))
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 20  # the letter is drawn, not a blank page
    assert QtCore.QSize(image.width(), image.height()) == preview.size()
