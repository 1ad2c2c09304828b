"""HR's batch export: which records, file names, cancel, failures, re-runs."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from lcc_apr.demo.build import build_demo_store, open_demo_store
from lcc_apr.models import Department, Employee, Record
from lcc_apr.pdf.export import completed_records, department_ids, export_department, file_name
from lcc_apr.workflow import WORKFLOWS
from tests.conftest import MemoryKeyring


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    ring = MemoryKeyring()
    path = tmp_path_factory.mktemp("export") / "demo.db"
    build_demo_store(path, size=50, as_of=date(2026, 11, 30), keyring_backend=ring)
    store = open_demo_store(path, keyring_backend=ring)
    yield store
    store.close()


@pytest.fixture(scope="module")
def department(store) -> int:
    """The top-level department holding the most people (with its sections)."""
    with store.session() as s:
        tops = s.scalars(select(Department.id).where(Department.parent_id.is_(None))).all()
        sizes = {
            d: s.scalar(
                select(func.count(Employee.id)).where(
                    Employee.department_id.in_(department_ids(s, d))
                )
            )
            for d in tops
        }
    return max(sizes, key=sizes.get)


def fake_pdf(session, record_id: str) -> bytes:
    return b"%PDF-1.7 " + record_id.encode()


def test_only_final_records_of_the_department_and_its_sections(store, department):
    with store.session() as s:
        found = completed_records(s, department)
        ids = [rid for rid, _ in found]
        assert ids, "the demo department has completed records"
        within = set(department_ids(s, department))
        for record in s.scalars(select(Record).where(Record.id.in_(ids))):
            assert WORKFLOWS[record.kind].state(record.status).final
            assert s.get(Employee, record.subject_id).department_id in within
        others = s.scalar(
            select(func.count(Record.id))
            .join(Employee, Employee.id == Record.subject_id)
            .where(Employee.department_id.in_(within), Record.id.not_in(ids))
        )
        assert others > 0  # drafts and open records exist and were left out
    names = [name for _, name in found]
    assert len(set(names)) == len(names)
    assert all(name.isascii() and name.endswith(".pdf") and "/" not in name for name in names)


def test_file_names_are_plain_ascii():
    assert file_name("Nguyễn", "Thảo", "apr", "2026-05-01", "1a2b3c4d-x") == (
        "Nguyen-Thao-apr-2026-05-01-1a2b3c4d.pdf"
    )
    assert (
        file_name("../..", "A/B", "apr", "undated", "abcdefgh") == "x-A-B-apr-undated-abcdefgh.pdf"
    )


def test_export_writes_each_pdf_and_a_second_run_skips_them(store, department, tmp_path):
    seen = []
    result = export_department(
        store.session,
        department_id=department,
        folder=tmp_path,
        make_pdf=fake_pdf,
        progress=lambda done, total: seen.append((done, total)),
    )
    with store.session() as s:
        expected = completed_records(s, department)
    assert len(result.written) == len(expected) == seen[-1][0] == seen[-1][1]
    for rid, name in expected:
        assert (tmp_path / name).read_bytes() == fake_pdf(None, rid)
    again = export_department(
        store.session, department_id=department, folder=tmp_path, make_pdf=fake_pdf
    )
    assert again.written == [] and again.skipped == len(expected)
    assert "already there" in again.summary()


def test_cancel_stops_between_records_and_keeps_what_was_written(store, department, tmp_path):
    cancel = threading.Event()

    def progress(done, total):
        if done == 2:
            cancel.set()

    result = export_department(
        store.session,
        department_id=department,
        folder=tmp_path,
        make_pdf=fake_pdf,
        progress=progress,
        cancel=cancel,
    )
    assert result.cancelled and len(result.written) == 2
    assert sorted(tmp_path.iterdir()) == sorted(result.written)
    assert result.summary().startswith("Stopped:")


def test_a_record_that_fails_is_listed_and_the_rest_go_on(store, department, tmp_path):
    with store.session() as s:
        expected = completed_records(s, department)
    bad = expected[0][0]

    def sometimes(session, record_id):
        if record_id == bad:
            raise ValueError("template missing")
        return fake_pdf(session, record_id)

    result = export_department(
        store.session, department_id=department, folder=tmp_path, make_pdf=sometimes
    )
    assert result.failed == [(bad, "template missing")]
    assert len(result.written) == len(expected) - 1


def test_a_full_disk_stops_the_batch_with_a_message(store, department, tmp_path, monkeypatch):
    from lcc_apr.pdf import export

    calls = []

    def full(path, data):
        calls.append(path)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        path.write_bytes(data)

    monkeypatch.setattr(export, "write_whole", full)
    result = export_department(
        store.session, department_id=department, folder=tmp_path, make_pdf=fake_pdf
    )
    assert len(result.written) == 1 and len(calls) == 2  # stopped at the first failure
    assert "No space left on device" in result.problem
    assert result.summary().startswith(f"Stopped: {tmp_path} could not be written to")
