"""HR's export to the HR system: each accepted revision once, an amendment as a new
revision, columns by template version, formula text kept as text, the cursor kept by an
interrupted export (and no file left), any past export made again byte for byte, and
only HR may export."""

from __future__ import annotations

import csv
import threading
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet._writer import ALL_TEMP_FILES
from sqlalchemy import func, select

from lcc_apr.forms import Catalogue, forms_dir
from lcc_apr.history import create_record
from lcc_apr.hr import export as hr_export
from lcc_apr.hr.export import FIXED, GROUP_FIXED, ExportGone
from lcc_apr.models import HrExport, Record, RecordKind
from lcc_apr.ops.audit import audit_entries
from lcc_apr.ops.hr_export import Cancelled, export_again, export_to_hr, past_exports
from lcc_apr.ops.intake import HrOnly, accept
from tests.examples import EXAMPLES
from tests.hr_records import (
    AT,
    CATALOGUE,
    HR_USERNAME,
    MANAGER_USERNAME,
    cast_of,
    completed,
    completed_ids,
    take_steps,
    trust_the_test_authority,
    user,
)
from tests.test_editing import move_on, open_as

LATER = AT + timedelta(days=1)


@pytest.fixture
def demo(demo_store_copy):
    return demo_store_copy


def accepted(store, hr, record_ids, catalogue=CATALOGUE, at=LATER) -> None:
    accept(store, user=hr, record_ids=record_ids, catalogue=catalogue, at=at)


def made(store, hr, folder: Path, fmt="csv", catalogue=CATALOGUE, at=LATER, **kw):
    folder.mkdir(exist_ok=True)
    return export_to_hr(store, user=hr, folder=folder, fmt=fmt, catalogue=catalogue, at=at, **kw)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def new_record(store, hr, answers, *, version=1, kind=RecordKind.APR) -> str:
    """A completed record written straight into the store (as if synced in)."""
    with store.session() as s:
        subject = s.scalars(
            select(Record.subject_id).where(Record.subject_id != hr.employee_id)
        ).first()
        record = create_record(
            s,
            kind=kind,
            subject_id=subject,
            author_id=None,
            template_id=kind.value,
            template_version=version,
            answers=answers,
            status="completed",
            record_date=AT.date(),
            at=AT,
        )
        return record.id


def test_each_accepted_revision_is_exported_once(demo, tmp_path):
    hr = user(demo, HR_USERNAME)
    first = completed_ids(demo, hr, 5)
    accepted(demo, hr, first[:3])
    one = made(demo, hr, tmp_path / "one")
    assert one is not None and one.entries == 3 and (one.first_entry, one.last_entry) == (1, 3)
    rows = read_csv(one.path / "supervision-v1.csv")
    assert rows[0][: len(FIXED)] == list(FIXED)
    assert sorted(r[0] for r in rows[1:]) == sorted(first[:3])
    assert {r[1] for r in rows[1:]} == {"1"} and {r[4] for r in rows[1:]} == {"accepted"}
    assert made(demo, hr, tmp_path / "nothing") is None  # nothing new: no file, no log
    assert list((tmp_path / "nothing").iterdir()) == []
    accepted(demo, hr, first[3:])
    two = made(demo, hr, tmp_path / "two")
    assert two is not None and (two.first_entry, two.last_entry, two.entries) == (4, 5, 2)
    assert sorted(r[0] for r in read_csv(two.path / "supervision-v1.csv")[1:]) == sorted(first[3:])
    entry = audit_entries(demo)[-1]
    assert (entry["event"], entry["export"], entry["entries"], entry["format"]) == (
        "hr_export",
        two.export_id,
        2,
        "csv",
    )
    assert [p.export_id for p in past_exports(demo, user=hr)] == [two.export_id, one.export_id]


