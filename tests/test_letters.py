"""Letters: which apply, what they say, refusing half-filled letters, checking templates."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from lcc_apr.forms import Catalogue
from lcc_apr.pdf.letter_templates import letters_dir
from lcc_apr.pdf.letters import (
    LetterError,
    LetterTemplateError,
    letter_document,
    letter_names,
    letters_for,
    load_letter,
    load_letters,
    render_letter,
)

from .examples import EXAMPLES, PROBATION_V2_FAILED
from .test_pdf_render import add_record, flat, fonts, new_session, pdf_text

MEETING = {"meeting.time": "10:00am", "meeting.place": "Room G12, County Hall, Glenfield"}
CAPABILITY = EXAMPLES["capability"]
PASSED = EXAMPLES["probation"]
EXTENDED = {
    **PASSED,
    "outcome": "extend",
    "extension_end_date": "2025-09-15",
    "extension_reasons": "Invoices are accurate, but supplier queries still take too long.",
    "areas_to_improve": "Answer supplier queries within two working days.",
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture
def session():
    s = new_session()
    yield s
    s.close()


def test_the_letters_are_shipped_as_marked_product_defaults(catalogue):
    assert letter_names() == [
        "appeal_outcome",
        "attendance_appeal_outcome",
        "attendance_invitation",
        "attendance_outcome",
        "capability_invitation",
        "capability_outcome",
        "probation_confirmation",
        "probation_extension",
        "probation_not_passed",  # issue 19: the right of appeal from HR's policy
    ]
    assert [t.name for t in load_letters(catalogue=catalogue)] == letter_names()
    for path in sorted(letters_dir().glob("*.toml")):
        head = path.read_text(encoding="utf-8")[:1500]
        assert "PRODUCT DEFAULT WORDING FOR HR TO REVIEW" in head, path.name
        assert "ACAS" in head and "NOT Leicestershire County Council's own wording" in head
        assert not load_letter(path, catalogue).reviewed


@pytest.mark.parametrize(
    ("kind", "status", "answers", "expected"),
    [
        ("capability", "informal", CAPABILITY, []),
        ("capability", "improvement_note", CAPABILITY,
         ["capability_invitation", "capability_outcome"]),
        ("capability", "final_hearing", CAPABILITY, ["capability_invitation"]),
        ("capability", "closed_hearing", CAPABILITY, ["capability_outcome"]),
        ("capability", "appeal_decided", CAPABILITY, ["appeal_outcome"]),
        ("probation", "completed", PASSED, ["probation_confirmation"]),
        ("probation", "draft", PASSED, []),
        ("probation", "employee_signed", EXTENDED, ["probation_extension"]),
        ("probation", "completed", {**PASSED, "outcome": "fail", "hr_decision": "extend"},
         ["probation_extension"]),
        ("probation", "completed", {**PASSED, "outcome": "fail", "hr_decision": "confirm"},
         ["probation_confirmation"]),
        ("probation", "completed", PROBATION_V2_FAILED, ["probation_not_passed"]),
        ("apr", "completed", EXAMPLES["apr"], []),
    ],
)  # fmt: skip
def test_letters_for_follows_the_status_and_the_answers(
    session, catalogue, kind, status, answers, expected
):
    record = add_record(session, kind, status=status, answers=answers)
    assert letters_for(record, catalogue=catalogue) == expected


CASES = [
    # (letter, status, answers, extra, words the letter must contain)
    ("capability_invitation", "improvement_note", CAPABILITY, MEETING,
     ["Invitation to a formal capability meeting (stage 1)", "Date: 18 March 2024",
      "held on 26 March 2024 at 10:00am, at Room G12, County Hall, Glenfield",
      "Highways inspection reports are late", "cannot lead to your dismissal",
      "trade union representative or a work colleague", "within 5 working days",
      "at least 5 working days' notice", "Thị Mai Trần", "Team Manager"]),
    ("capability_invitation", "final_hearing", CAPABILITY, MEETING,
     ["Invitation to a final capability hearing", "Date: 23 October 2024",
      "held on 4 November 2024", "ending of your employment on the grounds of capability"]),
    ("capability_outcome", "improvement_note", CAPABILITY, {},
     ["Outcome of the formal capability meeting (stage 1)", "Date: 28 March 2024",
      "accompanied by Priya Shah, UNISON", "give you an improvement note",
      "All reports within two working days and no location errors.", "on 27 June 2024",
      "Route plan reviewed; fortnightly supervision; app refresher.",
      "a final written warning may follow", "until 28 September 2024",
      # 5 working days from Thursday 28 March 2024, skipping Good Friday and Easter Monday
      "that is by 8 April 2024", "write to your HR adviser"]),
    ("capability_outcome", "final_warning", CAPABILITY, {"appeal.to": "Jo Bloggs, HR Manager"},
     ["Outcome of the formal capability meeting (stage 2)", "on 15 July 2024",
      "give you a final written warning", "until 17 July 2025",
      "write to Jo Bloggs, HR Manager", "that is by 24 July 2024"]),
    ("capability_outcome", "closed_hearing", CAPABILITY, {},
     ["Outcome of the final capability hearing", "The hearing decided: Dismissal on grounds of "
      "capability, with notice.", "Your employment will end on 31 January 2025",
      "Helen Ward, Head of Highways Operations", "that is by 13 November 2024"]),
    ("appeal_outcome", "appeal_decided", CAPABILITY, {},
     ["Outcome of your appeal", "Date: 28 November 2024", "against the decision of the final "
      "hearing", "You were accompanied by Priya Shah, UNISON.", "Your appeal is partly upheld",
      "replaced by redeployment", "no further right of appeal",
      "Mark Ellis, Director of Environment and Transport"]),
    ("probation_confirmation", "completed", PASSED, {},
     ["Confirmation of your appointment", "Date: 21 July 2025", "completed your probationary "
      "period as Social Worker", "confirmed from 21 July 2025", "since you joined us on "
      "3 February 2025"]),
    ("probation_extension", "employee_signed", EXTENDED, {},
     ["Extension of your probationary period", "extended until 15 September 2025",
      "supplier queries still take too long", "Answer supplier queries within two working days.",
      "a place on the Excel intermediate course",
      "trade union representative or a work colleague"]),
    ("probation_not_passed", "completed", PROBATION_V2_FAILED, {},
     ["The outcome of your probationary period", "Date: 6 August 2025",
      "meeting on 4 August 2025", "not been completed successfully",
      "The standard was not met despite training and a buddy.",
      # HR's policy: 10 working days, heard by a more senior manager not involved before
      "within 10 working days", "that is by 20 August 2025",
      "heard by a manager more senior than the one who made the decision, who has not been "
      "involved before, advised by HR"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "status", "answers", "extra", "words"), CASES)
def test_each_letter_prints_with_its_data(
    session, catalogue, tmp_path, name, status, answers, extra, words
):
    record = add_record(session, name.split("_")[0].replace("appeal", "capability"),
                        status=status, answers=answers)  # fmt: skip
    pdf = render_letter(session, record.id, name, catalogue, extra=extra)
    text = flat(pdf_text(pdf, tmp_path))
    assert "Dear Ngozi," in text and "Ngozi Adébáyọ̀-Nguyễn" in text
    assert "Social Worker" in text and "Care Pathway West, Adults and Communities" in text
    for word in words:
        assert word in text, word
    assert "Yours sincerely" in text and "Page 1 of" in text
    assert "not yet reviewed by HR" in text
    assert "{" not in text and "}" not in text
    assert all(row[-5] == "yes" for row in fonts(pdf, tmp_path))
    assert b"Helvetica" not in pdf


@pytest.mark.parametrize(("name", "status", "answers", "extra", "words"), CASES)
def test_each_letter_prints_from_a_version_1_record(
    session, catalogue, tmp_path, name, status, answers, extra, words
):
    """Records written before forms version 2 still give every letter, word for word."""
    kind = name.split("_")[0].replace("appeal", "capability")
    v1 = {f.key for f in catalogue.get(kind, 1).fields()}
    record = add_record(
        session,
        kind,
        status=status,
        answers={k: v for k, v in answers.items() if k in v1},
        version=1,
    )
    text = flat(pdf_text(render_letter(session, record.id, name, catalogue, extra=extra), tmp_path))
    for word in words:
        assert word in text, word


def test_a_letter_with_a_missing_answer_names_it_and_prints_nothing(session, catalogue):
    answers = {k: v for k, v in CAPABILITY.items() if k != "improvement_note_support"}
    record = add_record(session, "capability", status="improvement_note", answers=answers)
    with pytest.raises(LetterError) as caught:
        render_letter(session, record.id, "capability_outcome", catalogue)
    assert caught.value.missing == ["stage.support"]
    message = str(caught.value)
    assert "'Outcome of the formal capability meeting (stage 1)' cannot be written yet" in message
    assert "Support and training to be given (form field improvement_note_support)" in message


def test_an_invitation_needs_the_time_and_place(session, catalogue):
    record = add_record(session, "capability", status="improvement_note", answers=CAPABILITY)
    with pytest.raises(LetterError) as caught:
        render_letter(session, record.id, "capability_invitation", catalogue,
                      extra={"meeting.time": "10:00am"})  # fmt: skip
    assert caught.value.missing == ["meeting.place"]
    assert "where the meeting is held" in str(caught.value)
    assert "give 'meeting.place'" in str(caught.value)


def test_an_invitation_with_too_little_notice_is_refused(session, catalogue):
    # Letter on Monday 18 March 2024, meeting on Friday 22 March: 4 working days, not 5.
    answers = {**CAPABILITY, "improvement_note_meeting_date": "2024-03-22"}
    record = add_record(session, "capability", status="improvement_note", answers=answers)
    with pytest.raises(LetterError, match="less than 5 working days' notice.*25 March 2024"):
        render_letter(session, record.id, "capability_invitation", catalogue, extra=MEETING)
    answers["improvement_note_meeting_date"] = "2024-03-25"
    ok = add_record(session, "capability", status="improvement_note", answers=answers)
    assert render_letter(session, ok.id, "capability_invitation", catalogue, extra=MEETING)


def test_a_letter_that_does_not_apply_is_refused(session, catalogue):
    record = add_record(session, "probation", status="completed", answers=PASSED)
    with pytest.raises(LetterError, match="'Probation extension' does not apply"):
        render_letter(session, record.id, "probation_extension", catalogue)
    with pytest.raises(LetterError, match="no letter called 'dismissal'"):
        render_letter(session, record.id, "dismissal", catalogue)


def test_an_earlier_stage_letter_can_be_reprinted_and_dated_by_hand(session, catalogue, tmp_path):
    record = add_record(session, "capability", status="closed_hearing", answers=CAPABILITY)
    letter = letter_document(
        session, record.id, "capability_outcome", catalogue,
        extra={"stage.key": "improvement_note", "letter.date": date(2024, 3, 29)},
    )  # fmt: skip
    assert letter.title == "Outcome of the formal capability meeting (stage 1)"
    assert letter.date == "29 March 2024"
    assert letter.signature == ("Thị Mai Trần", "Team Manager")
    assert not any("Your employment will end" in b.text for b in letter.blocks)


def copy_letters(tmp_path: Path) -> Path:
    folder = tmp_path / "letters"
    shutil.copytree(letters_dir(), folder)
    return folder


def test_a_bad_placeholder_is_reported_with_file_and_line(tmp_path, catalogue):
    folder = copy_letters(tmp_path)
    path = folder / "capability_outcome.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(
        i for i, line in enumerate(lines, 1)
        if "{stage.review_date}" in line and not line.startswith("#")
    )  # fmt: skip
    lines[number - 1] = lines[number - 1].replace("{stage.review_date}", "{stage.reveiw_date}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LetterTemplateError) as caught:
        load_letter(path, catalogue)
    assert caught.value.problems == [
        f"capability_outcome.toml:{number}: unknown placeholder {{stage.reveiw_date}} "
        "(did you mean {stage.review_date}?)"
    ]
    with pytest.raises(LetterTemplateError, match=f"capability_outcome.toml:{number}:"):
        load_letters(folder, catalogue=catalogue)


def test_other_template_mistakes_are_reported_with_file_and_line(tmp_path, catalogue):
    path = tmp_path / "probation_confirmation.toml"
    source = (letters_dir() / "probation_confirmation.toml").read_text(encoding="utf-8")
    source = source.replace('kind = "probation"', 'kind = "probation"\ncolour = "blue"')
    source = source.replace('statuses = ["completed", "accepted"]', 'statuses = ["complete"]')
    source = source.replace(
        "joined us on {employee.start_date}", "joined us on {employee.start_date"
    )
    source = source.replace('{ field = "hr_decision"', '{ field = "hr_decison"')
    path.write_text(source, encoding="utf-8")
    lines = source.splitlines()

    def line_of(text: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if text in line)

    with pytest.raises(LetterTemplateError) as caught:
        load_letter(path, catalogue)
    problems = caught.value.problems
    name = "probation_confirmation.toml"
    assert f"{name}:{line_of('colour')}: letter: unknown setting 'colour'" in problems
    status_line = line_of('["complete"]')
    assert f"{name}:{status_line}: letter.applies[1]: unknown status 'complete'" in problems[1]
    assert f"{name}:{line_of('start_date')}: a lone '{{'" in problems[2]
    unknown = "letter.applies: when refers to unknown form field 'hr_decison'"
    assert f"{name}:{line_of('hr_decison')}: {unknown}" in problems
    assert len(problems) == 4
    broken = tmp_path / "appeal_outcome.toml"
    broken.write_text('[letter]\nname = "appeal_outcome"\ntitle = "x\n', encoding="utf-8")
    with pytest.raises(LetterTemplateError, match=r"^appeal_outcome.toml:3: not valid TOML"):
        load_letter(broken, catalogue)


def test_hr_can_change_the_wording_without_code(session, catalogue, tmp_path):
    folder = copy_letters(tmp_path)
    path = folder / "probation_confirmation.toml"
    source = path.read_text(encoding="utf-8")
    source = source.replace(
        'wording_status = "product default"', 'wording_status = "reviewed by HR"'
    )
    source = source.replace("I am pleased to confirm", "We are delighted to confirm")
    path.write_text(source, encoding="utf-8")
    record = add_record(session, "probation", status="completed", answers=PASSED)
    pdf = render_letter(session, record.id, "probation_confirmation", catalogue, folder=folder)
    text = flat(pdf_text(pdf, tmp_path))
    assert "We are delighted to confirm" in text
    assert "not yet reviewed by HR" not in text
