"""POST /hr/org-import on a live server (SQLite; PostgreSQL too with LCC_APR_TEST_PG_URL):
HR's dry run writes nothing, an apply is all or nothing and must be what the dry run
showed, files the reader refuses are 422 with its message, and anyone but HR gets 403."""

from __future__ import annotations

import base64
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lcc_apr.hr.samples import generic_csv
from lcc_apr.models import Employee
from lcc_apr.server.orgupload import HR_ONLY, upload_name
from lcc_apr.server.tables import AuditEntry
from lcc_apr.sync.protocol import ErrorReply, OrgImportReply, read
from tests.org_rows import Row, database_hash, demo_rows, rows  # noqa: F401 - fixtures

from .harness import AS_OF

ROUTE = "/hr/org-import"


def body(content: bytes, name: str = "staff.csv", **options: Any) -> dict[str, Any]:
    found = {"file_name": name, "content": base64.b64encode(content).decode()}
    return {**found, "as_of": AS_OF.isoformat(), **options}


def organisation_hash(engine) -> str:
    """Every table but the audit log, hashed: what an import would change."""
    return database_hash(engine, skip=(AuditEntry.__tablename__,))


def audited(server, outcome: str) -> int:
    with server.session() as session:
        return session.scalar(
            select(func.count()).where(
                AuditEntry.event == "org_import", AuditEntry.outcome == outcome
            )
        )


@pytest.fixture
def hr(live_server):
    return live_server.login(live_server.people.hr[0].username)


def test_hr_dry_run_writes_nothing_then_the_apply_does_what_it_showed(live_server, hr, rows):
    grade, rows[3]["grade"] = rows[3]["grade"], "Grade 99"
    rows[4]["ethnicity"] = "mixed" if rows[4]["ethnicity"] != "mixed" else "white_other"
    content = generic_csv(rows)
    before = organisation_hash(live_server.engine)
    reply = hr.client.post(ROUTE, json=body(content))
    assert reply.status_code == 200, reply.text
    report = read(OrgImportReply, reply.content)
    assert organisation_hash(live_server.engine) == before
    assert (report.file, report.sheet, report.encoding) == ("staff.csv", "staff.csv", "UTF-8")
    assert report.rows == len(rows) and report.errors == [] and report.applied is None
    by_field = {c.field: c for c in report.changes}
    assert (by_field["grade"].old, by_field["grade"].new) == (grade, "Grade 99")
    secret = by_field["ethnicity"]
    assert secret.equality and secret.old is None and secret.new is None
    assert rows[4]["ethnicity"] not in reply.text  # equality answers never travel
    assert audited(live_server, "dry_run") == 1

    applied = hr.client.post(ROUTE, json=body(content, dry_run=False, expect=report.digest))
    assert applied.status_code == 200, applied.text
    done = read(OrgImportReply, applied.content)
    assert done.applied is not None and done.applied.changes == 2
    assert organisation_hash(live_server.engine) != before
    assert audited(live_server, "applied") == 1
    again = read(OrgImportReply, hr.client.post(ROUTE, json=body(content)).content)
    assert again.changes == [] and again.adds == [] and again.leavers == []


def test_an_apply_that_is_not_what_the_dry_run_showed_is_refused(live_server, hr, rows):
    content = generic_csv(rows)
    shown = read(OrgImportReply, hr.client.post(ROUTE, json=body(content)).content)
    rows[3]["grade"] = "Grade 99"  # the file changed after its dry run
    before = organisation_hash(live_server.engine)
    reply = hr.client.post(ROUTE, json=body(generic_csv(rows), dry_run=False, expect=shown.digest))
    assert reply.status_code == 409
    error = read(ErrorReply, reply.content)
    assert error.code == "import_refused" and "nothing was applied" in error.detail
    assert organisation_hash(live_server.engine) == before
    assert audited(live_server, "refused:import_refused") == 1