def test_an_amended_record_comes_again_as_a_new_revision(demo, tmp_path):
    trust_the_test_authority(demo)
    cast = cast_of(demo)
    hr = user(demo, HR_USERNAME)
    record_id = completed(demo, cast)  # a new APR: form version 2
    accepted(demo, hr, [record_id])
    one = made(demo, hr, tmp_path / "one")
    (row,) = read_csv(one.path / "apr-v2.csv")[1:]
    state = row[FIXED.index("signature_state")]
    assert state.startswith("employee valid 2026-11-30T") and "; manager valid 2026-" in state

    later = LATER + timedelta(minutes=5)
    move_on(open_as(demo, record_id, cast.manager), "amend", at=later, reason="Wrong year.")
    take_steps(
        demo,
        cast,
        record_id,
        [("manager", "share"), ("employee", "respond"), ("employee", "employee_sign")]
        + [("manager", "manager_sign")],
        {"manager_comments": "Corrected: the objectives of 2026/27."},
    )
    accepted(demo, hr, [record_id], at=later + timedelta(hours=1))
    two = made(demo, hr, tmp_path / "two", at=later + timedelta(hours=2))
    (again,) = read_csv(two.path / "apr-v2.csv")[1:]
    assert again[0] == record_id and again[1] == "2"
    header = read_csv(two.path / "apr-v2.csv")[0]
    assert again[header.index("manager_comments")] == "Corrected: the objectives of 2026/27."
    assert again[FIXED.index("content_hash")] != row[FIXED.index("content_hash")]
    assert made(demo, hr, tmp_path / "three", at=later + timedelta(hours=3)) is None


def catalogue_with_apr_v2(tmp_path: Path) -> Catalogue:
    """Every shipped template, plus an APR v2 that drops one column and adds another."""
    folder = tmp_path / "forms"
    for path in forms_dir().glob("*/v*.toml"):
        (folder / path.parent.name).mkdir(parents=True, exist_ok=True)
        (folder / path.parent.name / path.name).write_text(path.read_text(encoding="utf-8"))
    v1 = (folder / "apr" / "v1.toml").read_text(encoding="utf-8")
    v2 = v1.replace("version = 1", "version = 2", 1)
    v2 = v2.replace(
        'key = "wellbeing_discussion"\n', 'key = "wellbeing_discussion"\nexport = false\n', 1
    )
    v2 = v2.replace(
        '[[sections.fields]]\nkey = "wellbeing_support"',
        '[[sections.fields]]\nkey = "hybrid_working"\ntype = "short_text"\n'
        'label = "Hybrid working pattern"\n\n[[sections.fields]]\nkey = "wellbeing_support"',
        1,
    )
    assert v2.count("hybrid_working") == 1 and "export = false" in v2
    (folder / "apr" / "v2.toml").write_text(v2, encoding="utf-8")
    return Catalogue.load(folder)


def test_columns_follow_the_template_version(demo, tmp_path):
    catalogue = catalogue_with_apr_v2(tmp_path)
    hr = user(demo, HR_USERNAME)
    old = completed_ids(demo, hr, 1, RecordKind.APR)
    answers = {**EXAMPLES["apr"], "hybrid_working": "Two days at County Hall"}
    new = new_record(demo, hr, answers, version=2)
    accepted(demo, hr, old + [new], catalogue=catalogue)
    done = made(demo, hr, tmp_path / "out", catalogue=catalogue)
    names = sorted(p.name for p in done.path.iterdir())
    assert names == [
        "apr-v1-new_objectives.csv",
        "apr-v1-previous_objectives.csv",
        "apr-v1.csv",
        "apr-v2-new_objectives.csv",
        "apr-v2-previous_objectives.csv",
        "apr-v2.csv",
    ]
    v1, v2 = read_csv(done.path / "apr-v1.csv"), read_csv(done.path / "apr-v2.csv")
    answers_v1 = v1[0][len(FIXED) :]
    assert answers_v1[:3] == ["meeting_date", "review_period", "value_1_rating"]
    assert "wellbeing_discussion" in answers_v1 and "hybrid_working" not in answers_v1
    answers_v2 = v2[0][len(FIXED) :]
    assert "wellbeing_discussion" not in answers_v2
    at = answers_v2.index("hybrid_working")
    assert answers_v2[at + 1] == "wellbeing_support"
    assert [r[0] for r in v1[1:]] == old and [r[0] for r in v2[1:]] == [new]
    assert v2[1][len(FIXED) + at] == "Two days at County Hall"
    groups = read_csv(done.path / "apr-v2-new_objectives.csv")
    assert groups[0] == [*GROUP_FIXED, "objective", "measure", "target_date"]
    items = EXAMPLES["apr"]["new_objectives"]
    assert [r[:3] for r in groups[1:]] == [[new, "1", str(n)] for n in range(1, len(items) + 1)]
    assert groups[1][3] == items[0]["objective"]


