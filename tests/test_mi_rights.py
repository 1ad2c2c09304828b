"""Management information's rights and audit on a live server (SQLite; PostgreSQL too with
LCC_APR_TEST_PG_URL): GET /mi/choices and GET /mi/dashboard answer HR the whole council,
a manager their own people only, staff 403, strangers 401; bad filters a plain 422 or 404;
every dashboard read is audited with ids and the year, never a name."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lcc_apr.mi.config import load_mi_config
from lcc_apr.mi.equality import VIEWS
from lcc_apr.mi.table import Filters
from lcc_apr.models import Department, Employee, User
from lcc_apr.ops import mi as ops_mi
from lcc_apr.ops.audit import audit_entries, audit_path
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import load_policy
from lcc_apr.schedule.rules import cycle_window
from lcc_apr.server import miview
from lcc_apr.server.tables import AuditEntry
from lcc_apr.sync.miwire import MiChoicesReply, MiDashboardReply
from tests.server.conftest import (  # noqa: F401 - fixtures, found by name
    live_server,
    live_server_factory,
    server_template,
    server_workspace,
    shared_uvicorn,
)
from tests.server.harness import DemoUser, LiveServer

YEAR = 2025
ROUTES = ("/mi/choices", f"/mi/dashboard?year={YEAR}")


def eligible_for_apr(live: LiveServer, only: set[int] | None) -> int:
    """People due an APR in YEAR, counted here from the employees table: in post on the
    deadline and started at least `starter_days` before it."""
    rules = load_mi_config().apr
    deadline = cycle_window(YEAR, load_policy())[1] + timedelta(days=rules.deadline_grace_days)
    starters = deadline - timedelta(days=rules.starter_days)
    with live.session() as session:
        rows = session.execute(select(Employee.id, Employee.start_date, Employee.leaving_date))
        return sum(
            1
            for pid, start, left in rows
            if (only is None or pid in only)
            and start <= starters
            and (left is None or left >= deadline)
        )


def eligible_total(reply: dict) -> float:
    (table,) = [t for t in reply["tables"] if t["key"] == "apr_completion"]
    assert table["columns"][0] == "Eligible"
    (margin,) = [r for r in table["rows"] if r["total"]]
    return margin["cells"][0]["value"]


def busiest_manager(live: LiveServer) -> DemoUser:
    """The manager (not HR) with the most people due an APR."""
    return max(
        live.people.managers,
        key=lambda m: eligible_for_apr(live, {r.employee_id or 0 for r in live.people.reports(m)}),
    )


def audit_rows(live: LiveServer, event: str) -> list[tuple]:
    with live.session() as session:
        stmt = select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.id)
        return [(e.at, e.user_id, e.event, e.route, e.outcome) for e in session.scalars(stmt)]


def test_hr_sees_the_council_with_equality_monitoring(live_server: LiveServer):  # noqa: F811
    hr = live_server.login(live_server.people.hr[0].username).client
    choices = MiChoicesReply.model_validate(hr.get("/mi/choices").raise_for_status().json())
    assert choices.council
    assert "equality" in [k.key for k in choices.kinds]
    with live_server.session() as session:
        departments = set(session.scalars(select(Department.id)))
    assert {a.id for a in choices.areas} == {None} | departments
    reply = hr.get("/mi/dashboard", params={"year": YEAR}).raise_for_status().json()
    board = MiDashboardReply.model_validate(reply)
    keys = [t.key for t in board.tables]
    assert {"apr_completion", "supervision_on_time", "capability_stages"} <= set(keys)
    assert set(VIEWS) <= set(keys)
    assert eligible_total(reply) == eligible_for_apr(live_server, None) > 0
    one = hr.get("/mi/dashboard", params={"year": YEAR, "kind": "equality"}).json()
    assert [t["key"] for t in one["tables"]] == list(VIEWS)


def test_a_manager_sees_only_their_own_people(live_server: LiveServer):  # noqa: F811
    manager = busiest_manager(live_server)
    client = live_server.login(manager.username).client
    choices = client.get("/mi/choices").raise_for_status().json()
    assert not choices["council"]
    assert choices["areas"] == [{"id": None, "label": "My area"}]
    assert "equality" not in [k["key"] for k in choices["kinds"]]
    reply = client.get("/mi/dashboard", params={"year": YEAR}).raise_for_status().json()
    MiDashboardReply.model_validate(reply)
    assert not {t["key"] for t in reply["tables"]} & set(VIEWS)
    with live_server.session() as session:
        mine = set(
            session.scalars(
                select(Employee.id).where(Employee.line_manager_id == manager.employee_id)
            )
        ) - {manager.employee_id}
    expected = eligible_for_apr(live_server, mine)
    assert expected > 0
    assert eligible_total(reply) == expected < eligible_for_apr(live_server, None)


@pytest.mark.parametrize(
    "query, code",
    [({"department_id": 1}, "own_area_only"), ({"kind": "equality"}, "hr_only")],
)
def test_a_manager_is_refused_a_department_or_equality(
    live_server: LiveServer,  # noqa: F811
    query: dict,
    code: str,
):
    manager = live_server.people.managers[0]
    client = live_server.login(manager.username).client
    answer = client.get("/mi/dashboard", params={"year": YEAR, **query})
    assert answer.status_code == 403
    assert answer.json()["code"] == code
    ((_at, user_id, _e, route, outcome),) = audit_rows(live_server, miview.DASHBOARD)
    assert (user_id, outcome) == (manager.id, f"refused:{code}")
    assert route.startswith("/mi/dashboard?year=2025&")


@pytest.mark.parametrize("route", ROUTES)
def test_staff_are_refused(live_server: LiveServer, route: str):  # noqa: F811
    staff = live_server.login(live_server.people.employees[0].username).client
    answer = staff.get(route)
    assert answer.status_code == 403
    assert answer.json() == {"detail": miview.MI_ONLY, "code": "mi_refused"}


@pytest.mark.parametrize("route", ROUTES)
def test_strangers_must_sign_in(live_server: LiveServer, route: str):  # noqa: F811
    assert live_server.client().get(route).status_code == 401


@pytest.mark.parametrize(
    "query, status",
    [
        ({"year": 1800}, 422),
        ({"year": 99999}, 422),
        ({"year": "last"}, 422),
        ({}, 422),
        ({"year": YEAR, "kind": "nonsense"}, 422),
        ({"year": YEAR, "department_id": 0}, 422),
        ({"year": YEAR, "department_id": 2**40}, 422),
        ({"year": YEAR, "department_id": 999_999}, 404),
    ],
)
def test_bad_filters_get_a_plain_answer(
    live_server: LiveServer,  # noqa: F811
    query: dict,
    status: int,
):
    hr = live_server.login(live_server.people.hr[0].username).client
    answer = hr.get("/mi/dashboard", params=query)
    assert answer.status_code == status
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and "Traceback" not in detail
    if status == 404:
        assert detail == miview.NO_AREA


def test_the_audit_of_a_read_holds_ids_and_the_year_never_a_name(
    live_server: LiveServer,  # noqa: F811
):
    hr = live_server.people.hr[0]
    client = live_server.login(hr.username).client
    with live_server.session() as session:
        department = session.scalars(select(Department.id).order_by(Department.id)).first()
        names = session.execute(select(Employee.first_name, Employee.last_name)).all()
    client.get("/mi/dashboard", params={"year": YEAR}).raise_for_status()
    asked = {"year": YEAR, "department_id": department, "kind": "capability"}
    client.get("/mi/dashboard", params=asked).raise_for_status()
    rows = audit_rows(live_server, miview.DASHBOARD)
    assert [(r[1], r[3], r[4]) for r in rows] == [
        (hr.id, "/mi/dashboard?year=2025&department_id=0&kind=all", "ok"),
        (hr.id, f"/mi/dashboard?year=2025&department_id={department}&kind=capability", "ok"),
    ]
    words = set(re.findall(r"[^\W\d_]+", " ".join(str(v) for row in rows for v in row).lower()))
    every_name = set(re.findall(r"[^\W\d_]+", " ".join(f"{f} {n}" for f, n in names).lower()))
    assert len(every_name) > 40
    assert not words & every_name


def test_indirect_reports_count_but_never_their_capability_cases(
    live_server_factory,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
):
    live = live_server_factory(indirect_reports=True)
    people = live.people

    def below(m: DemoUser) -> set[int]:
        return {r.employee_id for r in people.reports(m)}

    manager = next(m for m in people.managers if any(people.reports(r) for r in people.reports(m)))
    direct = below(manager)
    indirect = {e for r in people.reports(manager) for e in below(r)} - direct
    seen: dict = {}
    real = miview.measures.dashboard

    def spy(session, **kw):
        seen.update(kw)
        return real(session, **kw)

    monkeypatch.setattr(miview.measures, "dashboard", spy)
    client = live.login(manager.username).client
    client.get("/mi/dashboard", params={"year": YEAR}).raise_for_status()
    assert indirect and seen["exclude_id"] == manager.employee_id
    assert set(seen["people"].right.value) == direct | indirect
    assert set(seen["cases_of"]) == direct


AUDIT_KEYS = {"at", "user_id", "event", "view", "format", "sha256", "year", "department_id", "kind"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "png", "pack"])
def test_a_desktop_export_is_audited_with_its_files_digest_and_nothing_personal(
    demo_store_copy, tmp_path: Path, fmt: str
):
    store = demo_store_copy
    with store.session() as session:
        hr = CurrentUser.from_user(
            session.scalars(select(User).where(User.username == "btebbutt")).one()
        )
        department = session.scalars(select(Department.id).order_by(Department.id)).first()
        names = session.execute(select(Employee.first_name, Employee.last_name)).all()
    filters = Filters(YEAR, department, "apr")
    board = ops_mi.dashboard(
        store, user=hr, filters=filters, policy=load_policy(), today=date(2026, 11, 30)
    )
    path = tmp_path / f"export.{'pdf' if fmt == 'pack' else fmt}"
    if fmt == "pack":
        digest = ops_mi.export_pack(store, user=hr, board=board, path=path)
    else:
        table = board.tables[0]
        digest = ops_mi.export_view(
            store, user=hr, table=table, fmt=fmt, path=path, filters=filters
        )
    (entry,) = audit_entries(store)
    assert set(entry) == AUDIT_KEYS
    assert entry["sha256"] == digest == hashlib.sha256(path.read_bytes()).hexdigest()
    view = "pack" if fmt == "pack" else "apr_completion"
    assert (entry["user_id"], entry["event"], entry["view"]) == (hr.user_id, "mi_exported", view)
    assert (entry["year"], entry["department_id"], entry["kind"]) == (YEAR, department, "apr")
    assert entry["format"] == ("pdf" if fmt == "pack" else fmt)
    line = audit_path(store).read_text(encoding="utf-8").replace(digest, "").lower()
    words = set(re.findall(r"[^\W\d_]+", line))
    every_name = set(re.findall(r"[^\W\d_]+", " ".join(f"{f} {n}" for f, n in names).lower()))
    assert not words & every_name and "export" not in line.replace("mi_exported", "")


def test_the_server_answers_the_attendance_views(live_server: LiveServer):  # noqa: F811
    hr = live_server.login(live_server.people.hr[0].username).client
    kinds = hr.get("/mi/choices").raise_for_status().json()["kinds"]
    assert "attendance" in [k["key"] for k in kinds]
    reply = hr.get("/mi/dashboard", params={"year": YEAR, "kind": "attendance"})
    board = MiDashboardReply.model_validate(reply.raise_for_status().json())
    assert [t.key for t in board.tables] == [
        "attendance_days_lost",
        "attendance_rtw",
        "attendance_stages",
    ]
    manager = busiest_manager(live_server)
    mine = live_server.login(manager.username).client
    answer = mine.get("/mi/dashboard", params={"year": YEAR, "kind": "attendance"})
    assert answer.status_code == 200 and len(answer.json()["tables"]) == 3
