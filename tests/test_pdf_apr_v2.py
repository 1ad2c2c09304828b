"""A printed APR on form version 2: 'About this record' shows the grade, the post, the
date in it and the period covered as they were on the review's date (a person promoted
later shows the old ones); the self-assessment prints once sent; version 1 prints as before."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from lcc_apr.history import create_record
from lcc_apr.models import Record, RecordKind
from lcc_apr.pdf.document import record_document
from lcc_apr.pdf.render import render_record
from tests.examples import APR_V2, APR_V2_MID_YEAR, EXAMPLES
from tests.test_pdf_post_held import promote
from tests.test_pdf_render import T0, catalogue, flat, pdf_text, session  # noqa: F401


def apr(s: Session, day: date, *, version: int = 2, status: str = "completed", answers=None):
    record = create_record(
        s,
        kind=RecordKind.APR,
        subject_id=2,
        author_id=1,
        template_id="apr",
        template_version=version,
        answers=dict(answers or (APR_V2 if version == 2 else EXAMPLES["apr"])),
        status=status,
        record_date=day,
        at=T0,
    )
    s.flush()
    return record


def first_page(session, catalogue, record: Record, tmp_path) -> str:  # noqa: F811
    pdf = render_record(record_document(session, record.id, catalogue))
    return flat(pdf_text(pdf, tmp_path, "-l", "1"))


def about(text: str) -> str:
    return text[text.index("About this record") : text.index("Form ")]


def header(session, catalogue, record: Record) -> dict[str, str]:  # noqa: F811
    return dict(record_document(session, record.id, catalogue).header)


def test_the_header_shows_the_post_of_the_reviews_date(session, catalogue, tmp_path):  # noqa: F811
    promote(session)  # Social Worker, grade 8, until 1 June 2024; then Senior, grade 9
    before, after = apr(session, date(2023, 5, 10)), apr(session, date(2025, 5, 14))
    assert header(session, catalogue, before) == {
        "Post": "Social Worker (post 00100002)",
        "Grade": "8",
        "Date in post": "6 January 2020",
        "Period covered": "1 April 2023 to 31 March 2024",
    }
    # A new job title in the same post starts the date in post again (a regrade would not).
    assert header(session, catalogue, after) == {
        "Post": "Senior Social Worker (post 00100002)",
        "Grade": "9",
        "Date in post": "1 June 2024",
        "Period covered": "1 April 2025 to 31 March 2026",
    }
    # ... and the page says so (wrapped cells come out of pdftotext interleaved).
    old = about(first_page(session, catalogue, before, tmp_path))
    for part in ("Post Social Worker (post", "Grade 8", "Date in post 6 January 2020"):
        assert part in old, part
    assert "Period covered 1 April 2023 to 31 March 2024" in old
    assert "Line manager Olwen Pryce" in old and "Senior" not in old


def test_a_person_without_recorded_posts_shows_their_start_date(session, catalogue, tmp_path):  # noqa: F811
    record = apr(session, date(2025, 5, 14))
    assert header(session, catalogue, record)["Post"] == "Social Worker"  # no post number
    text = about(first_page(session, catalogue, record, tmp_path))
    assert "Post Social Worker Grade 9" in text
    assert "Date in post 3 February 2025" in text


def test_version_1_prints_as_it_always_did(session, catalogue, tmp_path):  # noqa: F811
    promote(session)
    text = about(
        first_page(session, catalogue, apr(session, date(2023, 5, 10), version=1), tmp_path)
    )
    assert "Job title Social Worker (grade 8) Line manager Olwen Pryce" in text
    assert "Date in post" not in text and "Period covered" not in text
    assert "version 1" in first_page(
        session, catalogue, apr(session, date(2023, 5, 10), version=1), tmp_path
    )


def test_the_self_assessment_prints_once_sent_and_the_mid_year_once_held(
    session,  # noqa: F811
    catalogue,  # noqa: F811
    tmp_path,
):
    preparing = apr(session, date(2025, 5, 14), status="preparation")
    pdf = render_record(record_document(session, preparing.id, catalogue))
    text = flat(pdf_text(pdf, tmp_path))
    assert "self-assessment" not in text.lower() and "Clearing the blue badge" not in text
    held = apr(session, date(2025, 5, 14), answers={**APR_V2, **APR_V2_MID_YEAR})
    text = flat(pdf_text(render_record(record_document(session, held.id, catalogue)), tmp_path))
    assert "Employee's self-assessment" in text and "Clearing the blue badge" in text
    assert "Service or team plan priority it supports" in text
    assert "Mid-year review" in text and "At risk" in text
