"""GET /absences by change (lcc_apr.server.absences.changed_since): a laptop's later pulls
bring only what changed since its cursor, removals included, the scope rules as a whole
pull's; the whole list on a first pull, a new epoch, another view or a change of sight."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, text

from lcc_apr.models import Absence, Employee, SyncState
from lcc_apr.server import absences as service
from lcc_apr.server import sequence
from lcc_apr.server.org import move_employee

from .test_absence_sync import held
from .test_client_sync import device  # noqa: F401 (fixture)

TODAY = date.today()


def clear(live_server) -> None:
    with live_server.session() as s:
        s.execute(delete(Absence))


def episode(employee_id: int, days_ago: int, **more) -> dict:
    first = TODAY - timedelta(days=days_ago)
    return {
        "id": str(uuid.uuid4()),
        "employee_id": employee_id,
        "first_day": first.isoformat(),
        "last_day": (first + timedelta(days=1)).isoformat(),
        "reason": "injury",
        **more,
    }


def push(signed, *episodes: dict) -> list[dict]:
    reply = signed.client.post("/absences", json={"absences": list(episodes)})
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [r["outcome"] for r in results] == ["applied"] * len(episodes), results
    return results


def pull(signed, last: dict | None = None) -> dict:
    params = {"cursor": 0}
    if last is not None:
        params = {k: last[k] for k in ("cursor", "epoch", "view")}
    reply = signed.client.get("/absences", params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def team(live_server):
    manager = live_server.people.managers[0]
    return manager, [r.employee_id for r in live_server.people.reports(manager)]


def test_a_later_pull_brings_only_what_changed_and_an_older_laptop_the_whole_list(live_server):
    clear(live_server)
    manager, reports = team(live_server)
    boss = live_server.login(manager.username)
    hr = live_server.login(live_server.people.hr[0].username)
    kept, changed = episode(reports[0], 30), episode(reports[0], 20)
    push(boss, kept, changed)

    first = pull(hr)
    assert first["full"] and first["view"] == "hr" and first["removed"] == []
    assert {a["id"] for a in first["absences"]} == {kept["id"], changed["id"]}
    again = pull(hr, first)
    assert (again["full"], again["absences"], again["removed"]) == (False, [], [])
    assert again["cursor"] >= first["cursor"]

    # Ended later, then withdrawn: the one episode comes, withdrawn (the laptop hides it).
    (result,) = push(boss, {**changed, "last_day": None, "base_rev": 1})
    later = pull(hr, again)
    assert not later["full"] and [a["id"] for a in later["absences"]] == [changed["id"]]
    push(boss, {**changed, "last_day": None, "deleted": True, "base_rev": result["server_rev"]})
    last = pull(hr, later)
    assert [(a["id"], a["deleted"]) for a in last["absences"]] == [(changed["id"], True)]

    # An older laptop sends no cursor: the whole list, in the shape it knows.
    whole = hr.client.get("/absences").json()
    assert set(whole) == {"absences"} and len(whole["absences"]) == 2


def test_removals_reach_those_who_may_see_them_and_no_one_else(live_server):
    clear(live_server)
    manager, reports = team(live_server)
    boss = live_server.login(manager.username)
    other = next(
        m
        for m in live_server.people.managers
        if m.id != manager.id
        and m.employee_id not in reports
        and not set(reports) & {r.employee_id for r in live_server.people.reports(m)}
    )
    stranger = live_server.login(other.username)
    mine = pull(boss)
    theirs = pull(stranger)
    gone = episode(reports[0], 12)
    push(boss, gone)
    seen = pull(boss, mine)
    assert [a["id"] for a in seen["absences"]] == [gone["id"]]
    with live_server.session() as s:
        assert service.purge(s, [gone["id"]]) == 1
    after = pull(boss, seen)
    assert (after["full"], after["absences"], after["removed"]) == (False, [], [gone["id"]])
    # Another manager's pulls never name it, changed or removed.
    outside = pull(stranger, theirs)
    assert (outside["full"], outside["absences"], outside["removed"]) == (False, [], [])


def test_a_change_of_sight_a_new_epoch_or_another_view_brings_the_whole_list(live_server):
    clear(live_server)
    manager, reports = team(live_server)
    boss = live_server.login(manager.username)
    hr = live_server.login(live_server.people.hr[0].username)
    newcomer = next(
        e for e in live_server.people.employees if e.manager_id not in (None, manager.employee_id)
    )
    before = episode(newcomer.employee_id, 40)
    push(hr, before)  # recorded before they move: numbered below the manager's cursor
    last = pull(boss)
    assert before["id"] not in {a["id"] for a in last["absences"]}
    with live_server.session() as s:
        move_employee(s, newcomer.employee_id, manager.employee_id, indirect_reports=False)
    moved = pull(boss, last)
    assert moved["full"] and before["id"] in {a["id"] for a in moved["absences"]}
    assert not pull(boss, moved)["full"]
    with live_server.session() as s:  # and away again: the whole list, without them
        move_employee(s, newcomer.employee_id, newcomer.manager_id, indirect_reports=False)
    away = pull(boss, moved)
    assert away["full"] and before["id"] not in {a["id"] for a in away["absences"]}
    moved = pull(boss, away)
    assert not moved["full"]

    with live_server.session() as s:
        sequence.new_epoch(s)
    assert pull(boss, moved)["full"]
    hr_last = pull(hr)
    assert pull(hr, {**hr_last, "view": "team"})["full"]  # a view it was not: whole again
    assert pull(hr, {**hr_last, "cursor": hr_last["cursor"] + 5})["full"]  # ahead: whole


def test_an_hr_import_reaches_a_laptop_pulling_by_change(live_server, tmp_path):
    from lcc_apr.attendance.policy import default_attendance_policy
    from lcc_apr.server.absence_import import import_absences

    clear(live_server)
    hr = live_server.login(live_server.people.hr[0].username)
    last = pull(hr)
    with live_server.session() as s:
        person_id, payroll = s.execute(
            select(Employee.id, Employee.payroll_number).order_by(Employee.id).offset(1)
        ).first()
    path = tmp_path / "absences.csv"
    path.write_text(
        "Payroll number,First day,Last day,Absence reason,Disability related\n"
        f"{payroll},2026-01-12,2026-01-14,Flu,N\n"
    )
    run = import_absences(
        live_server.engine,
        path,
        policy=default_attendance_policy(),
        today=date(2026, 11, 30),
        dry_run=False,
    )
    assert run.applied, run.problems
    came = pull(hr, last)
    assert not came["full"]
    assert [(a["employee_id"], a["source"]) for a in came["absences"]] == [(person_id, "hr_import")]


def test_a_laptop_pulling_by_change_holds_what_a_whole_pull_holds(live_server, device):  # noqa: F811
    clear(live_server)
    manager, reports = team(live_server)
    boss = live_server.login(manager.username)
    hr = device(live_server.people.hr[0].username, name="hr")
    hr.sync()
    with hr.store.session() as s:
        cursor = s.get(SyncState, 1).absence_cursor
    assert cursor is not None
    a, b, c = episode(reports[0], 50), episode(reports[0], 40), episode(reports[1], 30)
    push(boss, a, b, c)
    hr.sync()
    longer = (TODAY - timedelta(days=47)).isoformat()
    push(boss, {**a, "last_day": longer, "base_rev": 1})
    push(boss, {**b, "deleted": True, "base_rev": 1})
    with live_server.session() as s:
        service.purge(s, [c["id"]])
    result = hr.sync()
    assert result.absences_changed == 3
    assert set(held(hr)) == {a["id"], b["id"]}
    fresh = device(live_server.people.hr[0].username, name="fresh")
    fresh.sync()
    assert held(hr) == held(fresh)
    with hr.store.session() as s:
        assert s.get(SyncState, 1).absence_cursor > cursor
        assert s.get(Absence, a["id"]).last_day == TODAY - timedelta(days=47)
        assert s.get(Absence, b["id"]).deleted


def test_an_account_wiped_forgets_its_absences_and_where_its_pull_stood(live_server, device):  # noqa: F811
    clear(live_server)
    manager, reports = team(live_server)
    push(live_server.login(manager.username), episode(reports[0], 9))
    laptop = device(manager.username, name="wiped")
    laptop.sync()
    assert held(laptop)
    laptop.engine.wipe()
    with laptop.store.session() as s:
        assert s.scalars(select(Absence)).all() == []
        state = s.get(SyncState, 1)
        assert (state.absence_cursor, state.absence_epoch, state.absence_view) == (None,) * 3


def test_episodes_held_before_the_feed_are_numbered_0_and_a_server_at_s0012_upgrades(db_engine):
    from alembic import command
    from sqlalchemy import insert, inspect

    from lcc_apr.models import Department
    from lcc_apr.server import db
    from lcc_apr.store import migrate

    db.prepare_database(db_engine)
    db.downgrade_server_tables(db_engine, "s0012")
    with db_engine.begin() as c:
        command.downgrade(migrate._config(c), "0020")
    with db_engine.begin() as c:
        c.execute(insert(Department.__table__), [{"id": 1, "code": "AC", "name": "Adults"}])
        c.execute(
            insert(Employee.__table__),
            [
                {
                    "id": 1,
                    "payroll_number": "10000001",
                    "first_name": "A",
                    "last_name": "B",
                    "job_title": "Social Worker",
                    "grade": "8",
                    "department_id": 1,
                    "start_date": date(2020, 1, 1),
                    "contract_type": "permanent",
                    "fte": 1,
                }
            ],
        )
        held_before = {
            "id": str(uuid.uuid4()),
            "employee_id": 1,
            "first_day": date(2026, 3, 2),
            "reason": "injury",
            "disability_related": False,
            "pregnancy_related": False,
            "source": "manager",
            "updated_at": datetime(2026, 3, 2, 9),
            "deleted": False,
            "server_rev": 1,
            "dirty": False,
        }
        columns = ", ".join(held_before)
        values = ", ".join(f":{k}" for k in held_before)
        c.execute(text(f"INSERT INTO absences ({columns}) VALUES ({values})"), held_before)
    db.prepare_database(db_engine)
    with db_engine.connect() as c:
        assert (migrate.current(c), db.server_revision(c)) == (migrate.HEAD, "s0013")
        assert "absence_removals" in inspect(c).get_table_names()
        assert c.execute(text("SELECT seq FROM absences")).scalar_one() == 0
