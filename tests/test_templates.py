"""The shipped form templates (resources/forms): they load, fit the workflows, and behave.

The example answers in tests/examples.py are complete records; they must pass
strict validation at every step of their workflow, and taking out any needed
answer must produce a problem naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from lcc_apr.forms import (
    Catalogue,
    Field,
    FieldType,
    Template,
    edit_problems,
    editors,
    forms_dir,
    is_visible,
    validate,
)
from lcc_apr.models import RecordKind, Role
from lcc_apr.workflow import WORKFLOWS
from tests.examples import EXAMPLES, EXAMPLES_BY_VERSION, REFERENCE_DATES

CATALOGUE = Catalogue.load()
CURRENT = {kind: CATALOGUE.current(kind) for kind in RecordKind}
EVERY = sorted(CATALOGUE.templates)  # (id, version) of every shipped template


def example(template: Template) -> dict[str, Any]:
    return EXAMPLES_BY_VERSION[(template.id, template.version)]


# Keys other code already reads or writes (the demo generator, schedules): keep them.
KEPT_KEYS = {
    RecordKind.APR: [
        "meeting_date",
        "previous_objectives",
        "previous_objectives.objective",
        "previous_objectives.evidence",
        "previous_objectives.outcome",
        "new_objectives",
        "new_objectives.objective",
        "new_objectives.measure",
        "new_objectives.target_date",
        "new_objectives.plan_link",
        "mid_year_date",
        "values_discussion",
        "overall_rating",
        "learning_needs",
        "development_plan",
        "wellbeing_discussion",
        "career_aspirations",
        "employee_comments",
        "manager_comments",
        "employee_response",
        "disagreement_reasons",
    ],
    RecordKind.SUPERVISION: [
        "meeting_date",
        "duration_minutes",
        "attendees",
        "workload",
        "wellbeing_check_in",
        "case_discussion",
        "previous_actions",
        "previous_actions.action",
        "previous_actions.owner",
        "previous_actions.due_date",
        "previous_actions.status",
        "new_actions",
        "new_actions.action",
        "new_actions.owner",
        "new_actions.due_date",
        "escalations",
        "learning",
        "next_supervision_date",
    ],
    RecordKind.PROBATION: [
        "review_point_weeks",
        "is_final_review",
        "quality_of_work",
        "conduct",
        "attendance",
        "values_and_behaviours",
        "progress",
        "areas_to_improve",
        "support",
        "outcome",
        "extension_end_date",
    ],
    RecordKind.CAPABILITY: [
        "stage",
        "concerns",
        "standards_expected",
        "support_offered",
        "review_period_weeks",
        "review_date",
        "meeting_date",
        "outcome",
        "improvement_note_outcome_date",
        "final_warning_outcome_date",
    ],
    # The absence schedule matches an interview to its absence episode by these dates.
    RecordKind.RETURN_TO_WORK: ["meeting_date", "absence_first_day", "absence_last_day"],
    # The schedule counts the next welfare contact from these.
    RecordKind.WELFARE_CONTACT: ["meeting_date", "next_contact_date"],
    RecordKind.ATTENDANCE: [
        "stage",
        "concerns",
        "meeting_date",
        "outcome",
        "first_warning_outcome_date",
        "first_warning_expiry_date",
        "final_warning_outcome_date",
        "final_warning_expiry_date",
        "appeal_against",
    ],
}


def walk(fields: tuple[Field, ...] | list[Field], prefix: str = "") -> Iterator[tuple[str, Field]]:
    """Every field with its dotted key path, group members included."""
    for f in fields:
        yield prefix + f.key, f
        yield from walk(f.fields, f"{prefix}{f.key}.")


def complete_steps(kind: RecordKind) -> list[str]:
    return [t.name for t in WORKFLOWS[kind].transitions if t.complete]


def problems_at(
    template: Template, answers: dict[str, Any], step: str | None, *, strict: bool = True
) -> list[str]:
    found = validate(
        template, answers, reference=REFERENCE_DATES[template.id], strict=strict, step=step
    )
    return [p.path for p in found]


def needed(f: Field, step: str) -> bool:
    return f.holds_answer and (f.required or step in f.required_at)


def without_each_needed_answer(
    template: Template, answers: dict[str, Any], step: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, answers with that one answer removed) for each answer the step needs."""
    for section in template.sections:
        if not is_visible(section.visible_when, answers):
            continue
        for f in section.fields:
            if not f.holds_answer or not is_visible(f.visible_when, answers):
                continue
            if needed(f, step) and f.key in answers:
                yield f.key, {k: v for k, v in answers.items() if k != f.key}
            if f.type is FieldType.GROUP:
                for i, entry in enumerate(answers.get(f.key) or []):
                    for sub in f.fields:
                        visible = is_visible(sub.visible_when, entry, answers)
                        if visible and needed(sub, step) and sub.key in entry:
                            trimmed = [dict(e) for e in answers[f.key]]
                            del trimmed[i][sub.key]
                            yield f"{f.key}[{i}].{sub.key}", {**answers, f.key: trimmed}


