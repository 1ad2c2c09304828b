"""HR's batch export: which records, the count, folders per kind and cycle, the index,
file names, cancel, failures, re-runs."""

from __future__ import annotations

import csv
import hashlib
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lcc_apr.demo.build import build_demo_store, open_demo_store
from lcc_apr.models import Department, Employee, Record, RecordKind
from lcc_apr.pdf.export import (
    COLUMNS,
    Selection,
    chosen_records,
    count,
    department_ids,
    export_records,
    file_name,
    safe_cell,
)
from lcc_apr.policy import load_policy
from lcc_apr.schedule.cycles import cycle_of, cycle_starting
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
                    Employee.department_id.in_(department_ids(s, [d]))
                )
            )
            for d in tops
        }
    return max(sizes, key=sizes.get)


def fake_pdf(session, record_id: str) -> bytes:
    return b"%PDF-1.7 " + record_id.encode()


POLICY = load_policy()


def whole(department: int) -> Selection:
    return Selection(frozenset({department}))


def export(store, department, folder, **kw):
    kw.setdefault("make_pdf", fake_pdf)
    kw.setdefault("selection", whole(department))
    return export_records(store.session, folder=folder, policy=POLICY, **kw)


def read_index(folder: Path) -> list[dict[str, str]]:
    with (folder / "index.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == COLUMNS
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]


def test_only_final_records_of_the_department_and_its_sections(store, department):
    with store.session() as s:
        found = chosen_records(s, whole(department), POLICY)
        ids = [c.record_id for c in found]
        assert ids, "the demo department has completed records"
        within = set(department_ids(s, [department]))
        for record in s.scalars(select(Record).where(Record.id.in_(ids))):
            assert WORKFLOWS[record.kind].state(record.status).final
            assert s.get(Employee, record.subject_id).department_id in within
        others = s.scalar(
            select(func.count(Record.id))
            .join(Employee, Employee.id == Record.subject_id)
            .where(Employee.department_id.in_(within), Record.id.not_in(ids))
        )
        assert others > 0  # drafts and open records exist and were left out
        assert count(s, whole(department)).records == len(found)
    paths = [c.path for c in found]
    assert len(set(paths)) == len(paths)
    assert all(p.isascii() and p.endswith(".pdf") for p in paths)


def test_filters_narrow_the_count_and_it_matches_the_records(store, department):
    with store.session() as s:
        everything = chosen_records(s, whole(department), POLICY)
        newest = max(c.day for c in everything)
        cycle = cycle_of(newest, POLICY)
        sections = s.scalars(select(Department.id).where(Department.parent_id == department))
        section = next(d for d in sections if count(s, Selection(frozenset({d}))).records)
        narrower = {
            "kind": Selection(frozenset({department}), kinds=frozenset({RecordKind.APR})),
            "cycle": Selection(frozenset({department}), cycles=(cycle,)),
            "dates": Selection(frozenset({department}), first=cycle.first, last=newest),
            "section": Selection(frozenset({section})),
        }
        total = count(s, whole(department))
        assert total.records == len(everything)
        assert total.estimated_bytes > 50_000 * total.records
        for name, selection in narrower.items():
            counted = count(s, selection)
            chosen = chosen_records(s, selection, POLICY)
            assert 0 < counted.records == len(chosen) < total.records, name
        assert {c.kind for c in chosen_records(s, narrower["kind"], POLICY)} == {RecordKind.APR}
        in_cycle = chosen_records(s, narrower["cycle"], POLICY)
        assert {c.cycle for c in in_cycle} == {cycle.label}
        assert count(s, Selection(frozenset({department}), kinds=frozenset())).records == 0
        assert count(s, Selection(frozenset())).summary() == "No records match."


def test_a_cycle_runs_april_to_march():
    assert cycle_of(date(2026, 4, 1), POLICY).label == "2026-27"
    assert cycle_of(date(2027, 3, 31), POLICY).label == "2026-27"
    assert cycle_of(date(2026, 3, 31), POLICY).label == "2025-26"
    assert cycle_starting(1999, POLICY).label == "1999-00"
    assert cycle_starting(2026, POLICY).last == date(2027, 3, 31)


