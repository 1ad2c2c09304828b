"""Forms version 2 (issue 19): supervision, probation and capability.

The templates load and new records use them; the engine's warnings (a supervision
shorter than policy asks) never block; policy's probation exemptions reach the schedule;
HR's policy values are marked as product defaults.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from lcc_apr.forms import Catalogue, TemplateError, load_template, validate, warnings
from lcc_apr.models import Employee, RecordKind
from lcc_apr.policy import MinimumSession, PolicyError, load_policy, policy_path
from lcc_apr.schedule import PersonFacts, schedule
from tests.examples import (
    CAPABILITY_V2,
    PROBATION_V2,
    PROBATION_V2_FAILED,
    REFERENCE_DATES,
    SUPERVISION,
    SUPERVISION_V2,
)
from tests.test_editing import cast_of, fill, move_on, open_as, start

CATALOGUE = Catalogue.load()
POLICY = load_policy()
KINDS = [RecordKind.SUPERVISION, RecordKind.PROBATION, RecordKind.CAPABILITY]
LIMIT = {"supervision.minimum_session_minutes": 90}
SUPERVISION_1 = CATALOGUE.get("supervision", 1)
SUPERVISION_2 = CATALOGUE.get("supervision", 2)
PROBATION_2 = CATALOGUE.get("probation", 2)
DAY = REFERENCE_DATES["supervision"]


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_version_2_loads_beside_version_1_and_new_records_use_it(kind):
    assert CATALOGUE.current(kind).version == 2
    old, new = CATALOGUE.get(kind.value, 1), CATALOGUE.get(kind.value, 2)
    assert new.path is not None and new.path.name == "v2.toml"
    # Nothing of version 1 is lost: its records read the same under either.
    old_keys = {f.key for f in old.fields()}
    assert old_keys <= {f.key for f in new.fields()}


def test_the_new_fields_are_where_the_issue_asks():
    supervision = {f.key for f in SUPERVISION_2.fields()}
    assert {"values_discussed", "values_examples", "venue_and_privacy", "disagreements"} <= (
        supervision
    )
    assert {"agreement_review_date", "registration_current", "cpd", "asye_session_number"} <= (
        supervision
    )
    decisions = SUPERVISION_2.field("case_decisions")
    assert "recorded_on_case_file" in {f.key for f in decisions.fields}
    probation = {f.key for f in PROBATION_2.fields()}
    assert {"probation_objectives", "working_relationships_rating", "appeal_lodged"} <= probation
    capability = {f.key for f in CATALOGUE.get("capability", 2).fields()}
    for meeting in ("improvement_note", "final_warning", "hearing", "appeal"):
        assert f"{meeting}_note_taker" in capability


def test_values_stay_hr_placeholders_as_in_the_apr():
    apr_values = [CATALOGUE.get("apr", 1).field(f"value_{i}_rating").label for i in range(1, 6)]
    options = [o.label for o in SUPERVISION_2.field("values_discussed").options]
    assert options == [label for label in apr_values]
    assert SUPERVISION_2.section_of("values_discussed").guidance.startswith("HR configuration:")


def test_social_work_sections_show_only_when_relevant():
    sections = {s.key: s for s in SUPERVISION_2.sections}
    answers = {**SUPERVISION_V2, "social_work": "no"}
    for key, shown in (("no", set()), ("registered", {"reg"}), ("asye", {"reg", "asye"})):
        answers["social_work"] = key
        found = set()
        if validate_visible(sections["social_work_registration"], answers):
            found.add("reg")
        if validate_visible(sections["asye"], answers):
            found.add("asye")
        assert found == shown, key
    # Not a social worker: none of their answers are needed to share.
    plain = {k: v for k, v in SUPERVISION_V2.items() if not k.startswith(("asye", "cpd", "reg"))}
    assert (
        validate(
            SUPERVISION_2, {**plain, "social_work": "no"}, reference=DAY, strict=True, step="share"
        )
        == []
    )
    needed = validate(
        SUPERVISION_2, {**plain, "social_work": "asye"}, reference=DAY, strict=True, step="share"
    )
    assert {p.path for p in needed} >= {"registration_current", "cpd", "asye_week"}


def validate_visible(section, answers) -> bool:
    from lcc_apr.forms import is_visible

    return is_visible(section.visible_when, answers)


# --- the session-length warning -------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "warned"), [(45, True), (89, True), (90, False), (120, False)])
def test_a_session_below_the_minimum_warns_at_or_above_does_not(minutes, warned):
    answers = {**SUPERVISION_V2, "duration_minutes": minutes}
    found = warnings(SUPERVISION_2, answers, limits=LIMIT)
    assert [p.path for p in found] == (["duration_minutes"] if warned else [])
    if warned:
        assert "90 minutes" in found[0].message and "1.5 hours" in found[0].message
    # A warning is never a problem: the record is complete at every step.
    for step in ("share", "employee_sign", "manager_sign"):
        assert validate(SUPERVISION_2, answers, reference=DAY, strict=True, step=step) == []


def test_no_limit_for_this_staff_group_means_no_warning():
    short = {**SUPERVISION_V2, "duration_minutes": 30}
    assert warnings(SUPERVISION_2, short, limits={}) == []
    assert warnings(SUPERVISION_1, {**SUPERVISION, "duration_minutes": 30}, limits=LIMIT) == []


def test_policy_says_which_staff_groups_the_minimum_applies_to():
    minimum = POLICY.supervision.minimum_session
    assert minimum == MinimumSession(90, ("newly_qualified_social_worker", "social_worker"))
    limits = POLICY.supervision.form_limits
    assert limits("Social Worker") == limits("newly qualified social worker") == LIMIT
    assert limits("Senior Practitioner") == LIMIT
    assert limits("Finance Officer") == {}


def test_warn_below_is_checked_when_a_template_loads(tmp_path: Path):
    text = SUPERVISION_2.path.read_text(encoding="utf-8") if SUPERVISION_2.path else ""
    bad = text.replace(
        'key = "attendees"\ntype = "short_text"',
        'key = "attendees"\ntype = "short_text"\nwarn_below = { setting = "x", message = "y" }',
    ).replace('warn_below = { setting = "supervision', 'warn_below = { limit = "supervision')
    bad = bad.replace(
        'key = "asye_week"\ntype = "number"',
        'key = "asye_week"\ntype = "number"\nwarn_below = { setting = "x", message = "{minutes}" }',
    )
    path = tmp_path / "supervision" / "v2.toml"
    path.parent.mkdir()
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        load_template(path)
    problems = "\n".join(err.value.problems)
    assert "(attendees): 'warn_below' only applies to number fields" in problems
    assert "(duration_minutes): 'warn_below' needs exactly a text 'setting'" in problems
    assert "(asye_week): a 'warn_below' message may name only {limit} in braces" in problems


def test_an_unknown_staff_group_in_the_minimum_is_refused(tmp_path: Path):
    text = policy_path().read_text(encoding="utf-8")
    path = tmp_path / "policy.toml"
    path.write_text(text.replace('"social_worker"]', '"social_workers"]'), encoding="utf-8")
    with pytest.raises(PolicyError, match="no group 'social_workers'"):
        load_policy(path)


def test_new_policy_values_are_marked_as_product_defaults():
    text = policy_path().read_text(encoding="utf-8")
    for setting in (
        "[supervision.minimum_session]",
        "appeal_working_days = 10",
        "exempt_internal_movers",
        'key = "social_worker"',
    ):
        before = text[: text.index(setting)]
        comment = before[before.rindex("\n\n") :]
        assert "PRODUCT DEFAULT" in comment, setting
    assert "Standards for Employers of Social Workers" in text
    assert "the People Strategy 2020-24 sets no length" in " ".join(text.replace("#", "").split())


# --- in the editor: warned, never blocked ----------------------------------------------------


@pytest.fixture
def store(demo_store_copy):
    return demo_store_copy


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_new_record_is_written_with_version_2(store, kind):
    from lcc_apr.models import Record

    record_id = start(store, cast_of(store), kind)
    with store.session() as s:
        record = s.get(Record, record_id)
        assert (record.template_id, record.template_version) == (kind.value, 2)


def social_work_policy(job_title: str):
    """The shipped policy with the subject's own job title in the social worker group."""
    groups = tuple(
        dataclasses.replace(g, job_titles=(*g.job_titles, job_title))
        if g.key == "social_worker"
        else g
        for g in POLICY.supervision.groups
    )
    return dataclasses.replace(
        POLICY, supervision=dataclasses.replace(POLICY.supervision, groups=groups)
    )


