"""Print from the editor: Ctrl+P saves, makes the signed PDF in a worker, previews it."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from lcc_apr.models import Employee, Record
from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.records import Printer
from lcc_apr.pdf.sign import PdfSigner
from tests.pdf_tools import make_ca, make_user
from ui.qt import QtCore

from .conftest import MANAGER, context_for, editor_window


def a_team_record(store, context) -> str:
    with store.session() as s:
        return s.scalar(
            select(Record.id)
            .join(Employee, Employee.id == Record.subject_id)
            .where(Employee.line_manager_id == context.user.employee_id, Record.kind == "apr")
            .order_by(Record.record_date.desc())
        )


def test_ctrl_p_previews_a_signed_copy(qtbot, demo_store, runner):
    ca = make_ca()
    me = make_user(ca, "Rhys Tebbutt")
    context = dataclasses.replace(
        context_for(demo_store, MANAGER),
        printer_for=lambda record_id: Printer(
            PdfSigner(me.key, me.certificate, me.chain), "Rhys Tebbutt", "manager", [ca.certificate]
        ),
    )
    window = editor_window(context, runner, a_team_record(demo_store, context))
    qtbot.addWidget(window)
    window.show()
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    focused = window.focusWidget() or window
    qtbot.keyClick(focused, QtCore.Qt.Key.Key_P, QtCore.Qt.KeyboardModifier.ControlModifier)
    preview = window.preview
    assert preview is not None and preview.isVisible()
    assert preview.document.pageCount() >= 2
    assert preview.check.text().startswith("Signed by Rhys Tebbutt")
    assert check_pdf(preview.pdf, trust_roots=[ca.certificate]).ok
    assert window.print_button.isEnabled() and window.print_button.accessibleName()


def test_without_a_certificate_the_copy_says_it_is_unsigned(qtbot, demo_store, runner):
    context = context_for(demo_store, MANAGER)
    window = editor_window(context, runner, a_team_record(demo_store, context))
    qtbot.addWidget(window)
    window.print_button.click()
    assert window.preview.check.text() == Printer(None, "x").why_unsigned
    assert not check_pdf(window.preview.pdf, trust_roots=[]).signed
