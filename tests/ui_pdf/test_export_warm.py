"""HR's export dialog with the process pool: its processes start while the dialog shows
(HR's choosing hides their start-up), the export runs on them, and they end when the
dialog closes, or, when it closes mid-export, once the cancelled export has stopped."""

from __future__ import annotations

import threading

import pytest

from lcc_apr.forms import Catalogue
from lcc_apr.ops import printing
from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.records import Printer
from lcc_apr.pdf.sign import PdfSigner
from tests.pdf_tools import make_ca, make_user
from ui.export_dialog import ExportDialog
from ui.tasks import TaskRunner

CATALOGUE = Catalogue.load()
SMALL = "Chief Executive's Department"  # 52 completed records in the 50-person demo
CA = make_ca()
HR = make_user(CA, "Beth Tebbutt")


def printer() -> Printer:
    return Printer(PdfSigner(HR.key, HR.certificate, HR.chain), "Beth Tebbutt", "hr")


def not_here(_session, _record_id):
    pytest.fail("a record was made in the app's own process")


@pytest.fixture
def opened(qtbot, demo_store_copy, tmp_path):
    runner = TaskRunner()
    dialog = ExportDialog(
        store=demo_store_copy,
        runner=runner,
        make_pdf=not_here,
        pool=printing.hr_pool_kit(demo_store_copy, catalogue=CATALOGUE, printer=printer),
    )
    qtbot.addWidget(dialog)
    assert dialog.warm is None  # nothing starts until it shows
    dialog.show()
    qtbot.waitUntil(lambda: dialog.warm is not None, timeout=30_000)
    qtbot.waitUntil(dialog.tree.isEnabled, timeout=10_000)
    dialog.tick(SMALL)
    dialog.folder.setText(str(tmp_path))
    qtbot.waitUntil(dialog.start_button.isEnabled, timeout=10_000)
    yield dialog
    dialog.close()
    runner.shutdown()


def test_the_export_runs_on_the_processes_warmed_as_it_showed(qtbot, opened, tmp_path):
    warm = opened.warm
    processes = list(warm.executor._processes.values())
    assert len(processes) == 2 and all(p.is_alive() for p in processes)
    task = opened.start()
    qtbot.waitUntil(lambda: task.done, timeout=60_000)
    result = opened.result_
    assert len(result.written) == 52 and not result.failed, opened.message.text()
    checked = check_pdf(result.written[0].read_bytes(), trust_roots=[CA.certificate])
    assert checked.ok and checked.signers == ("Beth Tebbutt",), checked.summary
    assert opened.warm is warm and warm.usable  # kept for another batch

    opened.reject()  # Escape, or Close
    assert opened.warm is None and warm.closed
    qtbot.waitUntil(lambda: not any(p.is_alive() for p in processes), timeout=10_000)

    opened.show()  # opened again: new processes
    qtbot.waitUntil(lambda: opened.warm is not None, timeout=30_000)
    assert opened.warm is not warm and opened.warm.usable


def test_closing_mid_export_cancels_it_then_ends_the_processes(qtbot, opened, tmp_path):
    warm = opened.warm
    processes = list(warm.executor._processes.values())
    task = opened.start()
    qtbot.waitUntil(lambda: opened.bar.value() >= 1, timeout=60_000)
    opened.close()
    assert task.cancel_requested
    qtbot.waitUntil(lambda: task.done, timeout=10_000)
    assert opened.result_.cancelled and len(opened.result_.written) < 52
    assert opened.warm is None and warm.closed
    qtbot.waitUntil(lambda: not any(p.is_alive() for p in processes), timeout=10_000)


def test_processes_that_arrive_after_it_closed_are_ended(qtbot, demo_store_copy, monkeypatch):
    import ui.export_dialog

    started, gate = [], threading.Event()
    real = ui.export_dialog.warm_pool

    def held(pool):
        assert gate.wait(30)  # until the dialog has been closed
        started.append(real(pool))
        return started[-1]

    monkeypatch.setattr(ui.export_dialog, "warm_pool", held)
    runner = TaskRunner()
    dialog = ExportDialog(
        store=demo_store_copy,
        runner=runner,
        make_pdf=not_here,
        pool=printing.hr_pool_kit(demo_store_copy, catalogue=CATALOGUE, printer=printer),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.warming, timeout=10_000)  # after the departments came
    dialog.hide()
    gate.set()
    qtbot.waitUntil(lambda: not dialog.warming, timeout=30_000)
    assert len(started) == 1 and started[0].closed and dialog.warm is None
    started[0].close(wait=True)
    runner.shutdown()