def test_a_short_session_warns_in_the_editor_and_is_still_signed_off(store):
    cast = cast_of(store)
    with store.session() as s:
        title = s.get(Employee, cast.subject_id).job_title
    policy = social_work_policy(title)
    record_id = start(store, cast, RecordKind.SUPERVISION)
    manager = open_as(store, record_id, cast.manager)
    assert manager.template.version == 2
    from lcc_apr.editing import EditSession

    manager = EditSession(store, record_id, actor=cast.manager, catalogue=CATALOGUE, policy=policy)
    fill(manager, {**SUPERVISION_V2, "duration_minutes": 60})
    assert [w.path for w in manager.warnings()] == ["duration_minutes"]
    assert manager.problems(strict=True, step="share") == []
    assert move_on(manager, "share") == "shared"
    employee = EditSession(
        store, record_id, actor=cast.employee, catalogue=CATALOGUE, policy=policy
    )
    assert [w.path for w in employee.warnings()] == ["duration_minutes"]
    assert move_on(employee, "employee_sign") == "employee_signed"
    boss = EditSession(store, record_id, actor=cast.manager, catalogue=CATALOGUE, policy=policy)
    assert move_on(boss, "manager_sign") == "completed"
    # Without the policy (or for another staff group) there is nothing to warn about.
    assert open_as(store, record_id, cast.manager).warnings() == []


