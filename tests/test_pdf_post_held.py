"""A printed record shows the post held on the record's date: an APR from before a
promotion and a move shows the old grade, title and line manager; a newer one the new."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from lcc_apr.history import create_record
from lcc_apr.models import Employee, Post, PostHistory, Record, RecordKind
from lcc_apr.pdf.document import record_document
from lcc_apr.pdf.render import render_record
from tests.examples import EXAMPLES
from tests.test_pdf_render import T0, catalogue, flat, pdf_text, session  # noqa: F401

PROMOTED = date(2024, 6, 1)


def promote(s: Session) -> None:
    """Employee 2 was a Social Worker, grade 8, under employee 3 (in the department, not
    the section) until PROMOTED; since then a Senior Social Worker, grade 9, under 1."""
    s.execute(
        insert(Employee),
        [{"id": 3, "payroll_number": "10000003", "first_name": "Olwen", "last_name": "Pryce",
          "job_title": "Principal Social Worker", "grade": "12", "department_id": 1,
          "line_manager_id": None, "start_date": date(2010, 1, 4),
          "contract_type": "permanent", "fte": 1}],
    )  # fmt: skip
    s.execute(
        update(Employee)
        .where(Employee.id == 2)
        .values(job_title="Senior Social Worker", start_date=date(2020, 1, 6))
    )
    post = Post(
        employee_id=2, post_number="00100002", is_primary=True,
        job_title="Senior Social Worker", grade="9", department_id=2, line_manager_id=1,
        start_date=date(2020, 1, 6),
    )  # fmt: skip
    s.add(post)
    s.flush()
    terms = {"post_id": post.id, "department_id": 1}
    s.execute(
        insert(PostHistory),
        [
            {**terms, "valid_from": date(2020, 1, 6), "valid_to": PROMOTED,
             "job_title": "Social Worker", "grade": "8", "line_manager_id": 3},
            {**terms, "valid_from": PROMOTED, "valid_to": None, "department_id": 2,
             "job_title": "Senior Social Worker", "grade": "9", "line_manager_id": 1},
        ],
    )  # fmt: skip


def apr_on(s: Session, day: date) -> Record:
    record = create_record(
        s,
        kind=RecordKind.APR,
        subject_id=2,
        author_id=1,
        template_id="apr",
        template_version=1,
        answers=dict(EXAMPLES["apr"]),
        status="completed",
        record_date=day,
        at=T0,
    )
    s.flush()
    return record


def header(session, catalogue, record: Record, tmp_path) -> str:  # noqa: F811
    pdf = render_record(record_document(session, record.id, catalogue))
    text = flat(pdf_text(pdf, tmp_path, "-l", "1"))
    return text[: text.index("Record date")]


def test_an_old_apr_prints_the_grade_and_post_of_its_time(session, catalogue, tmp_path):  # noqa: F811
    promote(session)
    old = header(session, catalogue, apr_on(session, date(2023, 5, 10)), tmp_path)
    new = header(session, catalogue, apr_on(session, date(2025, 5, 14)), tmp_path)
    assert "Job title Social Worker (grade 8)" in old
    assert "Line manager Olwen Pryce" in old
    assert "Department Adults and Communities Section None" in old
    assert "Job title Senior Social Worker (grade 9)" in new
    assert "Line manager Thị Mai Trần" in new
    assert "Section Care Pathway West" in new
    assert "grade 8" not in new and "grade 9" not in old


def test_a_person_without_recorded_posts_prints_as_they_are_now(session, catalogue, tmp_path):  # noqa: F811
    text = header(session, catalogue, apr_on(session, date(2025, 5, 14)), tmp_path)
    assert "Job title Social Worker (grade 9)" in text
    assert "Line manager Thị Mai Trần" in text