def test_file_names_are_plain_ascii():
    assert file_name("Nguyễn", "Thảo", "apr", "2026-05-01", "1a2b3c4d-x") == (
        "Nguyen-Thao-apr-2026-05-01-1a2b3c4d.pdf"
    )
    assert (
        file_name("../..", "A/B", "apr", "undated", "abcdefgh") == "x-A-B-apr-undated-abcdefgh.pdf"
    )


def test_cells_a_spreadsheet_would_run_are_made_plain_text():
    for bad in ("=1+1", "+44 116", "-2", "@SUM(A1)", "\t=x"):
        assert safe_cell(bad) == "'" + bad
    assert safe_cell("Nguyen") == "Nguyen" and safe_cell("") == ""


def test_export_writes_a_folder_per_kind_and_cycle_and_an_index(store, department, tmp_path):
    seen = []
    result = export(store, department, tmp_path, progress=lambda d, t: seen.append((d, t)))
    with store.session() as s:
        expected = chosen_records(s, whole(department), POLICY)
    assert len(result.written) == len(expected) == seen[-1][0] == seen[-1][1]
    assert result.index == tmp_path / "index.csv"
    assert not list(tmp_path.glob("*.pdf"))  # nothing left flat in the folder
    for item in expected:
        path = tmp_path / item.kind.plural / cycle_of(item.day, POLICY).label / Path(item.path).name
        assert path.read_bytes() == fake_pdf(None, item.record_id)
    folders = {p.parent.relative_to(tmp_path).as_posix() for p in result.written}
    assert "Supervisions/2026-27" in folders and "Annual Performance Reviews/2026-27" in folders
    rows = read_index(tmp_path)
    assert len(rows) == len(expected)
    for row, item in zip(rows, expected, strict=True):
        data = (tmp_path / row["File"]).read_bytes()
        assert row["SHA-256"] == hashlib.sha256(data).hexdigest()
        assert data == fake_pdf(None, item.record_id) and row["Result"] == "written"
        assert row["Payroll number"] == item.payroll_number and row["Name"] == item.name
        assert row["Kind"] == item.kind.label and row["Date"] == item.day.isoformat()
        assert row["Cycle"] == row["File"].split("/")[1] and row["Stage"] and row["Department"]
    again = export(store, department, tmp_path)
    assert again.written == [] and again.skipped == len(expected)
    assert "already there" in again.summary()
    rows_again = read_index(tmp_path)
    assert [r["SHA-256"] for r in rows_again] == [r["SHA-256"] for r in rows]
    assert {r["Result"] for r in rows_again} == {"already there"}


def test_cancel_stops_between_records_and_keeps_what_was_written(store, department, tmp_path):
    cancel = threading.Event()

    def progress(done, total):
        if done == 2:
            cancel.set()

    result = export(store, department, tmp_path, progress=progress, cancel=cancel)
    assert result.cancelled and len(result.written) == 2
    assert sorted(tmp_path.rglob("*.pdf")) == sorted(result.written)
    assert [r["Result"] for r in read_index(tmp_path)] == ["written", "written"]
    assert result.summary().startswith("Stopped:")


def test_a_record_that_fails_is_in_the_index_and_the_rest_go_on(store, department, tmp_path):
    with store.session() as s:
        expected = chosen_records(s, whole(department), POLICY)
    bad = expected[0].record_id

    def sometimes(session, record_id):
        if record_id == bad:
            raise ValueError("template missing")
        return fake_pdf(session, record_id)

    result = export(store, department, tmp_path, make_pdf=sometimes)
    assert result.failed == [(bad, "template missing")]
    assert len(result.written) == len(expected) - 1
    first = read_index(tmp_path)[0]
    assert first["Result"] == "not made: template missing"
    assert first["File"] == first["SHA-256"] == ""


def test_a_full_disk_stops_the_batch_with_a_message(store, department, tmp_path, monkeypatch):
    from lcc_apr.pdf import export as module

    calls = []

    def full(path, data):
        calls.append(path)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        path.write_bytes(data)

    monkeypatch.setattr(module, "write_whole", full)
    result = export(store, department, tmp_path)
    assert len(result.written) == 1 and len(calls) == 3  # stopped at the first failure, index
    assert "No space left on device" in result.problem
    assert result.summary().startswith(f"Stopped: {tmp_path} could not be written to")