# Every shipped version, old and current: records of each still open and move on.
STEP_CASES = [
    pytest.param(tid, version, step, id=f"{tid}-v{version}-{step}")
    for tid, version in EVERY
    for step in complete_steps(CATALOGUE.get(tid, version).kind)
]


# --- loading -------------------------------------------------------------------------


def test_every_file_under_resources_forms_is_a_loaded_template():
    folder = forms_dir()
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert files, f"no templates under {folder}"
    for path in files:
        relative = path.relative_to(folder).as_posix()
        match = re.fullmatch(r"([a-z][a-z0-9_]*)/v([1-9][0-9]*)\.toml", relative)
        assert match, f"{relative} is not named <id>/v<version>.toml"
        template = CATALOGUE.get(match[1], int(match[2]))
        assert (template.id, template.version) == (match[1], int(match[2]))
        assert template.path == path


def test_each_kind_has_a_current_template_named_after_its_kind():
    for kind, template in CURRENT.items():
        assert template.kind is kind
        assert template.id == kind.value
        assert template.title and template.description and template.source


def test_each_template_id_has_one_kind():
    kinds: dict[str, set[RecordKind]] = {}
    for (template_id, _), template in CATALOGUE.templates.items():
        kinds.setdefault(template_id, set()).add(template.kind)
    assert all(len(found) == 1 for found in kinds.values()), kinds


def test_examples_cover_every_template_version():
    assert set(EXAMPLES_BY_VERSION) == set(EVERY)
    assert set(REFERENCE_DATES) == set(EXAMPLES) == {t.id for t in CURRENT.values()}


@pytest.mark.parametrize(("template_id", "version"), EVERY)
def test_sections_keep_to_states_of_their_workflow(template_id, version):
    """editable_in and private_in name states of the kind's workflow."""
    template = CATALOGUE.get(template_id, version)
    states = {s.name for s in WORKFLOWS[template.kind].states}
    for section in template.sections:
        assert section.editable_in <= states, section.key
        assert section.private_in <= section.editable_in, section.key


@pytest.mark.parametrize("kind", list(RecordKind), ids=str)
def test_keys_used_elsewhere_are_kept(kind):
    paths = {path for path, _ in walk(CURRENT[kind].fields())}
    assert [k for k in KEPT_KEYS[kind] if k not in paths] == []


# --- fields and steps ----------------------------------------------------------------


@pytest.mark.parametrize("kind", list(RecordKind), ids=str)
def test_every_field_is_labelled_and_names_real_steps(kind):
    template = CURRENT[kind]
    steps = {t.name for t in WORKFLOWS[kind].transitions}
    checked = set(complete_steps(kind))
    for path, f in walk(template.fields()):
        if f.type is FieldType.GUIDANCE:
            assert f.text.strip(), path
            continue
        assert f.label.strip(), f"{path} has no label"
        unknown = f.required_at - steps
        assert not unknown, f"{path}: required_at names no {kind.value} step: {sorted(unknown)}"
        unchecked = f.required_at - checked
        assert not unchecked, f"{path}: {sorted(unchecked)} never checks answers"


@pytest.mark.parametrize("kind", list(RecordKind), ids=str)
def test_sections_have_titles_and_unique_keys(kind):
    sections = CURRENT[kind].sections
    assert all(s.title.strip() for s in sections)
    keys = [s.key for s in sections]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("kind", list(RecordKind), ids=str)
def test_meeting_dates_have_a_window(kind):
    f = CURRENT[kind].field("meeting_date")
    assert f.type is FieldType.DATE and f.required
    assert (f.earliest_days, f.latest_days) == (-400, 60)


@pytest.mark.parametrize("kind", list(RecordKind), ids=str)
def test_text_fields_set_their_own_length_limits(kind):
    for path, f in walk(CURRENT[kind].fields()):
        if f.type in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
            assert f.max_length, f"{path} has no max_length"


# --- the examples at every step ------------------------------------------------------


