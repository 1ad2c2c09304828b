"""lcc_apr.ops.printing on the demo store: a record's PDF, letters, departments, HR's export."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from lcc_apr.forms import Catalogue
from lcc_apr.models import Department, Record
from lcc_apr.ops import printing
from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.export import completed_records
from lcc_apr.pdf.letters import LetterError
from lcc_apr.pdf.records import Printer
from lcc_apr.pdf.sign import PdfSigner
from lcc_apr.policy import load_policy
from lcc_apr.workflow import Party
from tests.pdf_tools import make_ca, make_user

CATALOGUE = Catalogue.load()
POLICY = load_policy()
SMALL = "Chief Executive's Department"  # 49 completed records in the 50-person demo
UNSIGNED = Printer(None, "Beth Tebbutt")


def first(store, kind: str) -> str:
    with store.session() as s:
        found = s.scalar(select(Record.id).where(Record.kind == kind).order_by(Record.id))
    assert found is not None
    return found


def test_a_records_pdf_without_a_certificate_says_it_is_unsigned(demo):
    record_id = first(demo, "apr")
    printed = printing.print_record(
        demo, record_id=record_id, catalogue=CATALOGUE, printer=UNSIGNED
    )
    assert printed.pdf.startswith(b"%PDF") and printed.check == UNSIGNED.why_unsigned
    assert printed.title.startswith("Annual Performance Review")
    assert "-apr-" in printed.file_name and printed.file_name.endswith(f"{record_id[:8]}.pdf")


def test_letters_are_offered_to_the_line_manager_and_hr_only(demo):
    record_id = first(demo, "capability")

    def names(*parties: Party) -> list[str]:
        found = printing.letter_choices(
            demo, record_id=record_id, catalogue=CATALOGUE, parties=parties, policy=POLICY
        )
        return [choice.name for choice in found]

    assert (
        names(Party.HR) == names(Party.MANAGER) == ["capability_invitation", "capability_outcome"]
    )
    assert names(Party.EMPLOYEE) == []


def test_a_letter_names_what_is_missing_before_anything_is_made(demo):
    record_id = first(demo, "capability")
    letter = {"record_id": record_id, "name": "capability_invitation", "catalogue": CATALOGUE}
    with pytest.raises(LetterError) as caught:
        printing.print_letter(
            demo, **letter, printer=UNSIGNED, extra={"meeting.time": time(10)}, policy=POLICY
        )
    assert caught.value.missing == ["meeting.place"]
    extra = {"meeting.time": time(10), "meeting.place": "Room G12, County Hall"}
    printed = printing.print_letter(demo, **letter, printer=UNSIGNED, extra=extra, policy=POLICY)
    assert printed.pdf.startswith(b"%PDF") and printed.check == UNSIGNED.why_unsigned


def test_departments_are_the_top_level_ones_by_name(demo):
    found = printing.departments(demo)
    with demo.session() as s:
        tops = s.execute(
            select(Department.id, Department.name).where(Department.parent_id.is_(None))
        )
        expected = sorted(((dep_id, name) for dep_id, name in tops), key=lambda d: d[1])
        assert s.scalar(select(Department.id).where(Department.parent_id.is_not(None)))  # sections
    assert [(d.id, d.name) for d in found] == expected and SMALL in [d.name for d in found]


def fake_pdf(session, record_id: str) -> bytes:
    return b"%PDF-1.7 " + record_id.encode()


def test_export_writes_each_completed_record_once(demo, tmp_path):
    small = next(d.id for d in printing.departments(demo) if d.name == SMALL)
    seen: list[tuple[int, int]] = []
    result = printing.export_department(
        demo,
        department_id=small,
        folder=tmp_path,
        make_pdf=fake_pdf,
        progress=lambda done, total: seen.append((done, total)),
    )
    with demo.session() as s:
        expected = completed_records(s, small)
    assert len(result.written) == len(expected) == 49 and seen[-1] == (49, 49)
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == sorted(n for _r, n in expected)
    again = printing.export_department(
        demo, department_id=small, folder=tmp_path, make_pdf=fake_pdf
    )
    assert again.written == [] and again.skipped == 49


def test_hr_pdfs_ask_who_signs_once_and_are_signed_as_hr(demo):
    ca = make_ca()
    me = make_user(ca, "Beth Tebbutt")
    asked: list[bool] = []

    def printer() -> Printer:
        asked.append(True)
        return Printer(PdfSigner(me.key, me.certificate, me.chain), "Beth Tebbutt", "hr")

    make_pdf = printing.hr_pdf_maker(catalogue=CATALOGUE, printer=printer)
    with demo.session() as s:
        ids = list(s.scalars(select(Record.id).where(Record.kind == "apr").limit(2)))
        pdfs = [make_pdf(s, record_id) for record_id in ids]
    assert len(asked) == 1
    checked = check_pdf(pdfs[1], trust_roots=[ca.certificate])
    assert checked.ok and checked.signers == ("Beth Tebbutt",), checked.summary


def test_when_who_signs_cannot_be_found_every_record_fails_with_why(demo):
    calls: list[bool] = []

    def printer() -> Printer:
        calls.append(True)
        raise RuntimeError("The server could not be reached.")

    make_pdf = printing.hr_pdf_maker(catalogue=CATALOGUE, printer=printer)
    with demo.session() as s:
        for record_id in s.scalars(select(Record.id).limit(2)):
            with pytest.raises(RuntimeError, match="could not be reached"):
                make_pdf(s, record_id)
    assert len(calls) == 1
