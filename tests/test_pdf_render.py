"""Printed records: what they say (from the template), fonts, pages, signature space, speed.

PDFs are checked the way a reader sees them, through poppler (pdftotext, pdffonts,
pdfinfo), never through reportlab itself.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.orm import Session

from lcc_apr.demo import GENERATED_KINDS, build_organisation, generate_history, load_demo
from lcc_apr.forms import Catalogue, load_template
from lcc_apr.history import create_record
from lcc_apr.models import Base, Department, Employee, Record, RecordKind, SignOff, User
from lcc_apr.pdf.document import record_document, sections_of
from lcc_apr.pdf.render import SIGNATURE_BOXES, render_record, render_record_layout
from lcc_apr.signing.content import content_hash
from lcc_apr.workflow import WORKFLOWS

from .examples import EXAMPLES, EXAMPLES_BY_VERSION, REFERENCE_DATES

CURRENT_VERSIONS = Catalogue.load()

T0 = datetime(2025, 5, 20, 9, 30, tzinfo=UTC)
EMPLOYEE = ("Ngozi", "Adébáyọ̀-Nguyễn")
MANAGER = ("Thị Mai", "Trần")
STATUS = {
    "apr": "completed",
    "supervision": "completed",
    "probation": "completed",
    "capability": "appeal_decided",
    "return_to_work": "completed",
    "attendance": "appeal_decided",
    "welfare_contact": "completed",
}


# --- a small organisation with one record of each kind ----------------------------------


def make_organisation(session: Session) -> None:
    """A department with a section, a manager and an employee with accented names, users 1-3."""
    session.execute(
        insert(Department),
        [
            {"id": 1, "code": "AC", "name": "Adults and Communities", "parent_id": None},
            {"id": 2, "code": "AC-CPW", "name": "Care Pathway West", "parent_id": 1},
        ],
    )
    person = {"grade": "9", "department_id": 2, "contract_type": "permanent", "fte": 1}
    session.execute(
        insert(Employee),
        [
            {**person, "id": 1, "payroll_number": "10000001", "first_name": MANAGER[0],
             "last_name": MANAGER[1], "job_title": "Team Manager", "line_manager_id": None,
             "start_date": date(2015, 4, 1)},
            {**person, "id": 2, "payroll_number": "10000002", "first_name": EMPLOYEE[0],
             "last_name": EMPLOYEE[1], "job_title": "Social Worker", "line_manager_id": 1,
             "start_date": date(2025, 2, 3)},
        ],
    )  # fmt: skip
    session.execute(
        insert(User),
        [
            {"id": 1, "username": "mai", "employee_id": 1, "display_name": "Mai", "active": True,
             "created_at": T0},
            {"id": 2, "username": "ngozi", "employee_id": 2, "display_name": "Ngozi",
             "active": True, "created_at": T0},
            {"id": 3, "username": "hr", "employee_id": None, "display_name": "Σοφία Петрова (HR)",
             "active": True, "created_at": T0},
        ],
    )  # fmt: skip


def add_record(
    session: Session,
    kind: str,
    *,
    status: str | None = None,
    answers=None,
    version: int | None = None,
) -> Record:
    """A record of `kind` written with `version` (by default the current one, as a new
    record is) holding that version's example unless `answers` are given."""
    version = version or CURRENT_VERSIONS.current(RecordKind(kind)).version
    record = create_record(
        session,
        kind=RecordKind(kind),
        subject_id=2,
        author_id=1,
        template_id=kind,
        template_version=version,
        answers=dict(EXAMPLES_BY_VERSION[kind, version] if answers is None else answers),
        status=status or STATUS[kind],
        record_date=REFERENCE_DATES[kind],
        at=T0,
    )
    session.flush()
    return record


def new_session() -> Session:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    session = Session(engine)
    make_organisation(session)
    return session


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture
def session():
    s = new_session()
    yield s
    s.close()


# --- reading PDFs as a reader would -------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", *args, str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    return unicodedata.normalize("NFC", out)


def flat(text: str) -> str:
    return " ".join(text.split())