@pytest.mark.parametrize(("template_id", "version", "step"), STEP_CASES)
def test_the_example_is_complete_at_every_step(template_id, version, step):
    template = CATALOGUE.get(template_id, version)
    assert problems_at(template, example(template), step) == []


@pytest.mark.parametrize(("template_id", "version"), EVERY)
def test_the_example_is_clean_without_a_step(template_id, version):
    template = CATALOGUE.get(template_id, version)
    assert problems_at(template, example(template), None) == []


@pytest.mark.parametrize(("template_id", "version", "step"), STEP_CASES)
def test_taking_out_a_needed_answer_names_it(template_id, version, step):
    template = CATALOGUE.get(template_id, version)
    cases = list(without_each_needed_answer(template, example(template), step))
    assert cases, f"{step} needs no answers at all"
    for path, answers in cases:
        assert path in problems_at(template, answers, step), path


# A passed probation hides HR's fields: the not-passed path is tested on its own below.
EXERCISED_ELSEWHERE = {("probation", "hr_close")}


def test_the_examples_exercise_every_step_specific_requirement():
    """Each required_at name actually removes something in its example."""
    for key in EVERY:
        template = CATALOGUE.get(*key)
        answers = example(template)
        for step in {s for _, f in walk(template.fields()) for s in f.required_at}:
            if (template.id, step) in EXERCISED_ELSEWHERE:
                continue
            always = {p for p, _ in without_each_needed_answer(template, answers, "__none__")}
            at_step = {p for p, _ in without_each_needed_answer(template, answers, step)}
            assert at_step - always, f"{template.id}: nothing is needed only at {step}"


# --- drafts --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(RecordKind), ids=str)
def test_an_empty_draft_is_fine_but_not_complete(kind):
    template = CURRENT[kind]
    workflow = WORKFLOWS[kind]
    assert problems_at(template, {}, None, strict=False) == []
    first = [t.name for t in workflow.steps_from(workflow.initial) if t.complete]
    assert first
    for step in first:
        assert problems_at(template, {}, step), step


# --- APR -----------------------------------------------------------------------------

APR = CURRENT[RecordKind.APR]
APR_EXAMPLE = example(APR)


def test_apr_disagreeing_needs_reasons_before_responding():
    disagree = {**APR_EXAMPLE, "employee_response": "disagree"}
    assert problems_at(APR, disagree, "respond") == ["disagreement_reasons"]
    explained = {**disagree, "disagreement_reasons": "The rating ignores the backlog work."}
    assert problems_at(APR, explained, "respond") == []
    assert "employee_response" in problems_at(
        APR, {k: v for k, v in APR_EXAMPLE.items() if k != "employee_response"}, "respond"
    )


def test_apr_response_and_comments_belong_to_the_employee():
    for key in ("employee_response", "disagreement_reasons", "employee_comments"):
        assert editors(APR.field(key)) == {Role.EMPLOYEE}, key
    before = APR_EXAMPLE
    after = {**before, "employee_response": "disagree", "disagreement_reasons": "No."}
    assert edit_problems(APR, before, after, roles=frozenset({Role.EMPLOYEE})) == []
    assert edit_problems(APR, before, after, roles=frozenset({Role.MANAGER}))
    manager = {**before, "overall_rating": "exceeds"}
    assert edit_problems(APR, before, manager, roles=frozenset({Role.EMPLOYEE}))


def test_apr_values_are_placeholders_until_hr_names_them():
    section = APR.section_of("value_1_rating")
    assert "HR configuration" in section.guidance
    assert "PROUD" in section.guidance and "placeholders" in section.guidance
    ratings = [f for f in section.fields if f.type is FieldType.RATING]
    assert len(ratings) == 5
    for f in ratings:
        assert f.scale == APR.scales["values"]
        assert "to be named by HR" in f.label, f.label
    for f in section.fields:
        if f.key.startswith("value_") and f.key.endswith("_evidence"):
            assert "to be named by HR" in f.label, f.label
    assert [o.value for o in APR.scales["values"].options] == [
        "consistently_demonstrates",
        "usually_demonstrates",
        "developing",
        "not_yet_demonstrated",
    ]


def test_apr_overall_rating_scale_is_declared_a_product_default():
    assert [o.value for o in APR.field("overall_rating").choices()] == [
        "exceeds",
        "meets",
        "partly_meets",
        "does_not_meet",
    ]
    assert "product defaults" in APR.description


def test_apr_low_rating_needs_reasons():
    low = {**APR_EXAMPLE, "overall_rating": "partly_meets"}
    assert problems_at(APR, low, "share") == ["rating_reasons"]


