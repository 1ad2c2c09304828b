"""The forms engine: loading, precise errors, validation of every field type, edit rights."""

from datetime import date
from pathlib import Path

import pytest

from lcc_apr.forms import FieldType, TemplateError, edit_problems, load_template, validate
from lcc_apr.models import RecordKind, Role

GOOD = """
[template]
id = "demo"
version = 1
kind = "apr"
title = "Every field type"

[scales.perf]
label = "Performance"
options = [{ value = "good", label = "Good" }, { value = "poor", label = "Poor" }]

[[sections]]
key = "main"
title = "Main"

[[sections.fields]]
key = "intro"
type = "guidance"
text = "Read this first."

[[sections.fields]]
key = "title"
type = "short_text"
label = "Title"
required = true
max_length = 20

[[sections.fields]]
key = "notes"
type = "long_text"
label = "Notes"
min_length = 5
editable_by = ["manager", "employee"]
editable_after_signoff = true

[[sections.fields]]
key = "met_on"
type = "date"
label = "Meeting date"
earliest_days = -30
latest_days = 0

[[sections.fields]]
key = "hours"
type = "number"
label = "Hours"
min = 0
max = 10
integer = true

[[sections.fields]]
key = "outcome"
type = "choice"
label = "Outcome"
required_at = ["finish"]
options = [{ value = "pass", label = "Pass" }, { value = "extend", label = "Extend" }]

[[sections.fields]]
key = "reasons"
type = "long_text"
label = "Reasons for extending"
required = true
visible_when = { field = "outcome", equals = "extend" }

[[sections.fields]]
key = "topics"
type = "multi_choice"
label = "Topics"
options = [{ value = "a", label = "A" }, { value = "b", label = "B" }]

[[sections.fields]]
key = "agreed"
type = "yes_no"
label = "Agreed"
editable_by = ["employee"]

[[sections.fields]]
key = "rating"
type = "rating"
label = "Rating"
scale = "perf"

[[sections.fields]]
key = "actions"
type = "group"
label = "Actions"
min_items = 1
max_items = 3

[[sections.fields.fields]]
key = "action"
type = "short_text"
label = "Action"
required = true

[[sections.fields.fields]]
key = "status"
type = "choice"
label = "Status"
options = [{ value = "open", label = "Open" }, { value = "done", label = "Done" }]

[[sections.fields.fields]]
key = "done_note"
type = "short_text"
label = "How it was done"
visible_when = { field = "status", equals = "done" }
required = true

[[sections.fields.fields]]
key = "employee_view"
type = "short_text"
label = "Employee's view"
editable_by = ["employee"]
"""

REF = date(2026, 6, 1)
VALID = {
    "title": "Review",
    "notes": "All fine here",
    "met_on": "2026-05-20",
    "hours": 2,
    "outcome": "pass",
    "topics": ["a"],
    "agreed": True,
    "rating": "good",
    "actions": [{"action": "Book course", "status": "open"}],
}


@pytest.fixture
def template(tmp_path: Path):
    path = tmp_path / "demo" / "v1.toml"
    path.parent.mkdir()
    path.write_text(GOOD)
    return load_template(path)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo" / "v1.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_every_field_type_loads(template):
    assert template.kind is RecordKind.APR
    assert {f.type for f in template.fields()} == set(FieldType)
    assert template.field("rating").label_of("poor") == "Poor"


