"""The organisation import wizard. UI thread only.

The dry run and the apply are write tasks (ui.tasks: they use the signed-in connection,
one call at a time with sync) calling lcc_apr.ops.org_import; the profiles and a
workbook's sheets are read tasks. Only the latest task's answer is shown: Stop (or
Cancel, or Back) throws a running dry run's answer away, so nothing is ever applied by
it. Apply is the wizard's own button, never the default one (Enter never presses it),
enabled only after a dry run without errors, and, when the server says more than 5% of
staff would leave, once the leavers are confirmed. An apply, once sent, is the server's
to finish (all or nothing): Cancel waits for it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from lcc_apr.ops.org_import import (
    ImportChoice,
    ImportUnavailable,
    OrgImporter,
    profiles,
    sheets,
)
from lcc_apr.ops.org_import_report import (
    applied_text,
    confirmation_text,
    counts_text,
    report_rows,
)
from lcc_apr.sync.errors import Cancelled, Refused, SyncError

from ..qt import QtCore, QtWidgets, Signal
from ..tasks import Task, TaskRunner
from .pages import ChooseFilePage, ReportPage, ResultPage

W = QtWidgets.QWizard
CHOOSE, REPORT, RESULT = 0, 1, 2
APPLY = W.WizardButton.CustomButton1
STOPPED = "Stopped: nothing was applied."
APPLYING = (
    "The server is applying the import, all or nothing. It cannot be stopped once sent: "
    "wait for it to finish."
)


class OrgImportWizard(QtWidgets.QWizard):
    applied = Signal(object)  # the server's reply (OrgImportReply), once applied

    def __init__(
        self,
        *,
        importer: Any,
        runner: TaskRunner,
        today: date,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import organisation")
        self.setAccessibleName("Import organisation")
        self.setWizardStyle(W.WizardStyle.ClassicStyle)
        self.setOption(W.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(W.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(W.WizardOption.HaveCustomButton1, True)
        self.setButtonText(APPLY, "&Apply import")
        button = self.button(APPLY)
        assert isinstance(button, QtWidgets.QPushButton)
        self.apply_button = button
        self.apply_button.setAccessibleName("Apply the import")
        self.apply_button.setAutoDefault(False)
        self.apply_button.setDefault(False)
        button.clicked.connect(lambda _checked=False: self.start_apply())
        for which, name in (
            (W.WizardButton.BackButton, "Back"),
            (W.WizardButton.NextButton, "Next"),
            (W.WizardButton.FinishButton, "Finish"),
            (W.WizardButton.CancelButton, "Cancel the import"),
        ):
            self.button(which).setAccessibleName(name)
        # no importer (no connection): every dry run says the import needs the server
        self.importer = importer if importer is not None else OrgImporter(None)
        self.runner = runner
        self.choose = ChooseFilePage(today)
        self.report_page, self.result_page = ReportPage(), ResultPage()
        for number, page in enumerate((self.choose, self.report_page, self.result_page)):
            self.setPage(number, page)
        self.report: Any = None  # the latest dry run's reply (OrgImportReply)
        self.task: Task | None = None
        self.task_kind = ""
        self._token: object | None = None  # the task whose answer is awaited
        self._sheets_token: object | None = None
        self._sheets_timer = QtCore.QTimer(self)
        self._sheets_timer.setSingleShot(True)
        self._sheets_timer.setInterval(200)
        self._sheets_timer.timeout.connect(self._look_at_sheets)
        self.choose.chosen.connect(self._sheets_timer.start)
        page = self.report_page
        page.stop.clicked.connect(self.stop)
        page.again.clicked.connect(self.start_dry_run)
        page.complete.toggled.connect(lambda _on: self.start_dry_run())
        page.confirm.toggled.connect(lambda _on: self._update_buttons())
        self.currentIdChanged.connect(self._page_shown)
        self.resize(960, 660)
        runner.read(lambda _control: profiles(), on_done=self.choose.set_profiles, name="profiles")
        self._update_buttons()

    # -- state --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._token is not None

    def choice(self) -> ImportChoice:
        path = self.choose.file()
        assert path is not None
        return ImportChoice(
            path=path,
            as_of=self.choose.day(),
            profile=self.choose.profile_name(),
            sheet=self.choose.sheet_name(),
            complete=self.report_page.complete.isChecked(),
        )

    def can_apply(self) -> bool:
        report = self.report
        if report is None or self.running or report.errors or self.report_page.applied:
            return False
        if not (report.adds or report.changes or report.leavers or report.movers):
            return False
        return not report.needs_confirmation or self.report_page.confirm.isChecked()

    def _update_buttons(self) -> None:
        self.apply_button.setEnabled(self.can_apply())
        page = self.currentId()
        if page == REPORT:
            back = [] if self.running and self.task_kind == "apply" else [W.WizardButton.BackButton]
            layout = [W.WizardButton.Stretch, *back, APPLY, W.WizardButton.CancelButton]
        else:
            layout = [
                W.WizardButton.Stretch,
                W.WizardButton.BackButton,
                W.WizardButton.NextButton,
                W.WizardButton.FinishButton,
                W.WizardButton.CancelButton,
            ]
        self.setButtonLayout(layout)

    def _page_shown(self, page: int) -> None:
        if page == REPORT and not self.report_page.applied:
            self.start_dry_run()
        elif page == CHOOSE:
            self.stop()
        self._update_buttons()

    # -- tasks --------------------------------------------------------------------

    def _run(self, kind: str, work: Callable[[Any], Any], done: Callable[[Any], None]) -> None:
        token = object()
        self._token, self.task_kind = token, kind
        self.report_page.show_running(True)
        self.report_page.stop.setEnabled(kind == "dry_run")
        self._update_buttons()

        def mine(callback: Callable[[Any], None], *, ends: bool = True) -> Callable[[Any], None]:
            def deliver(value: Any) -> None:
                if self._token is token:  # else: stopped, or a newer task: thrown away
                    if ends:
                        self._finished()
                    callback(value)

            return deliver

        self.task = self.runner.write(
            work,
            on_done=mine(done),
            on_error=mine(self._failed),
            on_progress=mine(self._progress, ends=False),
            name=f"org import {kind}",
        )

    def _progress(self, step: Any) -> None:
        self.report_page.status.setText(step.words())

    def _finished(self) -> None:
        self._token = None
        self.report_page.show_running(False)

    def start_dry_run(self) -> None:
        if self.currentId() != REPORT or self.report_page.applied:
            return
        self.stop()
        self.report = None
        self.report_page.counts.setText("")
        self.report_page.show_confirmation(None)
        self.report_page.table.set_rows([])
        self.report_page.status.setText("Sending the file to the server for a dry run…")
        choice, importer = self.choice(), self.importer

        def work(control: Any) -> Any:
            return importer.dry_run(choice, cancel=control.cancel, progress=control.progress)

        self._run("dry_run", work, self._dry_run_done)

    def start_apply(self) -> None:
        if not self.can_apply():
            return
        report, importer, choice = self.report, self.importer, self.choice()
        confirm = bool(report.needs_confirmation and self.report_page.confirm.isChecked())
        self.report_page.status.setText(APPLYING)

        def work(control: Any) -> Any:
            return importer.apply(
                choice,
                expect=report.digest,
                confirm_leavers=confirm,
                cancel=control.cancel,
                progress=control.progress,
            )

        self._run("apply", work, self._apply_done)

    def stop(self) -> None:
        """Stop waiting for a dry run: its answer is thrown away (nothing is applied)."""
        if self.running and self.task_kind == "dry_run":
            if self.task is not None:
                self.task.cancel()
            self._finished()
            self.report_page.status.setText(STOPPED)
            self._update_buttons()

    def _dry_run_done(self, reply: Any) -> None:
        self._show_report(reply)
        if reply.errors:
            text = (
                f"The file has {len(reply.errors):,} error(s), listed first below: correct them "
                "in the HR system's export and run the dry run again. Nothing can be applied "
                "until then."
            )
        elif not (reply.adds or reply.changes or reply.leavers or reply.movers):
            text = "Nothing to change: the organisation already matches the file."
        else:
            text = "Dry run done: nothing has changed yet. Read the report, then Apply import."
        self.report_page.status.setText(text)
        self._update_buttons()

    def _show_report(self, reply: Any) -> None:
        self.report = reply
        self.report_page.counts.setText(counts_text(reply))
        self.report_page.show_confirmation(confirmation_text(reply))
        self.report_page.table.set_rows(report_rows(reply))

    def _apply_done(self, reply: Any) -> None:
        if reply.applied is None:  # the file or the organisation changed into errors
            self._dry_run_done(reply)
            return
        self.report_page.applied = True
        self.report_page.completeChanged.emit()
        self.result_page.summary.setText(applied_text(reply))
        self.result_page.counts.setText(counts_text(reply))
        self._update_buttons()
        self.next()
        self.applied.emit(reply)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            text = STOPPED
        elif isinstance(error, Refused) and error.code == "import_refused":
            self.report = None  # what it showed is no longer what would happen
            text = f"{error} (Run the dry run again.)"
        elif isinstance(error, SyncError | ImportUnavailable):
            text = str(error)
        else:
            text = "Something went wrong on this computer; nothing was applied."
        self.report_page.status.setText(text)
        self._update_buttons()

    def _look_at_sheets(self) -> None:
        path, profile = self.choose.file(), self.choose.profile_name()
        if path is None:
            self.choose.show_sheets([])
            return
        token = object()
        self._sheets_token = token

        def shown(found: list[str]) -> None:
            if self._sheets_token is token:
                self.choose.show_sheets(found)

        self.runner.read(lambda _control: sheets(path, profile), on_done=shown, name="sheets")

    # -- closing --------------------------------------------------------------------

    def reject(self) -> None:
        """Cancel, Escape or closing: a dry run stops (nothing applied); an apply already
        sent is waited for."""
        if self.running and self.task_kind == "apply":
            self.report_page.status.setText(APPLYING)
            return
        self.stop()
        super().reject()
