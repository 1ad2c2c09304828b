"""lcc_apr.ops.org_import without a server: offline, files it will not send, a cancel
before sending, and the report's words (an equality change says only that it changed)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from lcc_apr.ops.org_import import OFFLINE, ImportChoice, ImportUnavailable, OrgImporter, profiles
from lcc_apr.ops.org_import_report import confirmation_text, counts_text, report_rows
from lcc_apr.sync.errors import Cancelled
from lcc_apr.sync.orgwire import OrgImportReply

DAY = date(2025, 11, 30)


class Recorder:
    def __init__(self) -> None:
        self.sent: list = []

    def org_import(self, body):
        self.sent.append(body)
        raise AssertionError("nothing should be sent")


def choice(path: Path) -> ImportChoice:
    return ImportChoice(path=path, as_of=DAY)


def test_offline_says_so_plainly(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("Payroll number\n1\n")
    with pytest.raises(ImportUnavailable) as refused:
        OrgImporter(None).dry_run(choice(path))
    assert str(refused.value) == OFFLINE and "connection to the server" in OFFLINE


def test_empty_or_missing_files_and_a_cancel_before_sending_send_nothing(tmp_path):
    connection = Recorder()
    importer = OrgImporter(connection)  # type: ignore[arg-type]
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ImportUnavailable, match="empty.csv is empty"):
        importer.dry_run(choice(tmp_path / "empty.csv"))
    with pytest.raises(ImportUnavailable, match="missing.csv cannot be opened"):
        importer.dry_run(choice(tmp_path / "missing.csv"))
    (tmp_path / "staff.csv").write_text("Payroll number\n1\n")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled, match="nothing was applied"):
        importer.apply(choice(tmp_path / "staff.csv"), expect="0" * 64, cancel=cancel)
    assert connection.sent == []


def test_the_shipped_profiles_are_offered_with_their_labels():
    found = dict(profiles())
    assert list(found) == ["generic", "itrent", "successfactors", "resourcelink"]
    assert all(found.values())


def reply(**changes) -> OrgImportReply:
    values = dict(
        file="staff.csv",
        profile="generic",
        sheet="staff.csv",
        encoding="UTF-8",
        rows=3,
        as_of=DAY,
        complete=True,
        staff=20,
        new_people=0,
        ignored=0,
        needs_confirmation=False,
        leaver_share=0.05,
        digest="a" * 64,
        skipped=[],
        adds=[],
        changes=[],
        leavers=[],
        movers=[],
        accounts=[],
        errors=[],
    )
    return OrgImportReply.model_validate(values | changes)


def test_the_report_in_words_never_shows_an_equality_value():
    report = reply(
        changes=[
            {
                "row": 4,
                "payroll": "123",
                "post": None,
                "field": "ethnicity",
                "column": "K (E)",
                "equality": True,
            },
            {
                "row": 5,
                "payroll": "124",
                "post": "9",
                "field": "grade",
                "column": "G (Grade)",
                "old": "7",
                "new": "8",
            },
        ],
        errors=[
            {
                "sheet": "staff.csv",
                "row": 9,
                "column": "H (FTE)",
                "rule": "fte-range",
                "value": "1.5",
                "message": "FTE must be more than 0 and at most 1",
            }
        ],
        leavers=[
            {
                "payroll": "125",
                "name": "Sam Smith",
                "leaving_date": "2025-11-30",
                "row": None,
                "open_items": [{"record_id": "x", "kind": "apr", "status": "draft"}],
            }
        ]
        * 2,
        needs_confirmation=True,
    )
    rows = report_rows(report)
    assert [r.kind for r in rows] == ["Error", "Change", "Change", "Leaver", "Leaver"]
    assert rows[0].where == "staff.csv row 9, column H (FTE)" and "fte-range '1.5'" in rows[0].what
    assert rows[1].what == "ethnicity: changed" and rows[2].what == "grade: 7 → 8"
    assert rows[3].where == "staff.csv (not in the file)" and "open: apr draft" in rows[3].what
    assert "errors: 1." in counts_text(report)
    assert "2 of 20 current staff would leave, more than 5%" in (confirmation_text(report) or "")
