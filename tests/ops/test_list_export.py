"""Exporting lists as CSV or XLSX: the rows, the scope (refused for outsiders) and the
audit line each export leaves (no names in it)."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import load_workbook

from lcc_apr.ops.audit import audit_entries, audit_path
from lcc_apr.ops.list_export import ExportRefused, ListChoice, ListKind, export_list
from lcc_apr.ops.people import team_rows
from lcc_apr.ops.records import records_page
from lcc_apr.policy import load_policy
from tests.conflict_maker import CATALOGUE

from .test_profiles import user

POLICY = load_policy()
TODAY = date(2026, 11, 30)


def export(store, me, choice, path):
    return export_list(
        store, choice=choice, path=path, user=me, policy=POLICY, catalogue=CATALOGUE, today=TODAY
    )


def test_hr_exports_everyone_as_csv_and_the_export_is_audited(demo, tmp_path):
    hr = user(demo, username="btebbutt")
    done = export(demo, hr, ListChoice(ListKind.EVERYONE), tmp_path / "everyone.csv")
    with (tmp_path / "everyone.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    everyone = team_rows(demo, policy=POLICY, today=TODAY, manager_id=None)
    assert rows[0][:4] == ["Name", "Payroll no.", "Job title", "Department"]
    assert [r[:2] for r in rows[1:]] == [[p.name, p.payroll_number] for p in everyone]
    assert done.rows == len(everyone) == 50 and done.format == "csv"
    entry = audit_entries(demo)[-1]
    assert entry["user_id"] == hr.user_id and entry["event"] == "list_export"
    assert (entry["list"], entry["rows"], entry["format"]) == ("everyone", 50, "csv")
    text = audit_path(demo).read_text()
    assert "Roberts" not in text and "everyone.csv" not in text  # no names, no file names


def test_all_records_as_xlsx_are_the_rows_hr_sees(demo, tmp_path):
    hr = user(demo, username="btebbutt")
    choice = ListChoice(ListKind.RECORDS, sort="person", descending=False, person="hunt")
    export(demo, hr, choice, tmp_path / "records.xlsx")
    sheet = load_workbook(tmp_path / "records.xlsx").active
    got = list(sheet.iter_rows(values_only=True))
    shown = records_page(
        demo,
        catalogue=CATALOGUE,
        offset=0,
        limit=10_000,
        sort="person",
        descending=False,
        person="hunt",
    )
    assert got[0] == ("Person", "Payroll no.", "Record", "Date", "Stage")
    assert [(r[0], r[1], r[4]) for r in got[1:]] == [
        (s.person, s.payroll_number, s.status) for s in shown
    ]
    assert [r[3].date() if r[3] else None for r in got[1:]] == [s.record_date for s in shown]


@pytest.mark.parametrize(
    ("username", "choice"),
    [
        ("rtebbutt", ListChoice(ListKind.EVERYONE)),  # a manager, not HR
        ("rtebbutt", ListChoice(ListKind.RECORDS)),
        ("rtebbutt", ListChoice(ListKind.PERSON, employee_id=26)),  # not one of hers
        ("rrobinson", ListChoice(ListKind.TEAM)),  # staff manage nobody
        ("rrobinson", ListChoice(ListKind.PERSON, employee_id=4)),  # staff export nothing
    ],
)
def test_outsiders_are_refused_and_nothing_is_written(demo, tmp_path, username, choice):
    me = user(demo, username=username)
    with pytest.raises(ExportRefused):
        export(demo, me, choice, tmp_path / "list.csv")
    assert not (tmp_path / "list.csv").exists() and audit_entries(demo) == []


def test_a_manager_exports_a_reports_records_and_the_team_as_shown(demo, tmp_path):
    renee = user(demo, username="rtebbutt")
    done = export(demo, renee, ListChoice(ListKind.PERSON, employee_id=9), tmp_path / "d.csv")
    assert done.rows > 10
    shown = (9, 5, 6)  # the rows the screen shows, in its order
    export(demo, renee, ListChoice(ListKind.TEAM, employee_ids=shown), tmp_path / "t.csv")
    with (tmp_path / "t.csv").open(encoding="utf-8-sig") as f:
        names = [r[0] for r in list(csv.reader(f))[1:]]
    assert names == ["Deborah Lloyd-Davies", "Anthony Mills", "Lisa Hunt"]


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused_with_a_clear_message(demo, tmp_path):
    hr = user(demo, username="btebbutt")
    with pytest.raises(ValueError, match=r"\.csv or \.xlsx"):
        export(demo, hr, ListChoice(ListKind.EVERYONE), tmp_path / "list.pdf")
