"""Return-to-work interviews and attendance reviews (issue 19, part): the workflows and who
may move them, notice and appeal periods in working days, warning expiry, the letters,
the RTW form and its PDF, and an RTW started and signed through the ops layer.

Sync to the server and back: tests/server/test_attendance_review_sync.py.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from lcc_apr.attendance_review import appeal_deadline, earliest_meeting, expiries, warning_expiry
from lcc_apr.forms import Catalogue, validate
from lcc_apr.history import create_record
from lcc_apr.models import Record, RecordKind, Role, SignOffDecision, User
from lcc_apr.ops.editing import open_record, save, sign, take_step
from lcc_apr.ops.inbox import needs_action
from lcc_apr.ops.people import team_rows
from lcc_apr.ops.records import start_record
from lcc_apr.ops.user import CurrentUser
from lcc_apr.pdf.document import record_document
from lcc_apr.pdf.letters import LetterError, letters_for, render_letter
from lcc_apr.pdf.render import render_record_layout
from lcc_apr.policy import PolicyError, load_policy, policy_path
from lcc_apr.retention import Facts, load_rules, refusal, trigger_date
from lcc_apr.schedule import DueState, PersonFacts, RecordFact, schedule
from lcc_apr.signing.signoff import may_countersign
from lcc_apr.workflow import (
    WORKFLOWS,
    Actor,
    Party,
    WorkflowError,
    available_steps,
    check_step,
)
from lcc_apr.workflow import take_step as workflow_step

from .examples import EXAMPLES, REFERENCE_DATES
from .test_editing import cast_of, identity
from .test_pdf_render import add_record, flat, new_session, pdf_text

CATALOGUE = Catalogue.load()
POLICY = load_policy()
AT = datetime(2026, 11, 30, 10, tzinfo=UTC)
RTW = EXAMPLES["return_to_work"]
REVIEW = EXAMPLES["attendance"]
MEETING = {"meeting.time": "10:00am", "meeting.place": "Room G12, County Hall, Glenfield"}
# The small organisation of tests/test_pdf_render: user 1 manages employee 2; user 3 is HR.
MANAGER = Actor(1, frozenset({Role.MANAGER}), is_line_manager=True)
EMPLOYEE = Actor(2, frozenset({Role.EMPLOYEE}), is_subject=True)
HR = Actor(3, frozenset({Role.HR}))


@pytest.fixture
def session():
    s = new_session()
    yield s
    s.close()


def step(session, record: Record, name: str, actor: Actor) -> str:
    template = CATALOGUE.get(record.template_id, record.template_version)
    workflow_step(session, record, name, actor=actor, template=template, at=AT)
    return record.status


# --- the attendance review's workflow ---------------------------------------------------


def test_an_attendance_review_goes_from_informal_to_an_appeal_step_by_step(session):
    record = add_record(session, "attendance", status="informal", answers=REVIEW)
    assert WORKFLOWS[RecordKind.ATTENDANCE].initial == "informal"
    assert step(session, record, "issue_first_warning", MANAGER) == "first_warning"
    assert step(session, record, "issue_final_warning", MANAGER) == "final_warning"
    assert step(session, record, "refer_to_hearing", MANAGER) == "final_hearing"
    assert step(session, record, "decide_hearing", HR) == "closed_hearing"
    assert step(session, record, "lodge_appeal", EMPLOYEE) == "appeal"
    assert step(session, record, "decide_appeal", HR) == "appeal_decided"
    assert WORKFLOWS[RecordKind.ATTENDANCE].state("appeal_decided").final


def test_each_step_is_taken_only_by_its_party_and_never_on_your_own_case(session):
    record = add_record(session, "attendance", status="informal", answers=REVIEW)
    template = CATALOGUE.get("attendance", 1)
    with pytest.raises(WorkflowError, match="Only the manager can 'Move to formal stage 1"):
        check_step(record, "issue_first_warning", EMPLOYEE, template)
    with pytest.raises(WorkflowError, match="Only the manager"):
        check_step(record, "issue_first_warning", HR, template)
    assert [t.name for t in available_steps(record, EMPLOYEE, template)] == []
    # An HR officer or a manager whose own attendance is reviewed is only its employee.
    hr_subject = Actor(2, frozenset({Role.HR, Role.MANAGER}), is_subject=True, is_line_manager=True)
    with pytest.raises(WorkflowError, match="Only the manager"):
        check_step(record, "issue_first_warning", hr_subject, template)
    record.status = "appeal"
    with pytest.raises(WorkflowError, match="Only the hr can 'Record the appeal outcome'"):
        check_step(record, "decide_appeal", MANAGER, template)
    with pytest.raises(WorkflowError, match="Only the hr"):
        check_step(record, "decide_appeal", hr_subject, template)
    assert check_step(record, "decide_appeal", HR, template).ok


def test_a_step_out_of_order_or_unknown_is_refused_in_words(session):
    record = add_record(session, "attendance", status="informal", answers=REVIEW)
    template = CATALOGUE.get("attendance", 1)
    with pytest.raises(WorkflowError, match="not possible while the record is informal stage"):
        check_step(record, "refer_to_hearing", MANAGER, template)
    with pytest.raises(WorkflowError, match="no step 'issue_improvement_note'"):
        check_step(record, "issue_improvement_note", MANAGER, template)
    record.status = "first_warning"
    with pytest.raises(WorkflowError, match="Only the employee the record is about or hr"):
        check_step(record, "lodge_appeal", MANAGER, template)


def test_a_stage_is_not_left_until_its_section_is_complete(session):
    answers = {k: v for k, v in REVIEW.items() if k != "disability_considered"}
    record = add_record(session, "attendance", status="informal", answers=answers)
    check = check_step(record, "issue_first_warning", MANAGER, CATALOGUE.get("attendance", 1))
    assert [p.path for p in check.problems] == ["disability_considered"]
    with pytest.raises(WorkflowError, match="needs 1 more answer"):
        step(session, record, "issue_first_warning", MANAGER)
    assert record.status == "informal"


def test_the_rtw_interview_is_signed_by_both_like_a_supervision(session):
    flow = WORKFLOWS[RecordKind.RETURN_TO_WORK]
    supervision = WORKFLOWS[RecordKind.SUPERVISION]
    assert [t.name for t in flow.transitions] == [t.name for t in supervision.transitions]
    record = add_record(session, "return_to_work", status="draft", answers=RTW)
    with pytest.raises(WorkflowError, match="Only the manager"):
        step(session, record, "share", EMPLOYEE)
    assert step(session, record, "share", MANAGER) == "shared"
    with pytest.raises(WorkflowError, match="Only the employee the record is about"):
        step(session, record, "employee_sign", MANAGER)
    assert step(session, record, "employee_sign", EMPLOYEE) == "employee_signed"
    assert step(session, record, "manager_sign", MANAGER) == "completed"


def test_hr_may_countersign_a_closed_review_but_not_an_rtw_interview():
    hr = frozenset({Party.HR})
    assert may_countersign(RecordKind.ATTENDANCE, "closed_improved", hr)
    assert not may_countersign(RecordKind.ATTENDANCE, "first_warning", hr)
    assert not may_countersign(RecordKind.RETURN_TO_WORK, "completed", hr)


# --- notice, appeal and expiry ------------------------------------------------------------


@pytest.mark.parametrize(
    ("letter", "earliest"),
    [
        (date(2024, 12, 20), date(2024, 12, 31)),  # Christmas Day and Boxing Day skipped
        (date(2025, 4, 14), date(2025, 4, 23)),  # Good Friday and Easter Monday skipped
        (date(2025, 3, 3), date(2025, 3, 10)),  # an ordinary week: weekends only
        (date(2025, 8, 22), date(2025, 9, 1)),  # the summer bank holiday, 25 August
    ],
)
def test_notice_counts_working_days_across_bank_holidays(letter, earliest):
    assert POLICY.attendance_review.notice_working_days == 5
    assert earliest_meeting(letter, POLICY) == earliest


def test_the_appeal_deadline_skips_easter():
    # Outcome on Thursday 17 April 2025: Good Friday and Easter Monday do not count.
    assert appeal_deadline(date(2025, 4, 17), POLICY) == date(2025, 4, 28)


def test_warnings_expire_after_the_policy_months():
    assert warning_expiry("first_warning", date(2025, 1, 8), POLICY) == date(2026, 1, 8)
    assert warning_expiry("final_warning", date(2024, 2, 29), POLICY) == date(2025, 2, 28)
    with pytest.raises(ValueError, match="'informal' gives no warning"):
        warning_expiry("informal", date(2025, 1, 8), POLICY)
    unwritten = {k: v for k, v in REVIEW.items() if k != "first_warning_expiry_date"}
    assert expiries(unwritten, POLICY) == {
        "first_warning": date(2026, 1, 8),  # worked out: 12 months from 8 January 2025
        "final_warning": date(2026, 4, 28),  # as written on the form
    }
    assert expiries({"stage": "informal"}, POLICY) == {}


def test_the_policy_values_are_marked_product_defaults_and_checked(tmp_path: Path):
    text = policy_path().read_text(encoding="utf-8")
    table = text[text.index("[attendance_review]") :].split("\n[", 1)[0]
    assert "PRODUCT DEFAULT" in table and "ACAS" in table
    assert '"Drive improvements in attendance, capability\n# and probation management"' in table
    data = tomllib.loads(text)
    assert data["attendance_review"]["appeal_working_days"] == 5
    del data["attendance_review"]["notice_working_days"]
    broken = tmp_path / "policy.toml"
    broken.write_text(text.replace("notice_working_days = 5\n# The employee may propose", "#"))
    with pytest.raises(PolicyError, match="attendance_review.notice_working_days: missing"):
        load_policy(broken)


def test_an_attendance_review_is_kept_six_years_after_its_last_warning_expired():
    rules = load_rules()
    assert rules[RecordKind.ATTENDANCE].trigger == "warning_expired"
    assert rules[RecordKind.RETURN_TO_WORK].trigger == "record_completed"
    months = {"attendance_review.first_warning_expiry_months": 12,
              "attendance_review.final_warning_expiry_months": 12}  # fmt: skip
    case = Facts("r1", RecordKind.ATTENDANCE, 2, "closed_improved", False, date(2025, 6, 2),
                 None, True, {"first_warning_outcome_date": "2025-01-08"})  # fmt: skip
    assert trigger_date(rules[RecordKind.ATTENDANCE], case, months) == date(2026, 1, 8)
    still_open = Facts("r2", RecordKind.ATTENDANCE, 2, "first_warning", False, date(2025, 6, 2),
                       None, False, {})  # fmt: skip
    assert refusal(still_open, []) == (
        "The attendance review is still open: it is kept until it is closed."
    )


def test_the_schedule_shows_the_review_date_and_the_live_warnings_expiry():
    person = PersonFacts(2, date(2020, 1, 6), "Social Worker", None)
    at_stage_1 = RecordFact("r1", RecordKind.ATTENDANCE, "first_warning", date(2024, 9, 16),
                            dict(REVIEW))  # fmt: skip
    person.records.append(at_stage_1)
    items = [(i.label, i.due, i.state) for i in schedule(person, POLICY, date(2025, 3, 28))
             if i.kind is RecordKind.ATTENDANCE]  # fmt: skip
    assert items == [
        ("Attendance review", date(2025, 4, 7), DueState.DUE_SOON),  # within 14 days
        ("First written warning expires", date(2026, 1, 8), DueState.OK),
    ]
    closed = RecordFact("r2", RecordKind.ATTENDANCE, "closed_improved", None, dict(REVIEW))
    person.records[:] = [closed]
    assert [i for i in schedule(person, POLICY, date(2025, 3, 28))
            if i.kind is RecordKind.ATTENDANCE] == []  # fmt: skip


# --- letters --------------------------------------------------------------------------------


def test_letters_follow_the_stage(session):
    def names(status: str) -> list[str]:
        return letters_for(add_record(session, "attendance", status=status), catalogue=CATALOGUE)

    assert names("informal") == []
    assert names("first_warning") == ["attendance_invitation", "attendance_outcome"]
    assert names("final_hearing") == ["attendance_invitation"]
    assert names("closed_hearing") == ["attendance_outcome"]
    assert names("appeal_decided") == ["attendance_appeal_outcome"]
    rtw = add_record(session, "return_to_work", status="completed")
    assert letters_for(rtw, catalogue=CATALOGUE) == []


def test_the_invitation_prints_with_its_notice_over_christmas(session, tmp_path):
    record = add_record(session, "attendance", status="first_warning", answers=REVIEW)
    pdf = render_letter(session, record.id, "attendance_invitation", CATALOGUE, extra=MEETING)
    text = flat(pdf_text(pdf, tmp_path))
    for words in (
        "Invitation to a formal attendance review meeting (stage 1)",
        "20 December 2024",
        "held on 6 January 2025 at 10:00am, at Room G12",
        "concerns about your attendance",
        "Seven separate absences",
        "first written warning",
        "at least 5 working days' notice",
        "trade union representative or a work colleague",
        "not yet reviewed by HR",
    ):
        assert words in text, words


def test_an_invitation_with_too_little_notice_is_refused(session):
    # Letter on Friday 20 December 2024; Monday 30 December is only 4 working days later.
    answers = {**REVIEW, "first_warning_meeting_date": "2024-12-30"}
    record = add_record(session, "attendance", status="first_warning", answers=answers)
    with pytest.raises(LetterError, match="less than 5 working days' notice.*31 December 2024"):
        render_letter(session, record.id, "attendance_invitation", CATALOGUE, extra=MEETING)
    answers["first_warning_meeting_date"] = "2024-12-31"
    ok = add_record(session, "attendance", status="first_warning", answers=answers)
    assert render_letter(session, ok.id, "attendance_invitation", CATALOGUE, extra=MEETING)


def test_letters_with_missing_data_are_refused_naming_it(session):
    answers = {k: v for k, v in REVIEW.items() if k != "first_warning_support"}
    record = add_record(session, "attendance", status="first_warning", answers=answers)
    with pytest.raises(LetterError) as caught:
        render_letter(session, record.id, "attendance_outcome", CATALOGUE)
    assert caught.value.missing == ["stage.support"]
    assert "'Outcome of the formal attendance review meeting (stage 1)' cannot be written" in str(
        caught.value
    )
    assert "Support to be given (form field first_warning_support)" in str(caught.value)
    with pytest.raises(LetterError) as caught:
        render_letter(session, record.id, "attendance_invitation", CATALOGUE, extra={})
    assert caught.value.missing == ["meeting.place", "meeting.time"]
    undecided = add_record(session, "attendance", status="appeal_decided",
                           answers={**REVIEW, "appeal_outcome_reasons": None})  # fmt: skip
    reasons = r"Missing: Reasons.*\(form field appeal_outcome_reasons\)"
    with pytest.raises(LetterError, match=reasons):
        render_letter(session, undecided.id, "attendance_appeal_outcome", CATALOGUE)
    informal = add_record(session, "attendance", status="informal", answers=REVIEW)
    with pytest.raises(LetterError, match="'Attendance outcome' does not apply"):
        render_letter(session, informal.id, "attendance_outcome", CATALOGUE)


def test_the_outcome_gives_the_expiry_and_the_appeal_deadline(session, tmp_path):
    answers = {k: v for k, v in REVIEW.items() if k != "first_warning_expiry_date"}
    record = add_record(session, "attendance", status="first_warning", answers=answers)
    pdf = render_letter(session, record.id, "attendance_outcome", CATALOGUE)
    text = flat(pdf_text(pdf, tmp_path))
    assert "accompanied by Alex Moore, Team Leader" in text
    assert "give you a first written warning" in text
    assert "until 8 January 2026" in text  # 12 months, worked out from the policy
    assert "within 5 working days of the date of this letter, that is by 15 January 2025" in text
    appeal = add_record(session, "attendance", status="appeal_decided", answers=REVIEW)
    pdf = render_letter(session, appeal.id, "attendance_appeal_outcome", CATALOGUE)
    text = flat(pdf_text(pdf, tmp_path))
    assert "against the decision of the final hearing" in text
    assert "not upheld" in text and "attendance procedure" in text


# --- the return-to-work form and its PDF ----------------------------------------------------


def test_the_rtw_form_loads_and_names_the_absence_it_follows():
    template = CATALOGUE.current(RecordKind.RETURN_TO_WORK)
    assert (template.id, template.version, template.title) == (
        "return_to_work",
        1,
        "Return-to-work interview",
    )
    keys = {f.key: f for f in template.fields()}
    assert keys["absence_first_day"].required and keys["absence_last_day"].required
    assert keys["employee_comments"].editable_by == frozenset({Role.EMPLOYEE})
    reference = REFERENCE_DATES["return_to_work"]
    assert validate(template, RTW, reference=reference, strict=True, step="share") == []
    missing = {k: v for k, v in RTW.items() if k not in ("absence_first_day", "adjustments")}
    problems = validate(template, missing, reference=reference, strict=True, step="share")
    assert sorted(p.path for p in problems) == ["absence_first_day", "adjustments"]
    later = {**RTW, "absence_last_day": "2025-04-01"}  # after the interview: not yet over
    assert [p.path for p in validate(template, later, reference=reference)] == ["absence_last_day"]


def test_the_rtw_interview_prints_with_both_signature_boxes(session, tmp_path):
    record = add_record(session, "return_to_work", status="completed", answers=RTW)
    doc = record_document(session, record.id, CATALOGUE)
    layout = render_record_layout(doc)
    text = flat(pdf_text(layout.pdf, tmp_path))
    assert doc.title == "Return-to-work interview, 10 March 2025"
    for words in (
        "First day of the absence 3 March 2025",
        "Last day of the absence 7 March 2025",
        "Fit to return with adjustments",
        "A sit-stand desk",
        "Referred to occupational health? Yes",
        "Employee's comments",
    ):
        assert words in text, words
    assert set(layout.signature_boxes) == {"employee", "manager"}


# --- through the ops layer, on a real (encrypted) store -------------------------------------


def current_user(store, user_id: int) -> CurrentUser:
    with store.session() as s:
        return CurrentUser.from_user(s.get(User, user_id))


def test_a_manager_starts_an_rtw_and_the_employee_signs_it(demo_store_copy):
    store = demo_store_copy
    cast = cast_of(store)
    manager = current_user(store, cast.manager.user_id)
    employee = current_user(store, cast.employee.user_id)
    with pytest.raises(WorkflowError):  # nobody starts one about themselves
        start_record(store, user=employee, kind=RecordKind.RETURN_TO_WORK,
                     subject_id=cast.subject_id, catalogue=CATALOGUE, policy=POLICY,
                     today=REFERENCE_DATES["return_to_work"], at=AT)  # fmt: skip
    started = start_record(
        store,
        user=manager,
        kind=RecordKind.RETURN_TO_WORK,
        subject_id=cast.subject_id,
        catalogue=CATALOGUE,
        policy=POLICY,
        today=REFERENCE_DATES["return_to_work"],
        at=AT,
    )
    assert started.changes.lists_of(cast.subject_id)
    edit = open_record(store, record_id=started.record_id, user=manager, catalogue=CATALOGUE)
    for key, value in RTW.items():
        if edit.may_edit(key) and edit.value(key) != value:
            edit.set(key, value)
    assert save(edit, at=AT).result.written
    assert take_step(edit, step="share", at=AT).status == "shared"

    inbox = needs_action(store, user=employee, policy=POLICY, today=AT.date())
    assert "Sign your return-to-work interview" in [i.text for i in inbox.items]
    mine = open_record(store, record_id=started.record_id, user=employee, catalogue=CATALOGUE)
    assert not mine.may_edit("absence_first_day") and mine.may_edit("employee_comments")
    mine.set("employee_comments", RTW["employee_comments"])
    who = identity(employee.user_id, store)
    moved = sign(mine, step="employee_sign", at=AT, identity=who, decision="agree")
    assert moved.status == "employee_signed" and moved.changes.lists_of(cast.subject_id)
    edit = open_record(store, record_id=started.record_id, user=manager, catalogue=CATALOGUE)
    done = sign(edit, step="manager_sign", at=AT, identity=identity(manager.user_id, store))
    assert done.status == "completed"
    with store.session() as s:
        record = s.scalars(select(Record).where(Record.id == started.record_id)).one()
        assert record.answers == RTW
        assert [(o.role, o.decision) for o in record.sign_offs] == [
            ("employee", SignOffDecision.AGREE),
            ("manager", SignOffDecision.CONFIRM),
        ]


def test_a_manager_starts_an_attendance_review_at_the_informal_stage(demo_store_copy):
    store = demo_store_copy
    cast = cast_of(store)
    manager = current_user(store, cast.manager.user_id)
    started = start_record(
        store,
        user=manager,
        kind=RecordKind.ATTENDANCE,
        subject_id=cast.subject_id,
        catalogue=CATALOGUE,
        policy=POLICY,
        today=REFERENCE_DATES["attendance"],
        at=AT,
    )
    edit = open_record(store, record_id=started.record_id, user=manager, catalogue=CATALOGUE)
    assert edit.status == "informal" and edit.value("stage") == "informal"
    assert [o.name for o in edit.steps()] == ["issue_first_warning", "close_improved"]
    assert not any(o.ready for o in edit.steps())  # the informal stage still to fill
    edit.set("review_date", "2025-06-02")  # within the form's window of the review's date
    assert save(edit, at=AT).result.written == ("review_date",)
    rows = team_rows(store, policy=POLICY, today=AT.date(), manager_id=manager.employee_id)
    (row,) = [r for r in rows if r.employee_id == cast.subject_id]
    due = row.most_urgent(RecordKind.ATTENDANCE)
    assert (due.label, due.due, due.record_id) == (
        "Attendance review",
        date(2025, 6, 2),
        started.record_id,
    )


def test_hr_is_asked_to_record_an_attendance_appeal(demo_store_copy):
    store = demo_store_copy
    cast = cast_of(store)
    with store.session() as s:
        record = create_record(s, kind=RecordKind.ATTENDANCE, subject_id=cast.subject_id,
                               author_id=cast.manager.user_id, template_id="attendance",
                               template_version=1, answers=REVIEW, status="appeal",
                               record_date=REFERENCE_DATES["attendance"], at=AT)  # fmt: skip
        record_id = record.id
    hr = current_user(store, cast.hr.user_id)
    manager = current_user(store, cast.manager.user_id)
    asked = {i.record_id: i.text for i in needs_action(store, user=hr, policy=POLICY,
                                                      today=AT.date()).items}  # fmt: skip
    assert asked[record_id].startswith("Record the appeal outcome for ")
    waiting = needs_action(store, user=manager, policy=POLICY, today=AT.date()).items
    assert record_id not in {i.record_id for i in waiting}  # HR's step, not the manager's
