"""Absence episodes recorded offline on a manager's laptop reach the server and HR's laptop;
the server checks them again and keeps each user to their scope (lcc_apr.server.absences)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import delete, select

from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.models import Absence
from lcc_apr.ops.absences import (
    absences_of,
    correct_absence,
    end_absence,
    record_absence,
    withdraw_absence,
)
from lcc_apr.ops.user import CurrentUser
from lcc_apr.server.tables import AuditEntry

from .test_client_sync import device  # noqa: F401 (fixture)

POLICY = default_attendance_policy()
TODAY = date.today()


def me(connection) -> CurrentUser:
    return CurrentUser.from_server(connection.user.model_dump())


def clear(live_server) -> None:
    with live_server.session() as s:
        s.execute(delete(Absence))


def held(laptop) -> dict[str, tuple]:
    with laptop.store.session() as s:
        return {
            a.id: (a.employee_id, a.first_day, a.last_day, a.reason, a.dirty)
            for a in s.scalars(select(Absence))
        }


def test_an_episode_recorded_offline_reaches_the_server_and_hr(live_server, device):  # noqa: F811
    clear(live_server)
    manager = live_server.people.managers[0]
    report = live_server.people.reports(manager)[0]
    laptop = device(manager.username, name="manager")
    laptop.sync()
    user = me(laptop.connection)
    first = TODAY - timedelta(days=10)
    saved = record_absence(
        laptop.store,
        user=user,
        employee_id=report.employee_id,
        first_day=first,
        reason="infection",
        disability_related=True,
        today=TODAY,
        policy=POLICY,
    )
    assert saved.changes.unsent and report.employee_id in saved.changes.people
    assert held(laptop)[saved.absence_id][-1] is True  # waits to be sent
    result = laptop.sync()
    assert result.absences_sent == 1 and result.refused == []
    assert held(laptop)[saved.absence_id][-1] is False
    with live_server.session() as s:
        row = s.get(Absence, saved.absence_id)
        assert (row.employee_id, row.first_day, row.last_day) == (report.employee_id, first, None)
        assert row.disability_related and row.server_rev == 1
        audited = s.scalars(select(AuditEntry).where(AuditEntry.event == "absence_push")).all()
        assert [(a.outcome, a.subject_id) for a in audited] == [("applied", report.employee_id)]

    hr = device(live_server.people.hr[0].username, name="hr")
    hr.sync()
    assert held(hr)[saved.absence_id][:4] == (report.employee_id, first, None, "infection")

    # The manager ends it; HR's laptop sees the last day after the next syncs.
    end_absence(
        laptop.store,
        user=user,
        absence_id=saved.absence_id,
        last_day=TODAY - timedelta(days=2),
        today=TODAY,
        policy=POLICY,
    )
    laptop.sync()
    hr.sync()
    assert held(hr)[saved.absence_id][2] == TODAY - timedelta(days=2)

    # The employee sees their own; another manager sees none of it.
    own = device(report.username, name="own")
    own.sync()
    assert set(held(own)) == {saved.absence_id}
    other = next(
        m
        for m in live_server.people.managers
        if m.id not in (manager.id, report.id)
        and report.employee_id not in {r.employee_id for r in live_server.people.reports(m)}
    )
    stranger = device(other.username, name="other")
    stranger.sync()
    assert saved.absence_id not in held(stranger)

    # Withdrawn (recorded in error): withdrawn on HR's laptop too after the syncs.
    withdraw_absence(laptop.store, user=user, absence_id=saved.absence_id)
    laptop.sync()
    hr.sync()
    assert absences_of(hr.store, employee_id=report.employee_id, policy=POLICY) == ()


def test_an_edit_from_a_stale_version_is_refused_and_the_servers_kept(live_server, device):  # noqa: F811
    clear(live_server)
    manager = live_server.people.managers[0]
    report = live_server.people.reports(manager)[0]
    laptop = device(manager.username, name="manager")
    laptop.sync()
    user = me(laptop.connection)
    saved = record_absence(
        laptop.store,
        user=user,
        employee_id=report.employee_id,
        first_day=TODAY - timedelta(days=20),
        last_day=TODAY - timedelta(days=18),
        reason="stomach",
        today=TODAY,
        policy=POLICY,
    )
    laptop.sync()
    with live_server.session() as s:  # HR's import changed it meanwhile
        row = s.get(Absence, saved.absence_id)
        row.last_day, row.server_rev = TODAY - timedelta(days=15), 2
    correct_absence(
        laptop.store,
        user=user,
        absence_id=saved.absence_id,
        first_day=TODAY - timedelta(days=20),
        last_day=TODAY - timedelta(days=19),
        reason="stomach",
        disability_related=False,
        pregnancy_related=False,
        today=TODAY,
        policy=POLICY,
    )
    result = laptop.sync()
    assert len(result.refused) == 1 and "changed on the server" in result.refused[0]
    assert held(laptop)[saved.absence_id][2:] == (TODAY - timedelta(days=15), "stomach", False)


def test_the_server_checks_pushes_again_and_keeps_managers_to_their_reports(live_server):
    clear(live_server)
    manager = live_server.people.managers[0]
    report = live_server.people.reports(manager)[0]
    outsider = next(e for e in live_server.people.employees if e.manager_id != manager.employee_id)
    signed = live_server.login(manager.username)

    def wire(employee_id: int, first: date, last: date | None) -> dict:
        return {
            "id": str(uuid.uuid4()),
            "employee_id": employee_id,
            "first_day": first.isoformat(),
            "last_day": last.isoformat() if last else None,
            "reason": "injury",
        }

    body = {
        "absences": [
            wire(outsider.employee_id, TODAY, None),
            wire(report.employee_id, TODAY - timedelta(days=3), TODAY - timedelta(days=5)),
            wire(report.employee_id, TODAY + timedelta(days=3), None),
            wire(report.employee_id, TODAY - timedelta(days=9), TODAY - timedelta(days=7)),
            wire(report.employee_id, TODAY - timedelta(days=8), None),
        ]
    }
    reply = signed.client.post("/absences", json=body)
    assert reply.status_code == 200
    outcomes = [(r["outcome"], r.get("reason") or "") for r in reply.json()["results"]]
    assert outcomes[0] == (
        "refused",
        "You can record absences only for the people you line manage.",
    )
    assert "before the first day" in outcomes[1][1]
    assert "after today" in outcomes[2][1]
    assert outcomes[3][0] == "applied"
    assert "overlaps" in outcomes[4][1]
    with live_server.session() as s:
        assert len(s.scalars(select(Absence)).all()) == 1
    listed = signed.client.get("/absences").json()["absences"]
    assert [a["employee_id"] for a in listed] == [report.employee_id]


def test_hr_pushing_for_someone_who_does_not_exist_is_refused_not_a_server_error(live_server):
    """The API fuzzer's find: HR may write for anyone, but a withdrawn episode about an
    employee id nobody has reached the database and failed its foreign key (a 500)."""
    clear(live_server)
    hr = live_server.login(live_server.people.hr[0].username)
    nobody = max(e.employee_id for e in live_server.people.employees if e.employee_id) + 1000
    for deleted in (True, False):
        episode = {
            "id": str(uuid.uuid4()),
            "employee_id": nobody,
            "first_day": (TODAY - timedelta(days=3)).isoformat(),
            "last_day": (TODAY - timedelta(days=2)).isoformat(),
            "reason": "injury",
            "deleted": deleted,
        }
        reply = hr.client.post("/absences", json={"absences": [episode]})
        assert reply.status_code == 200, reply.text
        (result,) = reply.json()["results"]
        assert result["outcome"] == "refused" and "no such person" in result["reason"]
    with live_server.session() as s:
        assert s.scalars(select(Absence)).all() == []
