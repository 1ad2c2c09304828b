"""Attendance in management information: days lost per FTE, return-to-work interviews on
time and attendance review cases by stage, each on a hand-made organisation against
figures worked out by hand in the comments, with small numbers suppressed (threshold 5)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.mi import measures
from lcc_apr.mi.config import Disclosure, MiConfig
from lcc_apr.mi.table import Filters, Table
from lcc_apr.models import Absence, Department, Employee, Record, RecordKind, Role
from lcc_apr.ops import mi as mi_ops
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import load_policy

from .test_mi import Org, figures

TODAY = date(2026, 11, 30)
YEAR = 2025  # 1 April 2025 to 31 March 2026: 365 days
COUNCIL = "Leicestershire County Council (2025/26)"
FIVE = MiConfig(disclosure=Disclosure(threshold=5))
RTW = dataclasses.replace(default_attendance_policy(), rtw_due_within_days=3)


def off(s: Any, pid: int, first: date, last: date | None, **flags: Any) -> None:
    s.add(
        Absence(
            id=str(uuid.uuid4()),
            employee_id=pid,
            first_day=first,
            last_day=last,
            reason="infection",
            source="manager",
            updated_at=datetime.now(UTC),
            **flags,
        )
    )
    s.flush()


def part_time(s: Any, pid: int, fte: str) -> None:
    s.get(Employee, pid).fte = Decimal(fte)


def board(store: Any, config: MiConfig = FIVE, today: date = TODAY, **kw: Any) -> dict[str, Table]:
    with store.session() as s:
        made = measures.dashboard(
            s,
            filters=Filters(year=YEAR, kind="attendance"),
            policy=load_policy(),
            config=config,
            today=today,
            attendance_policy=RTW,
            **kw,
        )
    return {t.key: t for t in made.tables}


def alpha_absences(s: Any, org: Org) -> None:
    """Alpha: 11 staff in the year, 6 of them absent, 36 FTE days lost."""
    p = [org.person("A1") for _ in range(7)]
    off(s, p[0], date(2025, 5, 1), date(2025, 5, 5))  # 5 days
    off(s, p[1], date(2025, 3, 30), date(2025, 4, 2))  # 1-2 April: 2 days
    off(s, p[2], date(2026, 3, 25), date(2026, 4, 10))  # 25-31 March: 7 days
    off(s, p[3], date(2026, 3, 22), None)  # still off: 22-31 March, 10 days
    off(s, p[4], date(2025, 6, 1), date(2025, 6, 10), disability_related=True)  # 10 days
    off(s, p[5], date(2025, 7, 1), date(2025, 7, 4))  # 4 days at 0.5 FTE: 2 FTE days
    part_time(s, p[5], "0.5")
    withdrawn = date(2025, 9, 1)
    off(s, p[6], withdrawn, date(2025, 9, 30), deleted=True)  # withdrawn: not counted
    org.person("A1", start=date(2025, 10, 1))  # 182 of 365 days in post, never absent
    for _ in range(3):
        org.person("A1")
    gone = org.person("A1", left=date(2025, 3, 1))  # left before the year: not counted
    off(s, gone, date(2025, 2, 1), date(2025, 2, 20))


def test_days_lost_per_fte_by_hand(store):
    with store.session() as s:
        org = Org(s)
        alpha_absences(s, org)
        # Beta: 10 full-time staff, 5 off 1-2 December 2025: 10 days.
        beta = [org.person("B1") for _ in range(10)]
        for pid in beta[:5]:
            off(s, pid, date(2025, 12, 1), date(2025, 12, 2))
        s.commit()
    t = board(store)["attendance_days_lost"]
    assert t.columns == (
        "Staff in the year",
        "People absent",
        "Average FTE",
        "FTE days lost",
        "FTE days lost per FTE",
    )
    # Alpha's FTE: 5 + 0.5 + 3 + 1 (p[6], withdrawn absence) + 182/365 = 9.9986;
    # 36 / 9.9986 = 3.60. Beta: 10 / 10 = 1.0. Council: 46 / 19.9986 = 2.30.
    assert figures(t) == {
        "Alpha": ["11", "6", "10.0", "36", "3.6"],
        "Beta": ["10", "5", "10.0", "10", "1.0"],
        COUNCIL: ["21", "11", "20.0", "46", "2.3"],
    }
    assert t.rows[-1].total and t.chart.column == 4 and not t.chart.percent


def test_days_lost_of_few_people_are_withheld(store):
    with store.session() as s:
        org = Org(s)
        alpha_absences(s, org)
        one, _ = org.person("B1"), org.person("B1")
        off(s, one, date(2025, 12, 1), date(2025, 12, 3))  # one person's 3 days
        s.commit()
    rows = figures(board(store)["attendance_days_lost"])
    # Beta: 2 staff, 1 absent: both hidden; its days never shown. Alpha's 6 absent would
    # give Beta's 1 from the council's 7, so it is hidden too, and its days with it; then
    # Alpha's 11 staff less its 5 not absent would give the 6: hidden, and its FTE.
    assert rows["Beta"] == ["<5", "<5", "withheld", "withheld", "withheld"]
    assert rows["Alpha"] == ["[c]", "[c]", "withheld", "withheld", "withheld"]
    # The council: 13 staff, 7 absent, 11.9986 FTE, 36 + 3 = 39 days: 3.25 per FTE.
    assert rows[COUNCIL] == ["13", "7", "12.0", "39", "3.3"]
    assert not any(cell == "3" for row in rows.values() for cell in row)


def rtw(org: Org, pid: int, met: date, *, deleted: bool = False) -> None:
    rid = org.record(
        pid, RecordKind.RETURN_TO_WORK, "draft", date(2025, 12, 31), meeting_date=met.isoformat()
    )
    org.s.get(Record, rid).deleted = deleted


def test_return_to_work_interviews_on_time_by_hand(store):
    with store.session() as s:
        org = Org(s)
        p = [org.person("A1") for _ in range(11)]
        # Due within 3 days of the return (the day after the last day off).
        off(s, p[0], date(2025, 5, 1), date(2025, 5, 2))
        rtw(org, p[0], date(2025, 5, 5))  # back 3 May, met 5 May: on time (record dated later)
        off(s, p[1], date(2025, 6, 1), date(2025, 6, 2))
        rtw(org, p[1], date(2025, 6, 6))  # back 3 June, due 6 June: on time
        off(s, p[2], date(2025, 7, 1), date(2025, 7, 2))
        rtw(org, p[2], date(2025, 7, 7))  # due 6 July: late
        off(s, p[3], date(2025, 8, 1), date(2025, 8, 2))  # no interview: not held
        # Off again before the interview: the first return's is not held; the second's late.
        off(s, p[4], date(2025, 9, 1), date(2025, 9, 2))
        off(s, p[4], date(2025, 9, 10), date(2025, 9, 11))
        rtw(org, p[4], date(2025, 9, 20))  # back 12 September, due 15th: late
        off(s, p[5], date(2026, 3, 28), date(2026, 3, 30))
        rtw(org, p[5], date(2026, 4, 1))  # back 31 March, met 1 April: on time
        off(s, p[6], date(2025, 3, 30), date(2025, 3, 31))
        rtw(org, p[6], date(2025, 4, 2))  # back 1 April: in the year, on time
        off(s, p[7], date(2025, 3, 29), date(2025, 3, 30))  # back 31 March 2025: last year
        off(s, p[8], date(2025, 11, 1), None)  # still off: no return
        off(s, p[9], date(2025, 10, 1), date(2025, 10, 1))
        rtw(org, p[9], date(2025, 10, 2), deleted=True)  # deleted: not held
        off(s, p[10], date(2025, 10, 1), date(2025, 10, 1))
        rtw(org, p[10], date(2025, 10, 2))  # on time
        s.commit()
    t = board(store)["attendance_rtw"]
    assert t.columns == ("Returns", "On time", "Late", "Not held", "On time (%)")
    # 10 returns: on time p0, p1, p5, p6, p10 (5); late p2, p4 (2); not held p3, p4, p9 (3).
    assert figures(t) == {
        "Alpha": ["10", "5", "<5", "<5", "50.0%"],
        COUNCIL: ["10", "5", "<5", "<5", "50.0%"],
    }
    # At threshold 10 the 5 on time are hidden and the rate withheld.
    strict = figures(board(store, MiConfig())["attendance_rtw"])
    assert strict["Alpha"] == ["10", "<10", "<10", "<10", "withheld"]
    # Another return, 31 March 2026, no interview: due 3 April, not held by 30 November.
    with store.session() as s:
        off(s, p[0], date(2026, 3, 30), date(2026, 3, 30))
        s.commit()
    assert figures(board(store)["attendance_rtw"])["Alpha"] == ["11", "5", "<5", "<5", "45.5%"]
    # On 2 April 2026 it is not due yet: not judged; nor p[5]'s (due 3 April), though held.
    early = figures(board(store, today=date(2026, 4, 2))["attendance_rtw"])
    assert early["Alpha"] == ["9", "<5", "<5", "<5", "withheld"]


def case(org: Org, pid: int, status: str, opened: date, *, deleted: bool = False) -> None:
    rid = org.record(pid, RecordKind.ATTENDANCE, status, opened, stage="informal")
    org.s.get(Record, rid).deleted = deleted


def test_attendance_reviews_by_stage_by_hand(store):
    with store.session() as s:
        org = Org(s)
        for _ in range(5):
            case(org, org.person("A1"), "informal", date(2025, 5, 1))
        for _ in range(5):  # opened last year, still open: counted
            case(org, org.person("A1"), "first_warning", date(2024, 6, 1))
        for status in ("closed_improved", "closed_improved", "accepted", "amending"):
            case(org, org.person("A1"), status, date(2025, 6, 1))
        case(org, org.person("A1"), "appeal_decided", date(2026, 3, 31))
        case(org, org.person("A1"), "closed_improved", date(2024, 6, 1))  # closed, last year
        case(org, org.person("A1"), "informal", date(2026, 5, 1))  # opened after the year
        case(org, org.person("A1"), "informal", date(2025, 5, 1), deleted=True)
        s.commit()
    t = board(store)["attendance_stages"]
    assert t.columns == (
        "All cases",
        "Informal",
        "First written warning",
        "Final written warning",
        "Final hearing",
        "Appeal",
        "Closed",
    )
    assert figures(t)["Alpha"] == ["15", "5", "5", "0", "0", "0", "5"]
    assert figures(t)[COUNCIL] == ["15", "5", "5", "0", "0", "0", "5"]


def test_a_single_attendance_review_is_never_shown(store):
    with store.session() as s:
        org = Org(s)
        for _ in range(6):
            case(org, org.person("A1"), "informal", date(2025, 5, 1))
        case(org, org.person("B1"), "informal", date(2025, 5, 1))
        s.commit()
    rows = figures(board(store)["attendance_stages"])
    assert rows["Beta"][:2] == ["<5", "<5"]
    # Alpha's 6 and the council's 7 would give Beta's 1: one of them is hidden.
    assert "[c]" in (rows["Alpha"][1], rows[COUNCIL][1])
    assert not any(cell == "1" for row in rows.values() for cell in row)


def test_a_manager_counts_only_their_direct_reports(store):
    with store.session() as s:
        org = Org(s)
        direct = [org.person("A1") for _ in range(5)]
        further = org.person("A1")
        for pid in direct:
            off(s, pid, date(2025, 5, 1), date(2025, 5, 2))
        off(s, further, date(2025, 5, 1), date(2025, 5, 30))
        s.commit()
    mine = [*direct, further]
    rows = figures(
        board(store, people=Employee.id.in_(mine), cases_of=direct)["attendance_days_lost"]
    )
    # Five direct reports, two days each: 10 over 5 FTE; the report's report not counted.
    assert rows["My area (2025/26)"] == ["5", "5", "5.0", "10", "2.0"]


def test_no_attendance_in_the_year_gives_plain_messages(store):
    with store.session() as s:
        Org(s)
        s.add(Department(id=9, code="C", name="Gamma"))
        s.commit()
    for table in board(store).values():
        assert table.empty and table.message, table.key


def test_on_the_laptop_a_manager_counts_only_their_direct_reports(store):
    with store.session() as s:
        org = Org(s)
        boss = org.person("A1")
        direct = [org.person("A1") for _ in range(5)]
        further = org.person("A1")
        for pid in direct:
            s.get(Employee, pid).line_manager_id = boss
            off(s, pid, date(2025, 5, 1), date(2025, 5, 2))
        s.get(Employee, further).line_manager_id = direct[0]
        off(s, further, date(2025, 5, 1), date(2025, 5, 30))
        s.commit()
    policy = load_policy()
    deep = dataclasses.replace(
        policy, people=dataclasses.replace(policy.people, indirect_reports=True)
    )
    user = CurrentUser(1, "Boss", frozenset({Role.MANAGER}), employee_id=boss)
    made = mi_ops.dashboard(
        store,
        user=user,
        filters=Filters(year=YEAR, kind="attendance"),
        policy=deep,
        today=TODAY,
        config=FIVE,
    )
    rows = figures(made.tables[0])
    # The report's report is in the manager's area but not counted: 5 people, 10 days.
    assert rows["My area (2025/26)"] == ["5", "5", "5.0", "10", "2.0"]
