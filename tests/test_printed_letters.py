"""Letters as finished PDFs: filled, signed by the person making them beside the closing
(never over the footer), checked as a reader would; nothing made when anything is missing;
which letters the line manager or HR (never the employee) are offered, with their inputs."""

from __future__ import annotations

from datetime import time

import pytest

from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.letters import LetterError
from lcc_apr.pdf.printed_letters import (
    letter_choices,
    letter_time,
    print_letter,
    signature_box,
)
from lcc_apr.pdf.records import Printer
from lcc_apr.pdf.render import render_letter_document
from lcc_apr.pdf.sign import PdfSigner
from lcc_apr.pdf.timestamps import NO_TRUSTED_TIME
from lcc_apr.workflow import Party
from tests.pdf_tools import byte_ranges, make_ca, make_user
from tests.test_letters import (  # noqa: F401 (fixtures)
    CAPABILITY,
    CASES,
    MEETING,
    catalogue,
    session,
)
from tests.test_pdf_records import text_in_box
from tests.test_pdf_render import add_record, flat, pdf_text


@pytest.fixture(scope="module")
def ca():
    return make_ca("Leicestershire County Council LCC APR CA")


@pytest.fixture(scope="module")
def printer(ca) -> Printer:
    me = make_user(ca, "Thị Mai Trần")
    return Printer(PdfSigner(me.key, me.certificate, me.chain), "Thị Mai Trần", "manager",
                   [ca.certificate])  # fmt: skip


def test_a_letter_is_signed_and_checks_as_a_reader_would(session, catalogue, printer, ca, tmp_path):  # noqa: F811
    record = add_record(session, "capability", status="improvement_note", answers=CAPABILITY)
    printed = print_letter(
        session,
        record.id,
        "capability_invitation",
        catalogue,
        printer,
        extra={"meeting.time": time(14, 30), "meeting.place": "Room G12, County Hall"},
    )
    checked = check_pdf(printed.pdf, trust_roots=[ca.certificate])
    assert checked.ok and checked.signers == ("Thị Mai Trần",), checked.summary
    assert printed.check == f"{checked.summary} {NO_TRUSTED_TIME}."  # no TSA set up here
    assert printed.check.startswith("Signed by Thị Mai Trần on ")
    assert "not been changed" in printed.check
    text = flat(pdf_text(printed.pdf, tmp_path))
    assert "held on 26 March 2024 at 2:30pm, at Room G12, County Hall" in text
    assert "Reason: Letter: Invitation to a formal capability meeting (stage 1)" in text
    subject = "Invitation to a formal capability meeting (stage 1)"
    assert printed.title == f"{subject}: Ngozi Adébáyọ̀-Nguyễn"
    assert printed.file_name == (
        f"Adebayo-Nguyen-Ngozi-letter-capability-invitation-2024-03-18-{record.id[:8]}.pdf"
    )
    elsewhere = check_pdf(printed.pdf, trust_roots=[make_ca("Somebody else").certificate])
    assert not elsewhere.ok


@pytest.mark.parametrize(("name", "status", "answers", "extra", "words"), CASES)
def test_the_signature_sits_where_the_letter_has_no_text(
    session,  # noqa: F811
    catalogue,  # noqa: F811
    printer,
    tmp_path,
    name,
    status,
    answers,
    extra,
    words,
):
    kind = "probation" if name.startswith("probation") else "capability"
    record = add_record(session, kind, status=status, answers=answers)
    from lcc_apr.pdf.letters import letter_document

    plain = render_letter_document(
        letter_document(session, record.id, name, catalogue, extra=extra)
    )
    box = signature_box(plain)
    assert box is not None
    x1, y1, x2, y2 = box
    assert y1 >= 54 and x2 <= 595.28 - 56 and x2 - x1 >= 200, box  # above the footer
    assert text_in_box(plain, tmp_path, pages(plain, tmp_path), box).strip() == ""
    signed = print_letter(session, record.id, name, catalogue, printer, extra=extra)
    inside = flat(text_in_box(signed.pdf, tmp_path, pages(plain, tmp_path), box))
    assert inside.startswith("Digitally signed by Thị Mai Trần"), inside


def pages(pdf: bytes, tmp_path) -> int:
    from tests.test_pdf_render import page_count

    return page_count(pdf, tmp_path)


def test_missing_data_raises_before_anything_is_made(session, catalogue):  # noqa: F811
    record = add_record(session, "capability", status="improvement_note", answers=CAPABILITY)
    calls = []

    class Spy:
        def sign(self, pdf, **kw):
            calls.append(kw)
            return pdf

    spy = Printer(Spy(), "Thị Mai Trần")  # type: ignore[arg-type]
    with pytest.raises(LetterError) as caught:
        print_letter(session, record.id, "capability_invitation", catalogue, spy,
                     extra={"meeting.time": time(10, 0)})  # fmt: skip
    assert caught.value.missing == ["meeting.place"]
    assert "where the meeting is held" in str(caught.value)
    answers = {k: v for k, v in CAPABILITY.items() if k != "improvement_note_support"}
    other = add_record(session, "capability", status="improvement_note", answers=answers)
    with pytest.raises(LetterError) as caught:
        print_letter(session, other.id, "capability_outcome", catalogue, spy)
    assert caught.value.missing == ["stage.support"]
    assert calls == []


def test_without_a_certificate_the_letter_says_it_is_unsigned(session, catalogue, tmp_path):  # noqa: F811
    record = add_record(session, "capability", status="improvement_note", answers=CAPABILITY)
    printed = print_letter(session, record.id, "capability_invitation", catalogue,
                           Printer(None, "Thị Mai Trần"), extra=MEETING)  # fmt: skip
    assert printed.check == Printer(None, "x").why_unsigned
    assert not byte_ranges(printed.pdf)
    assert "10:00am" in flat(pdf_text(printed.pdf, tmp_path))


def test_only_the_line_manager_or_hr_are_offered_letters(session, catalogue):  # noqa: F811
    record = add_record(session, "capability", status="final_warning", answers=CAPABILITY)
    assert letter_choices(session, record.id, catalogue, [Party.EMPLOYEE]) == []
    assert letter_choices(session, record.id, catalogue, []) == []
    for parties in ([Party.MANAGER], [Party.HR]):
        choices = letter_choices(session, record.id, catalogue, parties)
        assert [(c.name, c.title) for c in choices] == [
            ("capability_invitation", "Invitation to a formal capability meeting (stage 2)"),
            ("capability_outcome", "Outcome of the formal capability meeting (stage 2)"),
        ]
    invitation = choices[0]
    assert [(i.name, i.kind, i.required) for i in invitation.inputs] == [
        ("meeting.time", "time", True),
        ("meeting.place", "text", True),
        ("hr.contact", "text", False),
    ]
    place = invitation.inputs[1]
    assert place.label == "Where the meeting is held"
    assert place.example == "Room G12, County Hall, Glenfield"
    assert invitation.inputs[2].default == "your HR adviser"
    informal = add_record(session, "capability", status="informal", answers=CAPABILITY)
    assert letter_choices(session, informal.id, catalogue, [Party.HR]) == []
    apr = add_record(session, "apr", status="completed")
    assert letter_choices(session, apr.id, catalogue, [Party.MANAGER]) == []


@pytest.mark.parametrize(
    ("moment", "text"),
    [(time(10, 0), "10:00am"), (time(14, 30), "2:30pm"), (time(12, 0), "12:00pm"),
     (time(0, 15), "12:15am"), (time(9, 5), "9:05am")],
)  # fmt: skip
def test_times_are_written_as_letters_write_them(moment, text):
    assert letter_time(moment) == text
