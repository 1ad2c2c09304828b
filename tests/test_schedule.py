"""Schedules: APR cycle, supervision frequency, probation points and extension, capability."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.history import create_record
from lcc_apr.models import RecordKind
from lcc_apr.models.answers import fact_sql
from lcc_apr.policy import load_policy
from lcc_apr.schedule import DueState, PersonFacts, RecordFact, due_for, schedule
from lcc_apr.store import migrate, plain_engine

from .test_migrations import populate_first_schema

POLICY = load_policy()
TODAY = date(2026, 11, 30)


def person(start=date(2015, 3, 2), title="Librarian", probation_end=None, records=()):
    return PersonFacts(1, start, title, probation_end, None, list(records))


def rec(kind, day, status="completed", rid=None, **answers):
    return RecordFact(rid or f"{kind}-{day}", kind, status, day, answers)


def items(facts, kind, today=TODAY):
    return [(i.label, i.due, i.state) for i in schedule(facts, POLICY, today) if i.kind is kind]


def test_apr_due_in_this_cycle_until_completed():
    assert items(person(), RecordKind.APR, date(2026, 5, 10)) == [
        ("APR 2026/27", date(2026, 6, 30), DueState.DUE_SOON)
    ]
    assert items(person(), RecordKind.APR) == [("APR 2026/27", date(2026, 6, 30), DueState.OVERDUE)]
    draft = person(records=[rec(RecordKind.APR, date(2026, 5, 20), "shared")])
    assert items(draft, RecordKind.APR)[0][0] == "APR 2026/27 (shared)"
    done = person(records=[rec(RecordKind.APR, date(2026, 5, 20))])
    assert items(done, RecordKind.APR) == [("APR 2027/28", date(2027, 6, 30), DueState.OK)]


def test_an_apr_signed_by_the_employee_is_no_longer_due():
    signed = person(records=[rec(RecordKind.APR, date(2026, 5, 20), "employee_signed")])
    assert items(signed, RecordKind.APR) == [("APR 2027/28", date(2027, 6, 30), DueState.OK)]


def test_a_new_starter_has_no_apr_until_the_next_cycle():
    new = person(start=date(2026, 9, 1))
    assert items(new, RecordKind.APR) == [("APR 2027/28", date(2027, 6, 30), DueState.OK)]


def test_supervision_every_four_weeks_or_as_agreed():
    last = rec(RecordKind.SUPERVISION, date(2026, 11, 2))
    assert items(person(records=[last]), RecordKind.SUPERVISION) == [
        ("Next supervision", date(2026, 11, 30), DueState.DUE_SOON)
    ]
    agreed = rec(RecordKind.SUPERVISION, date(2026, 11, 2), next_supervision_date="2026-12-21")
    assert items(person(records=[agreed]), RecordKind.SUPERVISION)[0][1] == date(2026, 12, 21)
    late = rec(RecordKind.SUPERVISION, date(2026, 9, 1))
    assert items(person(records=[late]), RecordKind.SUPERVISION)[0][2] is DueState.OVERDUE


@pytest.mark.parametrize(("last_weeks", "gap_weeks"), [(None, 1), (3, 1), (10, 2), (30, 4)])
def test_newly_qualified_social_workers_are_supervised_more_often(last_weeks, gap_weeks):
    start = date(2026, 1, 5)
    records = []
    if last_weeks is not None:
        records = [
            rec(
                RecordKind.SUPERVISION,
                start + timedelta(weeks=last_weeks),
                next_supervision_date="2027-06-01",
            )
        ]
    nqsw = person(start=start, title="Newly Qualified Social Worker", records=records)
    last = start + timedelta(weeks=last_weeks or 0)
    assert items(nqsw, RecordKind.SUPERVISION)[0][1] == last + timedelta(weeks=gap_weeks)


def test_probation_review_points_and_end():
    start = date(2026, 9, 7)
    p = person(start=start, probation_end=start + timedelta(weeks=26))
    assert items(p, RecordKind.PROBATION) == [
        ("Probation review (week 8)", date(2026, 11, 2), DueState.OVERDUE),
        ("Probation review (week 16)", date(2026, 12, 28), DueState.OK),
        ("Probation review (week 24)", date(2027, 2, 22), DueState.OK),
        ("Probation ends", date(2027, 3, 8), DueState.OK),
    ]
    held = person(
        start=start,
        probation_end=start + timedelta(weeks=26),
        records=[rec(RecordKind.PROBATION, date(2026, 11, 2), review_point_weeks=8)],
    )
    assert [i[0] for i in items(held, RecordKind.PROBATION)][0] == "Probation review (week 16)"


def test_an_extension_moves_the_end_and_the_final_review():
    start = date(2026, 1, 5)
    end = start + timedelta(weeks=26)
    final = rec(
        RecordKind.PROBATION,
        start + timedelta(weeks=24),
        review_point_weeks=24,
        is_final_review=True,
        outcome="extend",
        extension_end_date="2026-08-31",
    )
    reviews = [
        rec(RecordKind.PROBATION, start + timedelta(weeks=w), review_point_weeks=w) for w in (8, 16)
    ] + [final]
    p = person(start=start, probation_end=end, records=reviews)
    assert items(p, RecordKind.PROBATION, date(2026, 8, 10)) == [
        ("Probation review (week 32)", date(2026, 8, 17), DueState.DUE_SOON),
        ("Probation ends", date(2026, 8, 31), DueState.OK),
    ]


def test_a_passed_or_failed_probation_has_nothing_due():
    start = date(2026, 1, 5)
    for outcome in ("pass", "fail"):
        final = rec(
            RecordKind.PROBATION,
            date(2026, 6, 22),
            review_point_weeks=24,
            is_final_review=True,
            outcome=outcome,
        )
        p = person(start=start, probation_end=start + timedelta(weeks=26), records=[final])
        assert items(p, RecordKind.PROBATION) == []


def test_capability_review_and_warning_expiry():
    informal = rec(
        RecordKind.CAPABILITY,
        date(2026, 10, 1),
        "informal",
        meeting_date="2026-10-01",
        review_period_weeks=8,
    )
    assert items(person(records=[informal]), RecordKind.CAPABILITY) == [
        ("Capability review", date(2026, 11, 26), DueState.OVERDUE),
    ]
    case = rec(
        RecordKind.CAPABILITY,
        date(2026, 10, 1),
        "improvement_note",
        meeting_date="2026-06-01",
        review_period_weeks=8,
        improvement_note_review_date="2026-12-10",
        improvement_note_outcome_date="2026-10-02",
    )
    assert items(person(records=[case]), RecordKind.CAPABILITY) == [
        ("Capability review", date(2026, 12, 10), DueState.DUE_SOON),
        ("Improvement note expires", date(2027, 4, 2), DueState.OK),
    ]
    closed = rec(
        RecordKind.CAPABILITY, date(2026, 10, 1), "closed_improved", review_date="2026-12-01"
    )
    assert items(person(records=[closed]), RecordKind.CAPABILITY) == []


def test_due_for_reads_the_store(tmp_path):
    engine = plain_engine(tmp_path / "s.db")
    migrate.upgrade(engine)
    populate_first_schema(engine)
    with Session(engine) as s, s.begin():
        for day, nxt in ((date(2026, 9, 1), None), (date(2026, 11, 10), "2026-12-08")):
            create_record(
                s,
                kind=RecordKind.SUPERVISION,
                subject_id=2,
                author_id=1,
                template_id="supervision",
                template_version=1,
                answers={"next_supervision_date": nxt} if nxt else {},
                status="completed",
                record_date=day,
                at=datetime(2026, 11, 10, tzinfo=UTC),
            )
    with Session(engine) as s:
        due = due_for(s, POLICY, today=TODAY)
    assert set(due) == {1, 2, 3}
    sup = [i for i in due[2] if i.kind is RecordKind.SUPERVISION]
    assert [(i.due, i.state) for i in sup] == [(date(2026, 12, 8), DueState.OK)]  # 8 days away
    never = [i for i in due[3] if i.kind is RecordKind.SUPERVISION]
    assert never[0].state is DueState.OVERDUE
    engine.dispose()


def _facts_by_person(facts):
    return {
        eid: (f.start_date, f.job_title, f.probation_end_date, f.leaving_date, _sorted(f.records))
        for eid, f in facts.items()
    }


def _sorted(records):
    return sorted(records, key=lambda r: (r.kind.value, r.id))


def test_the_indexed_reading_gives_what_the_grouped_query_gave(demo_store_copy, monkeypatch):
    """On SQLite the facts come from migration 0014's covering index; they must equal the
    ones read by the grouped query and the records' answers (the way used before, and
    still used elsewhere), for everyone and for a few, latest-date ties and deletions too."""
    from lcc_apr.history import delete_record
    from lcc_apr.models import Employee
    from lcc_apr.schedule import facts as schedule_facts

    at = datetime(2026, 11, 20, tzinfo=UTC)
    with demo_store_copy.session() as s:
        ids = sorted(s.scalars(select(Employee.id)))
        tied, deleted, undated = ids[:3]

        def supervision(subject, day, nxt):
            return create_record(
                s,
                kind=RecordKind.SUPERVISION,
                subject_id=subject,
                author_id=ids[-1],
                template_id="supervision",
                template_version=1,
                answers={"next_supervision_date": nxt},
                status="completed",
                record_date=day,
                at=at,
            )

        supervision(tied, date(2026, 11, 25), "2026-12-01")  # two on the latest date
        supervision(tied, date(2026, 11, 25), "2027-01-05")
        gone = [
            supervision(deleted, date(2026, 11, 28), "2027-03-01"),
            supervision(tied, date(2026, 11, 25), "2027-04-01"),  # on the latest date
        ]
        s.flush()
        for record in gone:
            delete_record(s, record, user_id=None, at=at)
        supervision(undated, None, "2027-02-01")
    with demo_store_copy.session() as s:
        assert schedule_facts._indexed(s)
        plan = s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT subject_id, "
            f"{fact_sql('next_supervision_date', True)} FROM records WHERE kind = 'supervision'"
            " AND subject_id = 1 AND deleted = 0 AND record_date = '2026-11-25'"
        )
        assert "COVERING INDEX ix_records_schedule_supervision" in " ".join(r[-1] for r in plan)
        for wanted in (None, [tied, deleted, undated, ids[10]], []):
            args = {"today": TODAY, "employee_ids": wanted}
            indexed = schedule_facts.gather(s, **args)
            due = due_for(s, POLICY, **args)
            with monkeypatch.context() as m:
                m.setattr(schedule_facts, "_indexed", lambda _session: False)
                assert _facts_by_person(schedule_facts.gather(s, **args)) == _facts_by_person(
                    indexed
                )
                assert due_for(s, POLICY, **args) == due
        everyone = schedule_facts.gather(s, today=TODAY)
    kinds = {eid: [r.kind for r in f.records] for eid, f in everyone.items()}
    assert kinds[tied].count(RecordKind.SUPERVISION) == 2  # both on the latest date
    assert everyone[deleted].of_kind(RecordKind.SUPERVISION)[-1].record_date < date(2026, 11, 28)


def test_a_probation_record_changed_is_read_again(demo_store_copy):
    """Probation answers are kept between schedules by id and last change: a change to
    them reaches the next schedule, and what is read equals a fresh reading."""
    from lcc_apr.history import update_record
    from lcc_apr.models import Record
    from lcc_apr.schedule import facts as schedule_facts

    with demo_store_copy.session() as s:
        schedule_facts.gather(s, today=TODAY)  # kept
        record = s.scalars(
            select(Record).where(Record.kind == RecordKind.PROBATION, Record.deleted.is_(False))
        ).first()
        subject, rid = record.subject_id, record.id
        answers = {**record.answers, "outcome": "extended", "extension_end_date": "2027-03-31"}
        update_record(
            s, record, user_id=None, at=datetime(2026, 11, 29, tzinfo=UTC), answers=answers
        )
    with demo_store_copy.session() as s:
        after = schedule_facts.gather(s, today=TODAY)
        again = schedule_facts._kept_memo.copy()
        schedule_facts._kept_memo.clear()
        fresh = schedule_facts.gather(s, today=TODAY)
    mine = [r for r in after[subject].records if r.id == rid]
    assert mine[0].answers["extension_end_date"] == "2027-03-31"
    assert mine[0].answers["outcome"] == "extended"
    assert _facts_by_person(after) == _facts_by_person(fresh)
    assert again  # the memo was in use