def test_a_complete_record_has_no_problems(template):
    assert validate(template, VALID, reference=REF, strict=True, step="finish") == []


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"title": "x" * 21}, "title", "21 characters long; the most allowed is 20"),
        ({"title": 12}, "title", "must be text"),
        ({"notes": "abc"}, "notes", "at least 5 characters"),
        ({"met_on": "2026-02-30"}, "met_on", "must be a date"),
        ({"met_on": "2026-04-01"}, "met_on", "on or after 2 May 2026"),
        ({"met_on": "2026-06-02"}, "met_on", "on or before 1 June 2026"),
        ({"hours": 2.5}, "hours", "whole number"),
        ({"hours": 11}, "hours", "at most 10"),
        ({"hours": True}, "hours", "must be a number"),
        ({"hours": float("nan")}, "hours", "must be a number"),
        ({"outcome": "fail"}, "outcome", "'fail' is not one of the choices"),
        ({"topics": ["a", "a"]}, "topics", "lists a choice twice"),
        ({"topics": ["z"]}, "topics", "'z' is not one of the choices"),
        ({"agreed": "yes"}, "agreed", "must be yes or no"),
        ({"rating": "great"}, "rating", "not one of the choices"),
        ({"actions": [{"action": "a"}] * 4}, "actions", "4 entries; the most allowed is 3"),
        (
            {"actions": [{"action": "a", "colour": "red"}]},
            "actions[0].colour",
            "not part of this group",
        ),
        ({"surprise": 1}, "surprise", "not a field of this form"),
    ],
)
def test_each_rule_reports_the_field_and_a_plain_message(template, change, path, words):
    problems = validate(template, {**VALID, **change}, reference=REF)
    assert [p.path for p in problems] == [path]
    assert words in problems[0].message


def test_drafts_are_lenient_and_steps_are_strict(template):
    draft = {"notes": "Half written"}
    assert validate(template, draft, reference=REF) == []
    strict = {p.path for p in validate(template, draft, reference=REF, strict=True)}
    assert strict == {"title", "actions"}
    at_finish = {
        p.path for p in validate(template, draft, reference=REF, strict=True, step="finish")
    }
    assert at_finish == {"title", "actions", "outcome"}


def test_conditional_fields_are_required_only_when_visible(template):
    assert validate(template, VALID, reference=REF, strict=True) == []
    extend = {**VALID, "outcome": "extend"}
    problems = validate(template, extend, reference=REF, strict=True)
    assert [(p.path, p.message) for p in problems] == [
        ("reasons", "Reasons for extending is required")
    ]
    done = {**VALID, "actions": [{"action": "Book course", "status": "done"}]}
    assert [p.path for p in validate(template, done, reference=REF, strict=True)] == [
        "actions[0].done_note"
    ]


def test_roles_may_only_change_their_fields(template):
    mine = {**VALID, "agreed": False, "notes": "I disagree with the rating"}
    assert edit_problems(template, VALID, mine, roles=frozenset({Role.EMPLOYEE})) == []
    sneaky = {**VALID, "rating": "poor"}
    problems = edit_problems(template, VALID, sneaky, roles=frozenset({Role.EMPLOYEE}))
    assert [(p.path, p.message) for p in problems] == [
        ("rating", "Rating can only be changed by the manager")
    ]
    assert edit_problems(
        template, VALID, {**VALID, "agreed": False}, roles=frozenset({Role.MANAGER})
    )
    # Inside a group: the employee may fill their own column but not add entries.
    view = {**VALID, "actions": [{**VALID["actions"][0], "employee_view": "Happy"}]}
    assert edit_problems(template, VALID, view, roles=frozenset({Role.EMPLOYEE})) == []
    more = {**VALID, "actions": VALID["actions"] * 2}
    assert edit_problems(template, VALID, more, roles=frozenset({Role.EMPLOYEE}))
    assert edit_problems(template, VALID, more, roles=frozenset({Role.MANAGER})) == []


def test_a_signed_record_only_changes_fields_marked_for_it(template):
    later = {**VALID, "notes": "Added after signing"}
    assert edit_problems(template, VALID, later, roles=frozenset({Role.MANAGER}), locked=True) == []
    changed = {**VALID, "title": "Rewritten"}
    problems = edit_problems(template, VALID, changed, roles=frozenset({Role.MANAGER}), locked=True)
    assert problems[0].message == "Title cannot change after sign-off"


