"""lcc_apr.ops.printing on the demo store: a record's PDF, letters, the department tree,
HR's export."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from lcc_apr.forms import Catalogue
from lcc_apr.models import (
    Department,
    Record,
    RecordEvent,
    SignOff,
    SignOffDecision,
    SignOffRole,
    User,
)
from lcc_apr.ops import printing
from lcc_apr.ops.history import record_history
from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.export import Selection, chosen_records
from lcc_apr.pdf.letters import LetterError
from lcc_apr.pdf.records import Printer
from lcc_apr.pdf.sign import PdfSigner
from lcc_apr.policy import load_policy
from lcc_apr.workflow import Party
from tests.pdf_tools import make_ca, make_user

from .test_records import user

CATALOGUE = Catalogue.load()
POLICY = load_policy()
SMALL = "Chief Executive's Department"  # 52 completed records in the 50-person demo
UNSIGNED = Printer(None, "Beth Tebbutt")


def first(store, kind: str) -> str:
    with store.session() as s:
        found = s.scalar(select(Record.id).where(Record.kind == kind).order_by(Record.id))
    assert found is not None
    return found


def test_a_records_pdf_without_a_certificate_says_it_is_unsigned(demo):
    record_id = first(demo, "apr")
    hr = user(demo, "btebbutt")
    printed = printing.print_record(
        demo, record_id=record_id, catalogue=CATALOGUE, printer=UNSIGNED, user=hr
    )
    assert printed.pdf.startswith(b"%PDF") and printed.check == UNSIGNED.why_unsigned
    assert printed.title.startswith("Annual Performance Review")
    assert "-apr-" in printed.file_name and printed.file_name.endswith(f"{record_id[:8]}.pdf")
    latest = record_history(demo, record_id)[0]  # the print is in the record's history here
    assert (latest.who, latest.what) == (
        hr.display_name,
        "Printed or saved as PDF (on this computer)",
    )


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


def test_the_department_tree_holds_units_under_their_directorate(demo):
    tree = printing.department_tree(demo)
    with demo.session() as s:
        everyone = s.execute(select(Department.id, Department.parent_id)).all()
    tops = [node.name for node in tree]
    assert tops == sorted(tops) and SMALL in tops

    def walk(nodes, parent):
        for node in nodes:
            yield node.id, parent
            yield from walk(node.children, node.id)

    assert sorted(walk(tree, None)) == sorted(everyone)  # every department, in its place
    resources = next(node for node in tree if node.name == "Corporate Resources")
    assert "Finance" in [unit.name for unit in resources.children]


def test_the_cycles_run_from_the_oldest_record_to_the_newest(demo):
    cycles = printing.export_cycles(demo, policy=POLICY)
    labels = [c.label for c in cycles]
    assert labels[0] == "2026-27" and labels[-1] == "2021-22" and len(labels) == 6


def fake_pdf(session, record_id: str) -> bytes:
    return b"%PDF-1.7 " + record_id.encode()


def small_selection(demo) -> Selection:
    small = next(d.id for d in printing.department_tree(demo) if d.name == SMALL)
    return Selection(frozenset({small}))


def test_export_writes_each_completed_record_once(demo, tmp_path):
    selection = small_selection(demo)
    assert printing.count_export(demo, selection).records == 52
    seen: list[tuple[int, int]] = []
    result = printing.export_records(
        demo,
        selection=selection,
        folder=tmp_path,
        make_pdf=fake_pdf,
        policy=POLICY,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert len(result.written) == 52 and seen[-1] == (52, 52)
    assert len(list(tmp_path.rglob("*.pdf"))) == 52 and (tmp_path / "index.csv").exists()
    again = printing.export_records(
        demo, selection=selection, folder=tmp_path, make_pdf=fake_pdf, policy=POLICY
    )
    assert again.written == [] and again.skipped == 52
    with demo.session() as s:  # each PDF written waits to tell the server, once
        told = s.execute(select(RecordEvent.record_id, RecordEvent.event)).all()
        chosen = {c.record_id for c in chosen_records(s, selection, POLICY)}
    assert sorted(told) == sorted((rid, "exported") for rid in chosen)


def test_the_index_names_who_signed_and_never_holds_a_formula(demo, tmp_path):
    selection = small_selection(demo)
    with demo.session() as s:
        item = chosen_records(s, selection, POLICY)[0]
        record = s.get(Record, item.record_id)
        record.subject.first_name = "=HYPERLINK(1)"
        manager = s.scalars(select(User).where(User.username == "rtebbutt")).one()
        s.add(
            SignOff(
                record_id=record.id,
                user_id=manager.id,
                role=SignOffRole.MANAGER,
                decision=SignOffDecision.CONFIRM,
                signed_at=datetime.now(UTC),
                content_hash="0" * 64,
            )
        )
        s.commit()
    printing.export_records(
        demo, selection=selection, folder=tmp_path, make_pdf=fake_pdf, policy=POLICY
    )
    with (tmp_path / "index.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    row = next(r for r in rows if r["File"].endswith(f"{item.record_id[:8]}.pdf"))
    assert row["Name"].startswith("'=HYPERLINK(1)")
    assert row["Signed by"] == f"{manager.display_name} (manager)"
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


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