FORMULAS = {
    "manager_comments": '=HYPERLINK("http://example.invalid","Open")',
    "rating_reasons": "+44 7700 900123",
    "learning_needs": "-1",
    "development_plan": "@SUM(A1:A9)",
    "wellbeing_support": "\tTabbed",
    "career_aspirations": "#N/A",
}


def formula_record(store, hr) -> str:
    answers = {**EXAMPLES["apr"], **FORMULAS}
    answers["new_objectives"] = [{**answers["new_objectives"][0], "objective": "=1+2"}]
    record_id = new_record(store, hr, answers)
    accepted(store, hr, [record_id])
    return record_id


def test_text_a_spreadsheet_would_run_stays_text_in_csv(demo, tmp_path):
    hr = user(demo, HR_USERNAME)
    formula_record(demo, hr)
    done = made(demo, hr, tmp_path / "csv")
    header, row = read_csv(done.path / "apr-v1.csv")
    for key, text in FORMULAS.items():
        expected = text if text == "#N/A" else "'" + text
        assert row[header.index(key)] == expected
    assert read_csv(done.path / "apr-v1-new_objectives.csv")[1][3] == "'=1+2"


def test_text_a_spreadsheet_would_run_stays_text_in_xlsx(demo, tmp_path):
    hr = user(demo, HR_USERNAME)
    formula_record(demo, hr)
    done = made(demo, hr, tmp_path / "xlsx", fmt="xlsx")
    book = load_workbook(done.path)
    assert book.sheetnames == ["apr v1", "apr v1 previous_objectives", "apr v1 new_objectives"]
    sheet = book["apr v1"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    cells = next(sheet.iter_rows(min_row=2, max_row=2))
    for key, text in FORMULAS.items():
        cell = cells[header.index(key)]
        assert (cell.value, cell.data_type) == (text, "s")
    objective = next(book["apr v1 new_objectives"].iter_rows(min_row=2, max_row=2))[3]
    assert (objective.value, objective.data_type) == ("=1+2", "s")
    with zipfile.ZipFile(done.path) as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in xml or b"<f " in xml for xml in sheets)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_interrupted_export_keeps_the_cursor_and_leaves_no_file(
    demo, tmp_path, fmt, monkeypatch
):
    hr = user(demo, HR_USERNAME)
    chosen = completed_ids(demo, hr, 30)
    accepted(demo, hr, chosen)
    monkeypatch.setattr(hr_export, "EVERY", 5)
    cancel = threading.Event()

    def stop_while_writing(step):
        if step.text == hr_export.STEP:
            cancel.set()

    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        made(demo, hr, out, fmt=fmt, progress=stop_while_writing, cancel=cancel)
    assert list(out.iterdir()) == [] and ALL_TEMP_FILES == []  # openpyxl's sheets too
    with demo.session() as s:
        assert hr_export.cursor(s) == 0 and s.scalar(select(func.count(HrExport.id))) == 0

    def broken(*args, **kw):
        raise OSError("disk full")

    writer = hr_export.CsvWriter if fmt == "csv" else hr_export.XlsxWriter
    monkeypatch.setattr(writer, "finish", broken)
    with pytest.raises(OSError, match="disk full"):
        made(demo, hr, out, fmt=fmt)
    assert list(out.iterdir()) == []
    monkeypatch.undo()

    done = made(demo, hr, out, fmt=fmt)
    assert (done.first_entry, done.last_entry, done.entries) == (1, 30, 30)
    assert [p.name for p in out.iterdir()] == [done.path.name]