def test_apr_objectives_outcomes():
    group = APR.field("previous_objectives")
    outcome = next(f for f in group.fields if f.key == "outcome")
    assert [o.value for o in outcome.choices()] == ["met", "partly_met", "not_met"]
    late = [{**o, "target_date": "2030-01-01"} for o in APR_EXAMPLE["new_objectives"]]
    paths = problems_at(APR, {**APR_EXAMPLE, "new_objectives": late}, None, strict=False)
    assert paths == [f"new_objectives[{i}].target_date" for i in range(len(late))]


# --- supervision ---------------------------------------------------------------------

SUPERVISION = CURRENT[RecordKind.SUPERVISION]


def test_supervision_action_statuses():
    group = SUPERVISION.field("previous_actions")
    status = next(f for f in group.fields if f.key == "status")
    assert [o.value for o in status.choices()] == ["open", "done", "carried_forward", "dropped"]
    dropped = [{"action": "Old idea", "owner": "Tom", "status": "dropped"}]
    answers = {**EXAMPLES["supervision"], "previous_actions": dropped}
    assert problems_at(SUPERVISION, answers, "share") == ["previous_actions[0].update"]


def test_supervision_agreement_details_needed_only_when_agreed_or_changed():
    base = {
        k: v
        for k, v in EXAMPLES["supervision"].items()
        if k not in ("agreed_frequency", "confidentiality", "records_kept", "agreement_notes")
    }
    assert problems_at(SUPERVISION, {**base, "agreement_status": "unchanged"}, "share") == []
    assert problems_at(SUPERVISION, {**base, "agreement_status": "new"}, "share") == [
        "agreed_frequency",
        "confidentiality",
        "records_kept",
    ]


def test_supervision_next_date_must_be_after_the_meeting():
    answers = {**EXAMPLES["supervision"], "next_supervision_date": "2025-09-10"}
    assert problems_at(SUPERVISION, answers, None, strict=False) == ["next_supervision_date"]


# --- probation -----------------------------------------------------------------------

PROBATION = CURRENT[RecordKind.PROBATION]
FINAL_ONLY = ("outcome", "extension_end_date", "extension_reasons", "fail_reasons")


def interim_review() -> dict[str, Any]:
    answers = {k: v for k, v in EXAMPLES["probation"].items() if k not in FINAL_ONLY}
    return {**answers, "review_point_weeks": 8, "is_final_review": False}


def test_probation_outcome_only_at_the_final_review():
    interim = interim_review()
    for step in complete_steps(RecordKind.PROBATION):
        assert problems_at(PROBATION, interim, step) == [], step
    final = {**interim, "is_final_review": True}
    assert problems_at(PROBATION, final, "share") == ["outcome"]


def test_probation_outcome_options():
    assert [o.value for o in PROBATION.field("outcome").choices()] == ["pass", "extend", "fail"]


def test_probation_extension_needs_an_end_date_and_reasons():
    extend = {**EXAMPLES["probation"], "outcome": "extend"}
    assert problems_at(PROBATION, extend, "share") == ["extension_end_date", "extension_reasons"]
    extend |= {
        "extension_end_date": "2025-09-15",
        "extension_reasons": "More time is needed to show the invoices are right first time.",
    }
    assert problems_at(PROBATION, extend, "share") == []
    too_late = {**extend, "extension_end_date": "2026-07-01"}
    assert problems_at(PROBATION, too_late, None, strict=False) == ["extension_end_date"]
    assert "8 weeks" in PROBATION.field("extension_end_date").help


def test_probation_fail_is_explained_and_goes_to_hr():
    fail = {**EXAMPLES["probation"], "outcome": "fail"}
    assert problems_at(PROBATION, fail, "share") == ["fail_reasons"]
    fail["fail_reasons"] = "Invoices still need checking after six months."
    assert problems_at(PROBATION, fail, "refer_to_hr") == []
    hr_needs = problems_at(PROBATION, fail, "hr_close")
    assert hr_needs == ["hr_meeting_date", "hr_decision", "hr_decision_reasons", "hr_letter_date"]
    guidance = PROBATION.field("fail_guidance").text
    assert "colleague" in guidance and "trade union representative" in guidance
    for key in hr_needs:
        f = PROBATION.field(key)
        # HR record their decision on a record the employee has already signed.
        assert editors(f) == {Role.HR} and f.editable_after_signoff, key


