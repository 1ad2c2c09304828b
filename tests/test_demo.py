"""The demo organisation: published figures, structure, history and loading."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from lcc_apr.demo import build_organisation, format_summary, generate_history, load_demo, summarise
from lcc_apr.demo.names import ascii_fold, email_local
from lcc_apr.demo.organisation import Organisation
from lcc_apr.demo.profile import (
    DEMO_TARGETS,
    FULL_TIME,
    HEADCOUNT,
    NO_RETURN,
    NOTES,
    PART_TIME,
    PUBLISHED,
    percent_discrepancies,
    targets,
)
from lcc_apr.history import verify_history
from lcc_apr.models import (
    AgeBand,
    Base,
    Ethnicity,
    Record,
    RecordKind,
    Role,
    SexualOrientation,
)

AS_OF = date(2025, 3, 31)
SMALL = 50
COLUMNS = ("sex", "age_band", "ethnicity", "disability", "sexual_orientation")


@pytest.fixture(scope="module")
def full() -> Organisation:
    return build_organisation(seed=2020, size=HEADCOUNT, as_of=AS_OF)


@pytest.fixture(scope="module")
def small() -> Organisation:
    return build_organisation(seed=7, size=SMALL, as_of=AS_OF)


@pytest.fixture(scope="module")
def small_history(small: Organisation) -> list[tuple[dict, dict]]:
    return list(generate_history(small, seed=11, as_of=AS_OF))


def observed(org: Organisation) -> dict[str, Counter]:
    result = {col: Counter(e[col] for e in org.employees) for col in COLUMNS}
    result["working_pattern"] = Counter(
        FULL_TIME if e["fte"] == 1 else PART_TIME for e in org.employees
    )
    return result


# --- the published figures and the rules for their misprints ---------------------------


def test_published_misprints_are_exactly_the_documented_ones() -> None:
    found = {(table, key): (printed, computed) for table, key, printed, computed in
             percent_discrepancies()}  # fmt: skip
    assert found == {
        ("age_band", AgeBand.AGE_20_29): (0.3, 9.0),
        ("sexual_orientation", SexualOrientation.NOT_DECLARED): (35.7, 35.6),
        ("ethnicity", Ethnicity.NOT_DECLARED): (15.3, 15.2),
    }
    assert len(NOTES) >= 5


def test_demo_targets_keep_published_counts_except_where_a_rule_says() -> None:
    assert NO_RETURN == 182
    for table, figures in PUBLISHED.items():
        demo = DEMO_TARGETS[table]
        assert sum(demo.values()) == HEADCOUNT, table
        for key, fig in figures.items():
            if (table, key) == ("ethnicity", Ethnicity.NOT_DECLARED):
                assert fig.count == 957 and demo[key] == 765
            else:
                assert demo[key] == fig.count, (table, key)
    assert DEMO_TARGETS["disability"][None] == DEMO_TARGETS["sexual_orientation"][None] == 182
    assert None not in DEMO_TARGETS["ethnicity"]
    assert targets(HEADCOUNT) == DEMO_TARGETS


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=20_000))
def test_scaled_targets_sum_to_size(size: int) -> None:
    scaled = targets(size)
    assert all(sum(t.values()) == size for t in scaled.values())
    assert scaled["disability"][None] == scaled["sexual_orientation"][None]


def test_small_targets() -> None:
    scaled = targets(SMALL)
    assert all(sum(t.values()) == SMALL for t in scaled.values())
    assert all(v >= 0 for t in scaled.values() for v in t.values())


# --- the organisation --------------------------------------------------------------------


def test_full_organisation_reproduces_every_target(full: Organisation) -> None:
    assert len(full.employees) == HEADCOUNT
    counts = observed(full)
    for table, goal in DEMO_TARGETS.items():
        assert dict(counts[table]) == {k: v for k, v in goal.items() if v}, table
    no_disability = {e["id"] for e in full.employees if e["disability"] is None}
    no_orientation = {e["id"] for e in full.employees if e["sexual_orientation"] is None}
    assert len(no_disability) == 182 and no_disability == no_orientation
    assert counts["ethnicity"][Ethnicity.NOT_DECLARED] == 765
    assert all(e["religion"] is None and e["leaving_date"] is None for e in full.employees)
    assert all(
        Decimal("0.4") <= e["fte"] <= Decimal("0.9") for e in full.employees if e["fte"] != 1
    )


def test_small_organisation_matches_scaled_targets(small: Organisation) -> None:
    counts = observed(small)
    for table, goal in targets(SMALL).items():
        assert dict(counts[table]) == {k: v for k, v in goal.items() if v}, table


def test_small_organisation_has_hr_and_admin(small: Organisation) -> None:
    roles = Counter(r["role"] for r in small.user_roles)
    assert roles[Role.EMPLOYEE] == SMALL and roles[Role.ADMIN] == 1
    assert roles[Role.HR] >= 1 and roles[Role.MANAGER] == len(small.managers()) >= 5


def test_generation_is_deterministic(small: Organisation) -> None:
    again = build_organisation(seed=7, size=SMALL, as_of=AS_OF)
    assert again == small
    other = build_organisation(seed=8, size=SMALL, as_of=AS_OF)
    assert other.employees != small.employees


@pytest.mark.parametrize("org_name", ["full", "small"])
def test_management_chain(org_name: str, request: pytest.FixtureRequest) -> None:
    org: Organisation = request.getfixturevalue(org_name)
    by_id = {e["id"]: e for e in org.employees}
    parent = {d["id"]: d["parent_id"] for d in org.departments}

    def directorate(dept: int) -> int:
        while parent[dept] is not None:
            dept = parent[dept]
        return dept

    roots = [e for e in org.employees if e["line_manager_id"] is None]
    assert [r["id"] for r in roots] == [1]
    reports: Counter[int] = Counter(e["line_manager_id"] for e in org.employees if e["id"] != 1)
    for e in org.employees:
        seen, node = set(), e
        while node["line_manager_id"] is not None:  # every chain ends at the root
            assert node["id"] not in seen
            seen.add(node["id"])
            node = by_id[node["line_manager_id"]]
        assert node["id"] == 1
        boss = by_id.get(e["line_manager_id"])
        if boss is None:
            continue
        assert int(boss["grade"]) > int(e["grade"])
        if boss["id"] != 1:
            assert directorate(boss["department_id"]) == directorate(e["department_id"])
    assert all(4 <= n <= 12 for n in reports.values()), sorted(reports.values())[:3]
    if org.size == HEADCOUNT:
        assert 0.10 <= len(reports) / org.size <= 0.12
        directors = [e for e in org.employees if e["line_manager_id"] == 1]
        assert {e["job_title"] for e in directors} >= {"Director of Public Health"}


def test_identities_are_unique_and_names_diverse(full: Organisation) -> None:
    emails = [e["email"] for e in full.employees]
    usernames = [u["username"] for u in full.users]
    payroll = [e["payroll_number"] for e in full.employees]
    assert len(set(emails)) == len(emails)
    assert len(set(usernames)) == len(usernames)
    assert len(set(payroll)) == len(payroll)
    assert all(len(p) == 8 and p.isdigit() for p in payroll)
    assert all(e.isascii() and e.endswith("@leics.gov.uk") for e in emails)
    assert all(u.isascii() and u == u.lower() for u in usernames)
    names = [f"{e['first_name']} {e['last_name']}" for e in full.employees]
    assert sum(not n.isascii() for n in names) > 50
    assert any(e["preferred_name"] for e in full.employees)
    assert ascii_fold("Łukasz Dvořák Weiß Søren Nguyễn Yıldız") == (
        "Lukasz Dvorak Weiss Soren Nguyen Yildiz"
    )
    assert email_local("Siobhán", "O'Brien") == "siobhan.obrien"


def test_users_roles_and_dates(full: Organisation) -> None:
    roles: defaultdict[int, set[Role]] = defaultdict(set)
    for row in full.user_roles:
        roles[row["user_id"]].add(row["role"])
    managers = set(full.managers())
    for e in full.employees:
        assert Role.EMPLOYEE in roles[e["id"]]
        assert (Role.MANAGER in roles[e["id"]]) == (e["id"] in managers)
        assert e["start_date"] < AS_OF
        if AS_OF - e["start_date"] < timedelta(weeks=26):
            assert e["probation_end_date"] == e["start_date"] + timedelta(weeks=26)
    admin = full.users[-1]
    assert admin["username"] == "admin" and admin["employee_id"] is None
    assert roles[admin["id"]] == {Role.ADMIN}
    hr = sum(Role.HR in r for r in roles.values())
    assert 0.007 * HEADCOUNT <= hr <= 0.015 * HEADCOUNT
    assert all(u["created_at"].tzinfo is UTC for u in full.users)
    recent = sum((AS_OF - e["start_date"]).days <= 365 for e in full.employees)
    assert 200 <= recent <= 700


# --- the history ---------------------------------------------------------------------------


def test_history_is_deterministic(small: Organisation, small_history: list) -> None:
    assert list(generate_history(small, seed=11, as_of=AS_OF)) == small_history
    other = list(generate_history(small, seed=12, as_of=AS_OF))
    assert [r["id"] for r, _ in other] != [r["id"] for r, _ in small_history]


def test_history_content(small: Organisation, small_history: list) -> None:
    by_id = {e["id"]: e for e in small.employees}
    records = [r for r, _ in small_history]
    assert {r["kind"] for r in records} == set(RecordKind)
    per: defaultdict[tuple[int, RecordKind], list[dict]] = defaultdict(list)
    for r in records:
        per[(r["subject_id"], r["kind"])].append(r)
        assert r["record_date"] <= AS_OF and r["created_at"].tzinfo is UTC
        assert r["created_at"].date() == r["record_date"]
        assert None not in r["answers"].values()
        assert r["template_id"] == str(r["kind"]) and r["template_version"] == 1
    carried = 0
    for (eid, kind), rows in per.items():
        start = by_id[eid]["start_date"]
        dates = [r["record_date"] for r in rows]
        if kind == RecordKind.SUPERVISION:
            assert all(28 <= (b - a).days <= 56 for a, b in zip(dates, dates[1:], strict=False))
            for before, after in zip(rows, rows[1:], strict=False):
                assert (
                    after["answers"]["meeting_date"] == before["answers"]["next_supervision_date"]
                )
                old = {a["action"] for a in before["answers"]["new_actions"]}
                carried += sum(
                    a["carried_forward"] and a["action"] in old
                    for a in after["answers"]["new_actions"]
                )
        if kind == RecordKind.APR:
            years = [d.year for d in dates]
            assert len(years) == len(set(years)) <= 5
            assert all(d > start and 4 <= d.month <= 6 for d in dates)
        if kind == RecordKind.PROBATION:
            assert (AS_OF - start).days <= 730
        assert min(dates) >= start
    assert carried > 0
    assert sum(r["kind"] == RecordKind.CAPABILITY for r in records) >= 1
    manager_of = {e["id"]: e["line_manager_id"] for e in small.employees}
    assert all(r["author_id"] in (None, manager_of[r["subject_id"]]) for r in records)


# --- loading -------------------------------------------------------------------------------


def test_load_small_organisation(small: Organisation, small_history: list) -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    seen: list[tuple[str, int]] = []
    with Session(engine) as session:
        loaded = load_demo(
            session,
            small,
            iter(small_history),
            batch_size=500,
            progress=lambda stage, n: seen.append((stage, n)),
        )
        session.flush()
        assert summarise(session) == loaded
        kinds = Counter(str(r["kind"]) for r, _ in small_history)
        assert dict(loaded.records) == {str(k): kinds.get(str(k), 0) for k in RecordKind}
        assert loaded.employees == SMALL and loaded.users == SMALL + 1
        assert loaded.managers == len(small.managers())
        assert ("records", len(small_history)) in seen
        ids = [r["id"] for r, _ in small_history]
        for rid in random.Random(3).sample(ids, 40):
            record = session.get(Record, rid)
            assert record is not None
            assert verify_history(session, record) == []
        stored = session.scalars(select(Record).limit(1)).one()
        assert stored.created_at.tzinfo is not None
        line = format_summary(loaded)
        assert line.startswith(f"Demo organisation: {SMALL} employees in ")
