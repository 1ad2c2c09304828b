"""HR's absence import (lcc_apr.server.absence_import): a file with one bad row applies
nothing and the report names the row; a good one adds and updates episodes, which reach
the manager's laptop; the same file twice is refused. And the server tree's s0012."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, inspect, select

from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.models import Absence, Employee
from lcc_apr.server import db
from lcc_apr.server.absence_import import import_absences
from lcc_apr.server.cli import main
from lcc_apr.server.tables import AbsenceImport

from .test_client_sync import device  # noqa: F401 (fixture)

POLICY = default_attendance_policy()
TODAY = date(2026, 11, 30)
HEADER = "Payroll number,First day,Last day,Absence reason,Disability related\n"


def payrolls(live_server, n: int) -> list[tuple[int, str]]:
    with live_server.session() as s:
        s.execute(delete(Absence))
        rows = s.execute(select(Employee.id, Employee.payroll_number).order_by(Employee.id))
        return [tuple(r) for r in rows][1 : n + 1]


def run(live_server, path, **kw):
    return import_absences(
        live_server.engine, path, policy=POLICY, today=TODAY, dry_run=False, **kw
    )


def count(live_server) -> int:
    with live_server.session() as s:
        return s.scalar(select(func.count()).select_from(Absence))


def test_a_file_with_one_bad_row_applies_nothing_and_names_the_row(live_server, tmp_path):
    people = payrolls(live_server, 3)
    path = tmp_path / "absences.csv"
    path.write_text(
        HEADER
        + f"{people[0][1]},2026-01-12,2026-01-14,Flu,N\n"
        + f"{people[1][1]},03/03/2026,06/03/2026,MSK,Y\n"
        + "99999999,2026-04-01,2026-04-02,Flu,N\n"  # row 4: nobody
        + f"{people[2][1]},2026-05-10,2026-05-08,STR,N\n"  # row 5: ends before it starts
        + f"{people[0][1]},2026-01-13,,Flu,N\n"  # row 6: overlaps row 2
        + f"{people[2][1]},2026-12-25,,Flu,N\n"  # row 7: in the future
        + f"{people[2][1]},2026-06-01,,Hangover,N\n"  # row 8: no such reason
    )
    found = run(live_server, path)
    assert not found.applied and count(live_server) == 0
    rows = [(p.row, p.message) for p in found.problems]
    assert [r for r, _ in rows] == [4, 5, 6, 7, 8]
    assert "no one held has this payroll number" in rows[0][1]
    assert "before the first day" in rows[1][1] and "overlaps" in rows[2][1]
    assert "after today" in rows[3][1] and "not a reason the profile lists" in rows[4][1]
    assert all("Hangover" not in m and "Flu" not in m for _, m in rows)  # no health data


def test_a_good_file_adds_and_updates_and_reaches_the_managers_laptop(
    live_server,
    tmp_path,
    device,  # noqa: F811
):
    people = payrolls(live_server, 2)
    path = tmp_path / "absences.csv"
    path.write_text(
        HEADER
        + f"{people[0][1]},2026-01-12,2026-01-14,Flu,N\n"
        + f"{people[1][1]},2026-11-02,,INF,N\n"
    )
    dry = import_absences(live_server.engine, path, policy=POLICY, today=TODAY)
    assert (dry.adds, dry.changes, dry.applied) == (2, 0, False) and count(live_server) == 0
    assert run(live_server, path).applied and count(live_server) == 2
    again = run(live_server, path)
    assert not again.applied and "applied already" in again.refused
    # The HR system's next export ends the open one: the same first day is updated.
    path.write_text(HEADER + f"{people[1][1]},2026-11-02,2026-11-06,INF,N\n")
    done = run(live_server, path)
    assert (done.adds, done.changes, done.applied) == (0, 1, True)
    with live_server.session() as s:
        row = s.scalar(select(Absence).where(Absence.employee_id == people[1][0]))
        assert (row.last_day, row.source, row.server_rev) == (date(2026, 11, 6), "hr_import", 2)
        assert s.scalar(select(func.count()).select_from(AbsenceImport)) == 2
    manager = live_server.people.manager_of(people[1][0])
    laptop = device(manager.username)
    laptop.sync()
    with laptop.store.session() as s:
        held = s.scalar(select(Absence).where(Absence.employee_id == people[1][0]))
        assert held.last_day == date(2026, 11, 6) and not held.dirty


def test_the_command_line_says_which_row_and_applies_nothing(live_server, tmp_path, capsys):
    people = payrolls(live_server, 1)
    path = tmp_path / "absences.csv"
    path.write_text(
        HEADER + f"{people[0][1]},2026-01-12,2026-01-14,Flu,N\n" + "12,2026-01-12,,Flu,N\n"
    )
    config = tmp_path / "server.toml"
    config.write_text(f'database_url = "{live_server.settings.database_url}"\n')
    code = main(["--config", str(config), "absence-import", str(path), "--as-of", "2026-11-30"])
    said = capsys.readouterr().out
    assert code == 1 and "Row 3" in said and "Nothing was applied" in said
    assert count(live_server) == 0


def test_a_server_at_s0011_upgrades_to_hold_absence_imports(db_engine):
    db.prepare_database(db_engine)
    db.downgrade_server_tables(db_engine, "s0011")
    with db_engine.connect() as c:
        assert db.server_revision(c) == "s0011"
        assert "absence_imports" not in inspect(c).get_table_names()
    db.prepare_database(db_engine)
    with db_engine.connect() as c:
        assert db.server_revision(c) == db.SERVER_HEAD  # s0012 and any after
        assert {"absence_imports", "absences"} <= set(inspect(c).get_table_names())


def test_hr_imports_from_the_desktop_and_others_are_refused(live_server, tmp_path, device):  # noqa: F811
    import base64

    from lcc_apr.ops.absence_import import import_absence_file
    from lcc_apr.server.tables import AuditEntry

    people = payrolls(live_server, 2)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"{people[0][1]},2026-01-12,,Flu,N\n" + "12,2026-01-12,,Flu,N\n")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + f"{people[1][1]},2026-01-12,2026-01-13,Flu,N\n")
    hr = device(live_server.people.hr[0].username, name="hr")
    done = import_absence_file(hr.connection, path=bad, dry_run=False)
    assert not done.reply.applied and [p.row for p in done.reply.problems] == [3]
    assert "row(s) 3" in done.summary() and count(live_server) == 0
    dry = import_absence_file(hr.connection, path=good)
    assert (dry.reply.adds, dry.reply.applied) == (1, False) and count(live_server) == 0
    assert import_absence_file(hr.connection, path=good, dry_run=False).reply.applied
    assert count(live_server) == 1
    manager = live_server.login(live_server.people.managers[0].username)
    body = {"file_name": "good.csv", "content": base64.b64encode(good.read_bytes()).decode()}
    refused = manager.client.post("/hr/absence-import", json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "hr_only"
    with live_server.session() as s:
        outcomes = s.scalars(
            select(AuditEntry.outcome).where(AuditEntry.event == "absence_import")
        ).all()
    assert sorted(outcomes) == ["applied", "dry_run", "problems", "refused:role"]