# --- probation: appeal and exemptions --------------------------------------------------------


def test_a_probation_not_passed_records_the_right_of_appeal():
    day = REFERENCE_DATES["probation"]
    assert (
        validate(PROBATION_2, PROBATION_V2_FAILED, reference=day, strict=True, step="hr_close")
        == []
    )
    told = {k: v for k, v in PROBATION_V2_FAILED.items() if k != "appeal_right_given"}
    found = validate(PROBATION_2, told, reference=day, strict=True, step="hr_close")
    assert [p.path for p in found] == ["appeal_right_given"]
    no_reasons = {k: v for k, v in PROBATION_V2_FAILED.items() if k != "appeal_outcome_reasons"}
    found = validate(PROBATION_2, no_reasons, reference=day, strict=True, step="hr_close")
    assert [p.path for p in found] == ["appeal_outcome_reasons"]
    # Appeal fields are HR's, and stay open after sign-off.
    for key in ("appeal_lodged", "appeal_heard_by", "appeal_outcome"):
        assert PROBATION_2.field(key).editable_after_signoff


def test_appeal_policy_is_read():
    assert POLICY.probation.appeal_working_days == 10
    assert "not been involved" in POLICY.probation.appeal_heard_by


def person(**changes) -> PersonFacts:
    base = PersonFacts(
        employee_id=1,
        start_date=date(2019, 5, 1),
        job_title="Finance Officer",
        probation_end_date=date(2026, 12, 20),
        post_start=date(2026, 6, 22),  # moved to this post within the council
    )
    return dataclasses.replace(base, **changes)


def probation_items(facts: PersonFacts, policy=POLICY) -> list[str]:
    return [i.label for i in schedule(facts, policy, date(2026, 11, 30)) if i.kind == "probation"]


def test_internal_movers_are_exempt_from_probation_reviews_by_default():
    mover = person()
    assert mover.internal_mover and probation_items(mover) == []
    newcomer = person(start_date=date(2026, 6, 22))
    assert not newcomer.internal_mover
    assert "Probation ends" in probation_items(newcomer)
    no_posts = person(post_start=None)
    assert "Probation ends" in probation_items(no_posts)