def test_a_past_export_is_made_again_byte_for_byte(demo, tmp_path):
    trust_the_test_authority(demo)
    cast = cast_of(demo)
    hr = user(demo, HR_USERNAME)
    signed = completed(demo, cast)
    chosen = [r for r in completed_ids(demo, hr, 21, RecordKind.APR) if r != signed]
    accepted(demo, hr, [signed, *chosen])
    xlsx = made(demo, hr, tmp_path / "x", fmt="xlsx")
    accepted(demo, hr, completed_ids(demo, hr, 10), at=LATER + timedelta(hours=1))
    csvs = made(demo, hr, tmp_path / "c", fmt="csv", at=LATER + timedelta(hours=2))
    move_on(open_as(demo, signed, cast.manager), "amend", at=LATER, reason="Later change.")

    for first in (xlsx, csvs):
        folder = tmp_path / f"again-{first.export_id}"
        folder.mkdir()
        again = export_again(
            demo, user=hr, export_id=first.export_id, folder=folder, catalogue=CATALOGUE
        )
        assert again.digest == first.digest and again.path.name == first.path.name
        if first.format == "xlsx":
            assert again.path.read_bytes() == first.path.read_bytes()
        else:
            names = sorted(p.name for p in first.path.iterdir())
            assert names == sorted(p.name for p in again.path.iterdir())
            for name in names:
                assert (again.path / name).read_bytes() == (first.path / name).read_bytes()
    with zipfile.ZipFile(xlsx.path) as z:
        assert {i.date_time for i in z.infolist()} == {LATER.timetuple()[:6]}
    with pytest.raises(FileExistsError):
        export_again(
            demo, user=hr, export_id=xlsx.export_id, folder=tmp_path / "x", catalogue=CATALOGUE
        )
    with demo.session() as s:
        assert hr_export.cursor(s) == csvs.last_entry


def test_only_hr_may_export(demo, tmp_path):
    hr = user(demo, HR_USERNAME)
    accepted(demo, hr, completed_ids(demo, hr, 2))
    done = made(demo, hr, tmp_path / "hr")
    for username in (MANAGER_USERNAME, "rrobinson"):
        someone = user(demo, username)
        out = tmp_path / username
        out.mkdir()
        with pytest.raises(HrOnly):
            export_to_hr(demo, user=someone, folder=out, fmt="csv", catalogue=CATALOGUE, at=LATER)
        with pytest.raises(HrOnly):
            export_again(
                demo, user=someone, export_id=done.export_id, folder=out, catalogue=CATALOGUE
            )
        with pytest.raises(HrOnly):
            past_exports(demo, user=someone)
        assert list(out.iterdir()) == []
    with demo.session() as s:
        assert s.scalar(select(func.count(HrExport.id))) == 1