BROKEN = [
    ('scale = "perf"', 'scale = "prf"', "unknown scale 'prf' (declared scales: perf)"),
    ('type = "yes_no"', 'type = "tickbox"', "'tickbox' is not one of: short_text"),
    ("max_length = 20", 'max_length = "20"', "'max_length' must be a whole number, not '20'"),
    ("max_length = 20", "max_length = 20\nmaxlength = 30", "unknown setting 'maxlength'"),
    ('equals = "extend" }', 'equals = "extend", is_set = true }', "exactly one of equals"),
    ('field = "outcome"', 'field = "outcme"', "visible_when refers to unknown field 'outcme'"),
    ('key = "hours"', 'key = "title"', "the key 'title' is used twice"),
    ("min_items = 1", "min_items = 5", "minimum 5 is above maximum 3"),
    (
        'editable_by = ["employee"]\n\n[[sections.fields]]\nkey = "rating"',
        'editable_by = ["staff"]\n\n[[sections.fields]]\nkey = "rating"',
        "'staff' is not one of",
    ),
    ("version = 1", "version = 2", "file should be demo/v2.toml"),
]


@pytest.mark.parametrize(("old", "new", "words"), BROKEN)
def test_a_broken_template_names_file_line_key_and_meaning(tmp_path, old, new, words):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(TemplateError) as err:
        load_template(path)
    hits = [p for p in err.value.problems if words in p]
    assert hits, err.value.problems
    assert hits[0].startswith("v1.toml")


def test_line_numbers_point_at_the_field(tmp_path):
    path = write(tmp_path, GOOD.replace('scale = "perf"', 'scale = "prf"'))
    with pytest.raises(TemplateError) as err:
        load_template(path)
    line = int(err.value.problems[0].split(":")[1])
    assert 'key = "rating"' in path.read_text().splitlines()[line - 1]


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace('scale = "perf"', 'scale = "prf"').replace(
        'type = "yes_no"', 'type = "tick"'
    )
    with pytest.raises(TemplateError) as err:
        load_template(write(tmp_path, text))
    assert len(err.value.problems) == 2


def test_invalid_toml_is_reported_with_its_position(tmp_path):
    with pytest.raises(TemplateError) as err:
        load_template(write(tmp_path, GOOD + "\n[[sections\n"))
    assert "not valid TOML" in str(err.value) and "line" in str(err.value)


def test_required_answers_are_asked_for_in_plain_words():
    """Issue 12: no "New objectives is required" or "...review? is required"; an entry's
    problem says which entry."""
    from lcc_apr.forms import Catalogue

    apr = Catalogue.load().current(RecordKind.APR)
    answers = {"previous_objectives": [{"objective": "One"}, {"objective": "Two"}]}
    day = date(2025, 5, 14)
    found = {
        p.path: p.message for p in validate(apr, answers, reference=day, strict=True, step="share")
    }
    assert found["new_objectives"] == "Add at least one new objective"
    assert found["previous_objectives[1].evidence"] == "Objective 2: evidence is required"
    assert found["previous_objectives[0].evidence"] == "Objective 1: evidence is required"
    assert found["value_1_rating"] == "Choose a rating for 'Value 1 (P): to be named by HR'"
    assert found["overall_rating"].startswith("Choose a rating for '")
    found = {
        p.path: p.message
        for p in validate(apr, answers, reference=day, strict=True, step="respond")
    }
    assert found["employee_response"] == "Answer 'Do you agree with this review?'"


def test_hr_configuration_notes_are_for_hr_only():
    from lcc_apr.forms.display import for_reader

    text = (
        "Rate each value. HR configuration: values are placeholders; HR names them. Give examples."
    )
    assert for_reader(text, hr=False) == "Rate each value. Give examples."
    assert for_reader(text, hr=True) == text
    assert for_reader("HR configuration: an LCC APR default.", hr=False) == ""
    placeholder = "Rate values. HR configuration: HR names them later. Until then, rate each."
    assert for_reader(placeholder, hr=False) == "Rate values. Rate each."