def test_exemptions_follow_the_policy():
    probation = POLICY.probation
    strict = dataclasses.replace(
        POLICY, probation=dataclasses.replace(probation, exempt_internal_movers=False)
    )
    assert "Probation ends" in probation_items(person(), strict)
    by_title = dataclasses.replace(
        POLICY,
        probation=dataclasses.replace(
            probation, exempt_internal_movers=False, exempt_job_titles=("finance officer",)
        ),
    )
    assert probation_items(person(), by_title) == []
    assert probation_items(person(job_title="Social Worker"), by_title) != []


# --- capability: note-takers -----------------------------------------------------------------


def test_each_formal_meeting_needs_its_note_taker():
    template = CATALOGUE.get("capability", 2)
    day = REFERENCE_DATES["capability"]
    for key, step in (
        ("improvement_note_note_taker", "issue_final_warning"),
        ("final_warning_note_taker", "refer_to_hearing"),
        ("hearing_note_taker", "decide_hearing"),
        ("appeal_note_taker", "decide_appeal"),
    ):
        answers = {k: v for k, v in CAPABILITY_V2.items() if k != key}
        found = validate(template, answers, reference=day, strict=True, step=step)
        assert [p.path for p in found] == [key]


def test_probation_objectives_are_carried_to_the_next_review(store):
    cast = cast_of(store)
    first = start(store, cast, RecordKind.PROBATION)
    manager = open_as(store, first, cast.manager)
    manager.set("probation_objectives", PROBATION_V2["probation_objectives"])
    manager.save(at=manager_time())
    second = start(store, cast, RecordKind.PROBATION)
    carried = open_as(store, second, cast.manager).value("probation_objectives")
    assert carried == [
        {k: o[k] for k in ("objective", "standard", "agreed_date")}
        for o in PROBATION_V2["probation_objectives"]
    ]


def manager_time():
    from tests.test_editing import AT

    return AT


def test_the_note_takers_are_printed(tmp_path: Path):
    from lcc_apr.pdf.document import record_document
    from lcc_apr.pdf.render import render_record
    from tests.test_pdf_render import add_record, flat, new_session, pdf_text

    session = new_session()
    record = add_record(session, "capability")
    document = record_document(session, record.id, CATALOGUE)
    assert document.template_version == 2
    words = flat(pdf_text(render_record(document), tmp_path))
    assert words.count("Notes taken by (name and job title)") == 3
    assert "Notes of the appeal meeting taken by (name and job title)" in words
    assert "Helen Brookes, HR Adviser" in words and "Raj Mistry, HR Business Partner" in words
    assert "Capability case form, version 2" in words


def test_the_schedule_reads_an_internal_move_from_the_posts(store, monkeypatch):
    """Both of gather's SQL paths give the primary post's start to those in probation."""
    from sqlalchemy import select, update

    from lcc_apr.models import Post
    from lcc_apr.schedule import due_for
    from lcc_apr.schedule import facts as schedule_facts

    today = date(2026, 11, 30)
    with store.session() as s:
        person = s.scalars(
            select(Employee).where(Employee.probation_end_date > today).order_by(Employee.id)
        ).first()
        assert person is not None
        mine = {"today": today, "employee_ids": [person.id]}
        before = [i.label for i in due_for(s, POLICY, **mine)[person.id] if i.kind == "probation"]
        assert "Probation ends" in before
        in_post = person.start_date  # joined three years before taking this post
        joined = in_post.replace(year=in_post.year - 3)
        s.execute(update(Employee).where(Employee.id == person.id).values(start_date=joined))
        s.execute(update(Post).where(Post.employee_id == person.id).values(start_date=in_post))
    for indexed in (True, False):
        with store.session() as s, monkeypatch.context() as m:
            if not indexed:
                m.setattr(schedule_facts, "_indexed", lambda _session: False)
            facts = schedule_facts.gather(s, **mine)[person.id]
            assert facts.internal_mover, indexed
            items = due_for(s, POLICY, **mine)[person.id]
            assert [i for i in items if i.kind == "probation"] == [], indexed