def test_the_command_line_exports_as_hr_lists_and_makes_an_export_again(
    tmp_path, monkeypatch, capsys
):
    from lcc_apr.cli import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, main
    from lcc_apr.demo.build import open_demo_store
    from lcc_apr.store import keys
    from tests.conftest import CHEAP_ARGON2

    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    monkeypatch.setattr(keys, "ARGON2", CHEAP_ARGON2)  # the demo's passphrase, cheaply
    assert main(["demo", "--small", "--as-of", "2026-11-30"]) == EXIT_OK
    store = open_demo_store(tmp_path / "demo.db", keyring_backend=None)
    try:
        hr = user(store, HR_USERNAME)
        accepted(store, hr, completed_ids(store, hr, 4))
    finally:
        store.close()
    out, again = tmp_path / "out", tmp_path / "again"
    out.mkdir()
    again.mkdir()
    capsys.readouterr()
    assert main(["hr-export", "--to", str(out)]) == EXIT_USAGE  # who exports?
    assert main(["hr-export", "--to", str(out), "--user", MANAGER_USERNAME]) == EXIT_PROBLEM
    assert "Only HR" in capsys.readouterr().err and list(out.iterdir()) == []
    command = ["hr-export", "--to", str(out), "--user", HR_USERNAME, "--format", "xlsx"]
    assert main(command) == EXIT_OK
    assert "Export 1: 4 record(s)" in capsys.readouterr().out
    (written,) = out.iterdir()
    assert written.name == "hr-export-000001-000004.xlsx"
    assert main(command) == EXIT_OK
    assert "Nothing new" in capsys.readouterr().out
    assert main(["hr-export", "--list", "--user", HR_USERNAME]) == EXIT_OK
    assert "hr-export-000001-000004.xlsx" in capsys.readouterr().out
    assert main(["hr-export", "--again", "1", "--to", str(again), "--user", HR_USERNAME]) == 0
    assert (again / written.name).read_bytes() == written.read_bytes()


def test_a_purged_record_leaves_the_register_and_its_export_is_not_made_again(demo, tmp_path):
    """Retention (issue 18): a purge reaching HR's laptop takes the record's accepted
    copies out of the register too; an export that held one says why it cannot be made
    again, and later exports are unaffected."""
    from lcc_apr.models import HrRegisterEntry
    from lcc_apr.sync.apply import purge_cached

    hr = user(demo, HR_USERNAME)
    ids = completed_ids(demo, hr, 4)
    accepted(demo, hr, ids[:2])
    one = made(demo, hr, tmp_path / "one")
    accepted(demo, hr, ids[2:])
    two = made(demo, hr, tmp_path / "two")
    with demo.session() as s:
        assert purge_cached(s, [ids[0]]) == 1
        s.commit()
    with demo.session() as s:
        left = set(s.scalars(select(HrRegisterEntry.record_id)))
    assert ids[0] not in left and set(ids[1:]) <= left
    with pytest.raises(ExportGone, match="purged under the retention rules"):
        export_again(
            demo, user=hr, export_id=one.export_id, folder=tmp_path / "a", catalogue=CATALOGUE
        )
    (tmp_path / "b").mkdir()
    again = export_again(
        demo, user=hr, export_id=two.export_id, folder=tmp_path / "b", catalogue=CATALOGUE
    )
    assert again.digest == two.digest


def test_a_welfare_contact_is_exported_in_its_own_file_with_its_answers(demo, tmp_path):
    """Issue 19: the welfare contact form's answers go to the HR system as the other
    kinds' do: option values, yes/no, ISO dates, in template order."""
    hr = user(demo, HR_USERNAME)
    contact = EXAMPLES["welfare_contact"]
    record_id = new_record(demo, hr, contact, kind=RecordKind.WELFARE_CONTACT)
    accepted(demo, hr, [record_id])
    done = made(demo, hr, tmp_path / "out")
    assert sorted(p.name for p in done.path.iterdir()) == ["welfare_contact-v1.csv"]
    header, row = read_csv(done.path / "welfare_contact-v1.csv")
    answers = dict(zip(header[len(FIXED) :], row[len(FIXED) :], strict=True))
    assert header[len(FIXED) : len(FIXED) + 4] == [
        "meeting_date",
        "contact_method",
        "contact_method_other",
        "contact_made_by",
    ]
    assert row[0] == record_id
    assert answers["contact_method"] == "phone"
    assert answers["next_contact_date"] == "2025-02-17"
    assert (answers["occupational_health_referral"], answers["contact_method_other"]) == ("yes", "")