def test_many_leavers_need_confirming_and_errors_apply_nothing(live_server, hr, rows):
    truncated = generic_csv(rows[:40])  # managers come before their reports
    before = organisation_hash(live_server.engine)
    shown = read(OrgImportReply, hr.client.post(ROUTE, json=body(truncated, complete=True)).content)
    assert len(shown.leavers) == 10 and shown.needs_confirmation and shown.leaver_share == 0.05
    options = {"complete": True, "dry_run": False, "expect": shown.digest}
    refused = hr.client.post(ROUTE, json=body(truncated, **options))
    assert refused.status_code == 409 and "10 of 50 staff would leave" in refused.text
    assert organisation_hash(live_server.engine) == before

    rows[7]["fte"] = Decimal("1.5")
    broken = hr.client.post(ROUTE, json=body(generic_csv(rows), dry_run=False))
    report = read(OrgImportReply, broken.content)
    assert broken.status_code == 200 and report.applied is None
    (problem,) = report.errors
    assert (problem.sheet, problem.row, problem.rule) == ("staff.csv", 9, "fte-range")
    assert problem.column.endswith("(FTE)") and problem.value == "1.5"
    assert organisation_hash(live_server.engine) == before

    confirmed = hr.client.post(ROUTE, json=body(truncated, confirm_leavers=True, **options))
    assert confirmed.status_code == 200, confirmed.text
    assert read(OrgImportReply, confirmed.content).applied.leavers == 10
    with live_server.session() as session:
        current = select(func.count(Employee.id)).where(Employee.leaving_date.is_(None))
        assert session.scalar(current) == 40


def empty_workbook(tmp_path: Path) -> bytes:
    from openpyxl import Workbook

    Workbook().save(tmp_path / "empty.xlsx")
    return (tmp_path / "empty.xlsx").read_bytes()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("staff.xlsx", lambda _p: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "is a PDF"),
        ("staff.xls", lambda _p: OLE + b"\x00" * 600, "Excel 97-2003 workbook (.xls)"),
        ("staff.xlsx", empty_workbook, "is empty"),
        ("staff.xlsx", lambda _p: OLE + "EncryptedPackage".encode("utf-16-le"), "password"),
        ("staff.csv", lambda _p: b"", None),  # empty content: refused by the body's model
    ],
)
def test_a_file_the_reader_refuses_is_422_with_its_message(
    live_server, hr, tmp_path, name, make, words
):
    before = organisation_hash(live_server.engine)
    reply = hr.client.post(ROUTE, json=body(make(tmp_path), name, dry_run=False))
    assert reply.status_code == 422
    error = read(ErrorReply, reply.content)
    if words is not None:
        assert error.code == "unreadable"
        assert error.detail.startswith(f"{name}: ") and words in error.detail
    assert organisation_hash(live_server.engine) == before


def test_content_that_is_not_base64_is_422(hr):
    reply = hr.client.post(ROUTE, json={"file_name": "a.csv", "content": "not base64!"})
    assert reply.status_code == 422 and read(ErrorReply, reply.content).code == "bad_content"


@pytest.mark.parametrize("who", ["managers", "employees"])
def test_anyone_but_hr_gets_403_with_one_wording_and_it_is_audited(live_server, rows, who):
    user = getattr(live_server.people, who)[0]
    signed = live_server.login(user.username)
    before = organisation_hash(live_server.engine)
    for options in ({}, {"dry_run": False}):
        reply = signed.client.post(ROUTE, json=body(generic_csv(rows), **options))
        assert reply.status_code == 403
        assert read(ErrorReply, reply.content).model_dump(exclude_none=True) == {
            "detail": HR_ONLY,
            "code": "hr_only",
        }
    assert organisation_hash(live_server.engine) == before
    assert audited(live_server, "refused:role") == 2


def test_an_uploaded_name_is_only_a_file_name():
    assert upload_name("C:\\Users\\hr\\staff.csv") == "staff.csv"
    assert upload_name("../../etc/passwd") == "passwd"
    assert upload_name("..") == "upload" and upload_name("a\x00b.xlsx") == "a_b.xlsx"