def test_probation_concerns_warn_that_employment_may_end():
    concerns = {**EXAMPLES["probation"], "has_concerns": True}
    assert problems_at(PROBATION, concerns, "share") == ["concerns", "consequences_explained"]
    assert "employment may be ended" in PROBATION.field("concerns_guidance").text


@pytest.mark.parametrize(
    "area", ["quality_of_work", "conduct", "attendance", "values_and_behaviours"]
)
def test_probation_areas_are_rated_with_evidence(area):
    rating = PROBATION.field(f"{area}_rating")
    assert [o.value for o in rating.choices()] == ["meeting", "partly_meeting", "not_meeting"]
    assert PROBATION.field(area).type is FieldType.LONG_TEXT
    assert "share" in rating.required_at and "share" in PROBATION.field(area).required_at


# --- capability ----------------------------------------------------------------------

CAPABILITY = CURRENT[RecordKind.CAPABILITY]


@pytest.mark.parametrize(
    ("section", "step"),
    [
        ("improvement_note_stage", "issue_final_warning"),
        ("final_warning_stage", "refer_to_hearing"),
        ("hearing", "decide_hearing"),
    ],
)
def test_capability_each_formal_stage_is_needed_before_leaving_it(section, step):
    fields = next(s for s in CAPABILITY.sections if s.key == section).fields
    needed_here = {f.key for f in fields if step in f.required_at}
    prefix = section.removesuffix("_stage")
    for suffix in (
        "concerns_in_writing",
        "letter_date",
        "meeting_date",
        "companion",
        "postponed",
        "meeting_notes",
        "outcome_date",
    ):
        assert f"{prefix}_{suffix}" in needed_here, suffix
    case = {k: v for k, v in EXAMPLES["capability"].items() if not k.startswith(f"{prefix}_")}
    missing = set(problems_at(CAPABILITY, case, step))
    assert needed_here <= missing


def test_capability_informal_plan_is_needed_to_move_on_or_close():
    for key in (
        "standards_expected",
        "employee_actions",
        "support_offered",
        "review_period_weeks",
        "review_date",
    ):
        assert {"issue_improvement_note", "close_improved"} <= CAPABILITY.field(key).required_at


def test_capability_postponement_and_companion():
    case = {**EXAMPLES["capability"], "hearing_postponed": True}
    assert problems_at(CAPABILITY, case, "decide_hearing") == ["hearing_new_meeting_date"]
    alone = {
        k: v for k, v in EXAMPLES["capability"].items() if k != "improvement_note_companion_name"
    }
    assert problems_at(CAPABILITY, {**alone, "improvement_note_companion": "none"}, None) == []
    assert problems_at(CAPABILITY, alone, None) == ["improvement_note_companion_name"]


def test_capability_hearing_decisions():
    decision = CAPABILITY.field("hearing_decision")
    values = [o.value for o in decision.choices()]
    assert "dismissal" in values and "redeployment" in values
    case = {k: v for k, v in EXAMPLES["capability"].items() if k != "hearing_last_day"}
    assert problems_at(CAPABILITY, case, "decide_hearing") == ["hearing_last_day"]
    moved = {**case, "hearing_decision": "redeployment"}
    assert problems_at(CAPABILITY, moved, "decide_hearing") == ["hearing_action_details"]


def test_capability_appeal_is_lodged_by_the_employee_and_decided_by_hr():
    lodging = {"appeal_against", "appeal_lodged_date", "appeal_grounds"}
    for key in lodging:
        f = CAPABILITY.field(key)
        assert editors(f) == {Role.EMPLOYEE, Role.HR}, key
        # An appeal against the hearing's decision is lodged on a closed (locked) case.
        assert f.editable_after_signoff, key
    deciding = {k for k, f in walk(CAPABILITY.fields()) if "decide_appeal" in f.required_at}
    for key in deciding - lodging:
        assert editors(CAPABILITY.field(key)) == {Role.HR}, key
    outcome = CAPABILITY.field("appeal_outcome")
    assert [o.value for o in outcome.choices()] == ["upheld", "partly_upheld", "not_upheld"]
    no_appeal = {k: v for k, v in EXAMPLES["capability"].items() if not k.startswith("appeal_")}
    assert set(problems_at(CAPABILITY, no_appeal, "lodge_appeal")) == lodging


def test_capability_dates_hold_defaults_only_in_help_text():
    assert "6 months" in CAPABILITY.field("improvement_note_expiry_date").help
    assert "12 months" in CAPABILITY.field("final_warning_expiry_date").help
    assert "5 working days" in CAPABILITY.field("improvement_note_letter_date").help
    assert "5 working days" in CAPABILITY.field("hearing_postponed").help