def page_count(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def fonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
    return [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]


def assert_prints_record(pdf: bytes, doc, tmp_path: Path, name: str) -> str:
    text = flat(pdf_text(pdf, tmp_path))
    pages = page_count(pdf, tmp_path)
    assert unicodedata.normalize("NFC", name) in text
    for section in doc.sections:
        assert section.title in text, section.title
    for n in range(1, pages + 1):
        assert f"Page {n} of {pages}" in text
    assert doc.content_hash in text
    assert doc.record_id in text
    assert doc.status_label in text
    assert f"version {doc.template_version}" in text
    assert "Sign-off history" in text
    return text


# --- every kind, from demo records --------------------------------------------------------


@pytest.fixture(scope="module")
def demo_session():
    """The demo generator's records for 80 people; each kind's fullest record renamed."""
    as_of = date(2025, 3, 31)
    org = build_organisation(seed=7, size=80, as_of=as_of)
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    session = Session(engine)
    load_demo(session, org, iter(generate_history(org, seed=11, as_of=as_of)))
    session.flush()
    yield session
    session.close()


NAMES = {
    "apr": ("Adébáyọ̀", "Nguyễn"),
    "supervision": ("Trần", "Łukasiewicz-Dvořák"),
    "probation": ("Zoë", "Ó Dónaill"),
    "capability": ("Ayşe", "Søren-Nguyễn"),
    "return_to_work": ("Siân", "Ní Bhriain-Øvergård"),
    "attendance": ("Łucja", "Ó Súilleabháin-Nowak"),
}


# The demo holds no welfare contacts: those print from tests/examples.py below.
@pytest.mark.parametrize("kind", [k.value for k in GENERATED_KINDS])
def test_each_kind_prints_a_demo_record(demo_session, catalogue, kind, tmp_path):
    records = demo_session.scalars(select(Record).where(Record.kind == kind)).all()
    assert records, f"the demo has no {kind} record"
    record = max(records, key=lambda r: len(str(r.answers)))
    first, last = NAMES[kind]
    demo_session.execute(
        update(Employee)
        .where(Employee.id == record.subject_id)
        .values(first_name=first, last_name=last, preferred_name=None)
    )
    demo_session.expire_all()
    doc = record_document(demo_session, record.id, catalogue)
    assert doc.employee.name == unicodedata.normalize("NFC", f"{first} {last}")
    assert doc.status_label == WORKFLOWS[RecordKind(kind)].state(record.status).label
    pdf = render_record(doc)
    assert pdf.startswith(b"%PDF")
    assert_prints_record(pdf, doc, tmp_path, f"{first} {last}")


@pytest.mark.parametrize("kind", [k.value for k in RecordKind])
def test_each_kind_prints_its_complete_example(session, catalogue, kind, tmp_path):
    record = add_record(session, kind)
    doc = record_document(session, record.id, catalogue)
    assert doc.content_hash == content_hash(record)
    pdf = render_record(doc)
    text = assert_prints_record(pdf, doc, tmp_path, "Ngozi Adébáyọ̀-Nguyễn")
    assert "Care Pathway West" in text and "Adults and Communities" in text
    assert "Thị Mai Trần" in text and "10000002" in text


def test_titles_say_the_year_the_date_or_the_review_point(session, catalogue):
    titles = {k: record_document(session, add_record(session, k).id, catalogue).title
              for k in STATUS}  # fmt: skip
    assert titles == {
        "apr": "Annual Performance Review 2025/26",
        "supervision": "Supervision, 10 September 2025",
        "probation": "Probation review at 24 weeks",
        "capability": "Capability case",
        "return_to_work": "Return-to-work interview, 10 March 2025",
        "attendance": "Attendance review",
        "welfare_contact": "Welfare contact, 3 February 2025",
    }


def test_fonts_are_embedded_and_helvetica_is_never_used(session, catalogue, tmp_path):
    for kind in STATUS:
        pdf = render_record(record_document(session, add_record(session, kind).id, catalogue))
        rows = fonts(pdf, tmp_path)
        assert rows, "no fonts listed"
        assert all(row[0].split("+")[-1].startswith("DejaVuSans") for row in rows), rows
        assert all(row[-5] == "yes" for row in rows), rows  # the "emb" column
        assert b"Helvetica" not in pdf


def test_greek_cyrillic_and_combining_marks_come_out_as_written(session, catalogue, tmp_path):
    words = "Ελπίδα Юлия Adébáyọ̀ Łódź Nguyễn"
    record = add_record(session, "apr", answers={**EXAMPLES["apr"], "employee_comments": words})
    session.add(
        SignOff(record_id=record.id, user_id=3, role="hr", decision="confirm", signed_at=T0,
                content_hash=content_hash(record), reason="Всё верно")
    )  # fmt: skip
    session.flush()
    session.refresh(record)
    text = flat(pdf_text(render_record(record_document(session, record.id, catalogue)), tmp_path))
    assert unicodedata.normalize("NFC", words) in text
    assert "Всё верно" in text  # a sign-off's reason
    assert "Σοφία Петрова (HR)" in text  # a user with no employee row: their display name


def test_answers_print_in_words(session, catalogue, tmp_path):
    record = add_record(session, "apr")
    text = flat(pdf_text(render_record(record_document(session, record.id, catalogue)), tmp_path))
    assert "14 May 2025" in text  # a date, not 2025-05-14
    assert "2025-05-14" not in text
    assert "Partly met" in text and "partly_met" not in text  # a choice by its label
    assert "Consistently demonstrates" in text  # a rating by its scale's label
    assert "Programmes the employee is interested in Aspiring Managers Programme" in text
    assert "Entry 1 of 3" in text and "Entry 3 of 3" in text  # a group's numbered entries
    probation = add_record(session, "probation")
    text = flat(
        pdf_text(render_record(record_document(session, probation.id, catalogue)), tmp_path)
    )
    assert "Is this the final review? Yes" in text  # yes/no
    assert "Meeting the standard" in text


PRINT_TEMPLATE = """
[template]
id = "apr"
version = 7
kind = "apr"
title = "Annual Performance Review"
[[sections]]
key = "main"
title = "Main"
[[sections.fields]]
key = "shown"
type = "short_text"
label = "Shown field"
[[sections.fields]]
key = "secret"
type = "short_text"
label = "Not for print"
print = false
[[sections.fields]]
key = "has_more"
type = "yes_no"
label = "More?"
[[sections.fields]]
key = "more"
type = "long_text"
label = "More detail"
visible_when = { field = "has_more", equals = true }
[[sections]]
key = "extra"
title = "Only when more"
visible_when = { field = "has_more", equals = true }
[[sections.fields]]
key = "note"
type = "short_text"
label = "Note"
"""


def test_print_flag_and_visible_when_decide_what_prints(tmp_path):
    path = tmp_path / "apr" / "v7.toml"
    path.parent.mkdir()
    path.write_text(PRINT_TEMPLATE)
    template = load_template(path)
    answers = {
        "shown": "hello",
        "secret": "hidden",
        "has_more": False,
        "more": "stale",
        "note": "x",
    }
    sections = sections_of(template, answers)
    labels = [f.label for s in sections for f in s.entries]
    assert [s.title for s in sections] == ["Main"]
    assert labels == ["Shown field", "More?"]
    sections = sections_of(template, {**answers, "has_more": True})
    assert [s.title for s in sections] == ["Main", "Only when more"]
    assert [f.label for f in sections[0].entries] == ["Shown field", "More?", "More detail"]


def test_sign_off_history_says_who_what_when_and_in_what_state(session, catalogue, tmp_path):
    record = add_record(session, "apr")
    later = datetime(2025, 6, 3, 12, tzinfo=UTC)
    common = {"record_id": record.id, "signed_at": T0, "content_hash": "0" * 64}
    session.add_all(
        [
            SignOff(**common, user_id=2, role="employee", decision="disagree",
                    reason="The rating should be 'exceeds'.", superseded_at=later),
            SignOff(**common, user_id=2, role="employee", decision="agree"),
            SignOff(**common, user_id=1, role="manager", decision="confirm", signature=b"sig"),
        ]
    )  # fmt: skip
    session.flush()
    session.refresh(record)
    doc = record_document(session, record.id, catalogue)
    assert [(s.name, s.role, s.decision, s.state) for s in doc.sign_offs] == [
        ("Ngozi Adébáyọ̀-Nguyễn", "Employee", "Disagreed", "superseded on 3 June 2025"),
        ("Ngozi Adébáyọ̀-Nguyễn", "Employee", "Agreed", "not digitally signed"),
        ("Thị Mai Trần", "Line manager", "Confirmed", "signed"),
    ]
    assert doc.sign_offs[0].when == "20 May 2025, 10:30 (UK time)"  # 09:30 UTC in summer time
    described = record_document(
        session, record.id, catalogue, describe_signature=lambda s: f"checked {s.role}"
    )
    assert [s.state for s in described.sign_offs] == [
        "checked employee", "checked employee", "checked manager"
    ]  # fmt: skip
    text = flat(pdf_text(render_record(doc), tmp_path))
    assert "Reason: The rating should be 'exceeds'." in text
    # table cells wrap line by line, so a cell's words may be interleaved with its row's
    assert re.search(r"Disagreed 20 May 2025, 10:30 superseded on 3 \(UK time\) June 2025", text)
    assert "not digitally signed" in text


def test_invariant_output_is_byte_for_byte_repeatable(session, catalogue):
    doc = record_document(session, add_record(session, "capability").id, catalogue)
    assert render_record(doc, invariant=True) == render_record(doc, invariant=True)


def test_metadata_title_language_and_bookmarks(session, catalogue, tmp_path):
    doc = record_document(session, add_record(session, "supervision").id, catalogue)
    path = tmp_path / "meta.pdf"
    pdf = render_record(doc)
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    meta = dict(
        (key, value.strip())
        for key, _, value in (line.partition(":") for line in info.stdout.splitlines())
    )
    assert meta["Title"] == "Supervision, 10 September 2025: Ngozi Adébáyọ̀-Nguyễn"
    assert meta["Author"] == "Leicestershire County Council"
    assert b"/Lang (en-GB)" in pdf
    assert b"/DisplayDocTitle true" in pdf
    assert b"/Outlines" in pdf


@pytest.mark.parametrize("kind", [k.value for k in RecordKind])
def test_signature_boxes_are_empty_space_on_the_last_page(session, catalogue, kind, tmp_path):
    doc = record_document(session, add_record(session, kind).id, catalogue)
    layout = render_record_layout(doc)
    pages = page_count(layout.pdf, tmp_path)
    assert layout.page_count == pages
    with_hr = kind in ("probation", "capability", "attendance")
    roles = {"employee", "manager"} | ({"hr"} if with_hr else set())
    assert set(layout.signature_boxes) == roles
    height = 841.89
    for role, place in layout.signature_boxes.items():
        assert place.page_index == pages - 1
        assert place.box == SIGNATURE_BOXES[role]
        x1, y1, x2, y2 = place.box
        crop = ["-x", str(int(x1) + 1), "-y", str(int(height - y2) + 1),
                "-W", str(int(x2 - x1) - 2), "-H", str(int(y2 - y1) - 2)]  # fmt: skip
        inside = pdf_text(layout.pdf, tmp_path, "-f", str(pages), "-l", str(pages), *crop)
        assert inside.strip() == "", f"text inside the {role} box: {inside!r}"
    last = flat(pdf_text(layout.pdf, tmp_path, "-f", str(pages), "-l", str(pages)))
    assert "Signatures" in last and "Line manager" in last


def test_a_very_long_answer_flows_over_pages(session, catalogue, tmp_path):
    long = "\n\n".join(f"Paragraph {i}: " + "Lorem ipsum dolor sit amet. " * 40 for i in range(17))
    assert len(long) > 19_000
    answers = {**EXAMPLES["apr"], "development_plan": long}  # over the form's limit: still prints
    doc = record_document(session, add_record(session, "apr", answers=answers).id, catalogue)
    pdf = render_record(doc)
    text = flat(pdf_text(pdf, tmp_path))
    assert "Paragraph 0:" in text and "Paragraph 16:" in text
    assert page_count(pdf, tmp_path) >= 8


def test_an_unanswered_section_says_so(session, catalogue, tmp_path):
    record = add_record(
        session, "capability", status="informal", answers={"stage": "informal", "concerns": "x"}
    )
    text = flat(pdf_text(render_record(record_document(session, record.id, catalogue)), tmp_path))
    assert "Final hearing Nothing recorded in this section." in text
    assert "Nobody has signed this record yet." in text


def test_a_heading_never_ends_a_page(session, catalogue, tmp_path):
    """Section, group and entry headings stay on the page of what follows them: padding
    before them moves them down the page line by line until one would sit at the foot."""
    from dataclasses import replace

    from lcc_apr.pdf.document import FieldText, GroupItem, GroupText, SectionText

    base = record_document(session, add_record(session, "apr").id, catalogue)
    short = (FieldText("Measure", "Sickness absence below target"), FieldText("By", "March"))
    entries = (GroupItem(1, short), GroupItem(2, short))
    for lines in range(0, 48, 2):
        padding = "\n".join(f"Line {i} of the padding" for i in range(lines))
        sections = (
            SectionText("a", "Padding", (FieldText("Notes", padding or "x", long=True),)),
            SectionText("b", "Section heading", (GroupText("Group heading", entries),)),
        )
        pdf = render_record(replace(base, sections=sections))
        pages = pdf_text(pdf, tmp_path).split("\f")

        def page_of(words: str, pages=pages) -> int:
            return next(i for i, page in enumerate(pages) if words in page)

        first_answer = page_of("Sickness absence below target")
        assert page_of("Section heading") == first_answer, lines
        assert page_of("Group heading") == first_answer, lines
        assert page_of("Entry 1 of 2") == first_answer, lines
