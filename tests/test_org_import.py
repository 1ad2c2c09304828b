"""The organisation import (issue 14, sections 1-2): plan_import and apply_plan on the
server database, SQLite and PostgreSQL, with the small demo organisation as the HR
system's file (lcc_apr.hr.samples.organisation_rows) changed as each test needs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lcc_apr.hr import read_organisation
from lcc_apr.hr.plan import held_keys, plan_import
from lcc_apr.hr.planned import Plan
from lcc_apr.hr.samples import Layout, generic_csv, post_number
from lcc_apr.models import Employee, Post, Record, RecordKind, Role, User
from lcc_apr.posts import post_held_on
from lcc_apr.server.accounts import NO_PASSWORD, create_user
from lcc_apr.server.cli import EXIT_OK, EXIT_PROBLEM, main
from lcc_apr.server.orgimport import ImportRefused, apply_plan
from lcc_apr.server.tables import Account
from lcc_apr.workflow import WORKFLOWS
from tests.org_rows import Row, database_hash, demo_rows, rows  # noqa: F401 - fixtures
from tests.server.conftest import (  # noqa: F401 - fixtures, found by name
    live_server,
    live_server_factory,
    server_template,
    server_workspace,
    shared_uvicorn,
)
from tests.server.harness import AS_OF


def write_csv(path: Path, rows: list[Row]) -> Path:
    path.write_bytes(generic_csv(rows))
    return path


def write_xlsx(path: Path, rows: list[Row]) -> Path:
    from openpyxl import Workbook

    layout = Layout("generic", "%Y-%m-%d")
    book = Workbook()
    sheet = book.active
    sheet.title = "Staff"
    sheet.append(layout.labels)
    for row in rows:
        sheet.append(layout.cells(row, dates_as_text=False))
    book.save(path)
    return path


def make_plan(session: Session, path: Path, **options: Any) -> Plan:
    payrolls, posts = held_keys(session)
    reading = read_organisation(path, "generic", known_payrolls=payrolls, known_posts=posts)
    return plan_import(session, reading, as_of=options.pop("as_of", AS_OF), **options)


def run_import(server, path: Path, **options: Any):
    confirm = options.pop("confirm_leavers", False)
    with server.session() as session:
        plan = make_plan(session, path, **options)
        assert plan.errors == []
        return plan, apply_plan(session, plan, confirm_leavers=confirm)


def row_of(rows: list[Row], employee_id: int, session: Session) -> Row:
    payroll = session.get(Employee, employee_id).payroll_number
    return next(r for r in rows if r["payroll"] == payroll)


def new_person(rows: list[Row], manager: Row, number: str, email: str) -> Row:
    return {
        **rows[-1],
        "payroll": number,
        "post": f"9{number}",
        "first_name": "Ada",
        "last_name": "Newcombe",
        "preferred_name": None,
        "email": email,
        "manager_payroll": manager["payroll"],
        "manager_post": manager["post"],
        "start_date": AS_OF,
        "probation_end_date": AS_OF + timedelta(days=182),
    }


@pytest.fixture
def cli_env(live_server, tmp_path, monkeypatch):
    """lcc-apr-server's settings pointing at the live server's database."""
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    monkeypatch.setenv("LCC_APR_SERVER_DATABASE_URL", live_server.settings.database_url)
    return live_server


def test_a_dry_run_writes_nothing_and_shows_no_equality_answer(cli_env, rows, tmp_path, capsys):
    server = cli_env
    with server.session() as session:
        promoted = row_of(rows, server.people.employees[0].employee_id, session)
        monitored = row_of(rows, server.people.employees[1].employee_id, session)
    promoted["grade"] = "Grade 99"
    monitored["ethnicity"] = "mixed" if monitored["ethnicity"] != "mixed" else "white_other"
    rows.append(new_person(rows, rows[0], "77777777", "ada.newcombe@example.org"))
    path = write_csv(tmp_path / "staff.csv", rows[:-3] + rows[-1:])  # two people absent
    before = database_hash(server.engine)
    assert main(["org-import", str(path), "--dry-run", "--complete", "--as-of", "2025-11-30"]) == 0
    out = capsys.readouterr().out
    assert database_hash(server.engine) == before
    assert "changes: 2; leavers: 2; movers: 0; new accounts: 1; errors: 0." in out
    assert "Grade 99" in out and "77777777" in out and "Dry run: nothing was applied." in out
    assert f"{monitored['payroll']} ethnicity: changed" in out
    assert monitored["ethnicity"] not in out  # the answer itself is never shown
    assert main(["org-import", str(path), "--complete", "--as-of", "2025-11-30"]) == EXIT_OK
    # The demo holds its people's posts under the sample's numbers: only Ada's is new.
    assert "Applied: 1 post(s) added, 2 change(s)" in capsys.readouterr().out
    assert database_hash(server.engine) != before


def test_errors_are_listed_with_sheet_row_column_and_rule_and_nothing_is_applied(
    cli_env, rows, tmp_path, capsys
):
    rows[5]["manager_payroll"], rows[5]["manager_post"] = "99999999", None
    rows[7]["fte"] = Decimal("1.5")
    path = write_csv(tmp_path / "staff.csv", rows)
    before = database_hash(cli_env.engine)
    assert main(["org-import", str(path), "--as-of", "2025-11-30"]) == EXIT_PROBLEM
    out = capsys.readouterr().out
    assert "staff.csv row 7, column" in out and ": unknown-manager '99999999'" in out
    assert "staff.csv row 9, column" in out and "fte-range" in out
    assert "Nothing was applied" in out
    assert database_hash(cli_env.engine) == before


def test_importing_the_same_file_twice_changes_nothing_the_second_time(live_server, rows, tmp_path):
    with live_server.session() as session:
        row_of(rows, live_server.people.employees[2].employee_id, session)["grade"] = "Grade 99"
    rows.append(new_person(rows, rows[0], "77777777", "ada.newcombe@example.org"))
    path = write_csv(tmp_path / "staff.csv", rows)
    first, applied = run_import(live_server, path)
    # The demo holds its people's posts under the sample's numbers: only Ada's is new.
    assert (len(first.adds), len(first.changes), len(first.accounts)) == (1, 1, 1)
    before = database_hash(live_server.engine)
    again, applied = run_import(live_server, path)
    assert again.empty and applied.scope_events == 0
    assert database_hash(live_server.engine) == before
    later, _ = run_import(live_server, path, as_of=AS_OF + timedelta(days=40))
    assert later.empty


def test_a_promotion_keeps_the_grade_held_before_it(live_server, rows, tmp_path):
    employee_id = live_server.people.employees[0].employee_id
    with live_server.session() as session:
        row = row_of(rows, employee_id, session)
        old_grade, row["grade"] = row["grade"], "Grade 99"
    run_import(live_server, write_csv(tmp_path / "one.csv", rows))
    old_title, row["job_title"] = row["job_title"], "Principal Officer"
    later = AS_OF + timedelta(days=90)
    plan, _ = run_import(live_server, write_csv(tmp_path / "two.csv", rows), as_of=later)
    assert [(c.field, c.old, c.new) for c in plan.changes] == [
        ("job_title", old_title, "Principal Officer")
    ]
    with live_server.session() as session:
        start = session.get(Employee, employee_id).start_date
        assert post_held_on(session, employee_id, start).grade == old_grade
        assert post_held_on(session, employee_id, AS_OF - timedelta(days=1)).grade == old_grade
        assert post_held_on(session, employee_id, AS_OF).grade == "Grade 99"
        assert post_held_on(session, employee_id, later - timedelta(days=1)).job_title == old_title
        assert post_held_on(session, employee_id, later).job_title == "Principal Officer"
        employee = session.get(Employee, employee_id)
        assert (employee.grade, employee.job_title) == ("Grade 99", "Principal Officer")


def test_a_leaver_keeps_their_records_and_loses_their_account(live_server, rows, tmp_path):
    people = live_server.people
    absent, dated = people.employees[3], people.employees[4]
    with live_server.session() as session:
        gone = row_of(rows, absent.employee_id, session)
        row_of(rows, dated.employee_id, session)["leaving_date"] = AS_OF - timedelta(days=3)
    records = {
        u.employee_id: len(live_server.records(subject_id=u.employee_id))
        for u in people.employees[3:5]
    }
    rows.remove(gone)
    plan, applied = run_import(live_server, write_csv(tmp_path / "staff.csv", rows), complete=True)
    left = {leaver.employee_id: leaver for leaver in applied.leavers}
    assert left.keys() == {absent.employee_id, dated.employee_id}
    assert left[absent.employee_id].leaving_date == AS_OF
    assert left[dated.employee_id].leaving_date == AS_OF - timedelta(days=3)
    with live_server.session() as session:
        for user in (absent, dated):
            assert session.get(Account, user.id).disabled
            assert not session.get(User, user.id).active
            assert (
                session.get(Employee, user.employee_id).leaving_date
                == left[user.employee_id].leaving_date
            )
            count = session.scalar(
                select(func.count(Record.id)).where(Record.subject_id == user.employee_id)
            )
            assert count == records[user.employee_id] > 0
            open_items = [
                r.id
                for r in session.scalars(
                    select(Record).where(Record.subject_id == user.employee_id)
                )
                if r.kind in (RecordKind.APR, RecordKind.PROBATION, RecordKind.CAPABILITY)
                and not r.deleted
                and r.status not in {s.name for s in WORKFLOWS[r.kind].states if s.final}
            ]
            assert sorted(i.record_id for i in left[user.employee_id].open_items) == sorted(
                open_items
            )
        ended = session.scalars(select(Post.end_date).where(Post.employee_id == dated.employee_id))
        assert list(ended) == [AS_OF - timedelta(days=3)]
    refused = live_server.client().post(
        "/auth/login", json={"username": absent.username, "password": "demo", "device": "laptop"}
    )
    assert refused.status_code in (401, 403)
    again, _ = run_import(live_server, write_csv(tmp_path / "staff.csv", rows), complete=True)
    assert again.empty


def test_a_truncated_complete_file_is_refused_without_confirmation(cli_env, rows, tmp_path, capsys):
    server = cli_env
    path = write_csv(tmp_path / "truncated.csv", rows[:40])  # managers come before reports
    before = database_hash(server.engine)
    with server.session() as session:
        plan = make_plan(session, path, complete=True)
        assert plan.errors == [] and len(plan.leavers) == 10 and plan.needs_confirmation
        with pytest.raises(ImportRefused, match="10 of 50 staff would leave"):
            apply_plan(session, plan)
    command = ["org-import", str(path), "--complete", "--as-of", "2025-11-30"]
    assert main(command) == EXIT_PROBLEM
    out, err = capsys.readouterr()
    assert "needs --confirm-leavers" in out and "10 of 50 staff would leave" in err
    assert database_hash(server.engine) == before
    assert main([*command, "--confirm-leavers"]) == EXIT_OK
    assert "10 leaver(s)" in capsys.readouterr().out
    with server.session() as session:
        current = select(func.count(Employee.id)).where(Employee.leaving_date.is_(None))
        assert session.scalar(current) == 40


def test_a_mover_leaves_the_old_managers_feed_and_joins_the_new_ones(live_server, rows, tmp_path):
    people = live_server.people
    mover = next(u for u in people.employees if live_server.records(subject_id=u.employee_id))
    old = people.manager_of(mover.employee_id)
    new = next(m for m in people.managers if m.employee_id != old.employee_id)
    theirs = {r.id for r in live_server.records(subject_id=mover.employee_id)}
    old_client, new_client = live_server.login(old.username), live_server.login(new.username)
    _, old_reply = old_client.pull_all()
    _, new_reply = new_client.pull_all()
    with live_server.session() as session:
        row = row_of(rows, mover.employee_id, session)
        boss = row_of(rows, new.employee_id, session)
    row["manager_payroll"], row["manager_post"] = boss["payroll"], boss["post"]
    plan, applied = run_import(live_server, write_csv(tmp_path / "staff.csv", rows))
    assert [(m.employee_id, m.new_manager) for m in plan.movers] == [
        (mover.employee_id, boss["payroll"])
    ]
    assert applied.scope_events == 2
    removed, _ = old_client.pull_all(cursor=old_reply["cursor"], epoch=old_reply["epoch"])
    assert {i["remove"] for i in removed} == theirs
    gained, _ = new_client.pull_all(cursor=new_reply["cursor"], epoch=new_reply["epoch"])
    assert {i["record"]["id"] for i in gained} == theirs


def test_new_people_get_an_account_with_no_password_matched_by_email(live_server, rows, tmp_path):
    people = live_server.people
    manager = people.employees[0]  # not a manager yet
    with live_server.session() as session:
        boss = row_of(rows, manager.employee_id, session)
        create_user(  # made beforehand for single sign-on: no employee yet
            session,
            username="bo.early@example.org",
            password_hash=NO_PASSWORD,
            roles=[Role.EMPLOYEE],
            display_name="Bo Early",
        )
    rows.append(new_person(rows, boss, "77777777", "ada.newcombe@example.org"))
    rows.append({**new_person(rows, boss, "77777778", "bo.early@example.org"), "first_name": "Bo"})
    plan, applied = run_import(live_server, write_csv(tmp_path / "staff.csv", rows))
    assert [(a.username, a.existing_user) for a in plan.accounts] == [
        ("ada.newcombe@example.org", False),
        ("bo.early@example.org", True),
    ]
    with live_server.session() as session:
        users = {
            u.username: u
            for u in session.scalars(select(User).where(User.username.like("%@example.org")))
        }
        for user in users.values():
            employee = session.get(Employee, user.employee_id)
            assert employee.payroll_number in ("77777777", "77777778")
            assert session.get(Employee, employee.line_manager_id).id == manager.employee_id
            assert session.get(Account, user.id).password_hash == NO_PASSWORD
            assert Role.EMPLOYEE in user.roles
        assert Role.MANAGER in session.get(User, manager.id).roles
    refused = live_server.client().post(
        "/auth/login",
        json={"username": "ada.newcombe@example.org", "password": "x" * 12, "device": "laptop"},
    )
    assert refused.status_code == 401
    # the new manager now sees the new people
    assert live_server.login(manager.username).client.get("/org").status_code == 200


def test_csv_and_xlsx_of_the_same_data_make_the_same_plan(live_server, rows, tmp_path):
    with live_server.session() as session:
        people = live_server.people
        row_of(rows, people.employees[0].employee_id, session)["grade"] = "Grade 99"
        mover = row_of(rows, people.employees[1].employee_id, session)
    mover["manager_payroll"], mover["manager_post"] = rows[0]["payroll"], rows[0]["post"]
    rows.append(new_person(rows, rows[0], "77777777", "ada.newcombe@example.org"))
    rows.append(
        {**rows[10], "post": post_number(10, second=True), "primary": "no", "fte": Decimal("0.2")}
    )
    csv_path = write_csv(tmp_path / "staff.csv", rows[:-4] + rows[-2:])
    xlsx_path = write_xlsx(tmp_path / "staff.xlsx", rows[:-4] + rows[-2:])
    with live_server.session() as session:
        from_csv = make_plan(session, csv_path, complete=True)
        from_xlsx = make_plan(session, xlsx_path, complete=True)
    assert from_csv.outcome() == from_xlsx.outcome()
    assert from_csv.movers and from_csv.changes and len(from_csv.leavers) == 2
    assert sum(a.new_person for a in from_csv.adds) == 1


def test_a_leaving_managers_people_go_to_the_manager_above(live_server, rows, tmp_path):
    people = live_server.people
    leaver = next(m for m in people.managers if m.manager_id and people.reports(m))
    above = people.manager_of(leaver.employee_id)
    reports = {u.employee_id for u in people.reports(leaver)}
    with live_server.session() as session:
        row = row_of(rows, leaver.employee_id, session)
        above_payroll = row_of(rows, above.employee_id, session)["payroll"]
    row["leaving_date"] = AS_OF - timedelta(days=1)
    path = write_csv(tmp_path / "leaver.csv", [row])  # a partial file: only the leaver
    plan, applied = run_import(live_server, path)
    assert [left.employee_id for left in plan.leavers] == [leaver.employee_id]
    assert plan.successors == {row["payroll"]: above_payroll}
    with live_server.session() as session:
        moved = session.scalars(select(Employee).where(Employee.id.in_(reports)))
        assert {e.line_manager_id for e in moved} == {above.employee_id}
        assert session.get(Account, leaver.id).disabled
    gained = [e for e in applied_events(live_server) if e[0] == above.id and e[2] == "enter"]
    assert {subject for _, subject, _ in gained} == reports


def applied_events(server) -> list[tuple[int, int, str]]:
    from lcc_apr.server.tables import ScopeEvent

    with server.session() as session:
        rows = session.execute(select(ScopeEvent.user_id, ScopeEvent.subject_id, ScopeEvent.kind))
        return [tuple(r) for r in rows]


def test_a_complete_file_without_a_manager_whose_people_stay_is_an_error(
    live_server, rows, tmp_path
):
    people = live_server.people
    manager = next(m for m in people.managers if m.manager_id and people.reports(m))
    with live_server.session() as session:
        rows.remove(row_of(rows, manager.employee_id, session))
    with live_server.session() as session:
        plan = make_plan(session, write_csv(tmp_path / "staff.csv", rows), complete=True)
    rules = {p.rule for p in plan.errors}
    assert rules == {"manager-leaves"}
    assert len(plan.errors) == len(people.reports(manager))
    with live_server.session() as session, pytest.raises(ImportRefused, match="problem"):
        apply_plan(session, plan)


def test_second_posts_and_new_sections_import_once(live_server, rows, tmp_path):
    rows[10]["section"] = "Brand New Section"
    rows.append(
        {**rows[12], "post": post_number(12, second=True), "primary": "no", "fte": Decimal("0.2")}
    )
    path = write_csv(tmp_path / "staff.csv", rows)
    plan, _ = run_import(live_server, path, complete=True)
    assert [c.field for c in plan.changes] == ["department"]
    assert plan.changes[0].new == f"{rows[10]['department']} / Brand New Section"
    again, _ = run_import(live_server, path, complete=True)
    assert again.empty
    with live_server.session() as session:
        employee = session.scalar(
            select(Employee).where(Employee.payroll_number == rows[12]["payroll"])
        )
        held = session.scalars(select(Post).where(Post.employee_id == employee.id)).all()
        assert sorted((p.post_number, p.is_primary) for p in held) == [
            (rows[12]["post"], True),
            (post_number(12, second=True), False),
        ]
        moved = session.scalar(
            select(Employee).where(Employee.payroll_number == rows[10]["payroll"])
        )
        assert moved.department.name == "Brand New Section"
        assert moved.department.parent.name == rows[10]["department"]
    rows.pop()  # the second post is no longer in the complete file: it ends
    plan, _ = run_import(live_server, write_csv(tmp_path / "less.csv", rows), complete=True)
    assert [(c.row, c.post, c.field, c.new) for c in plan.changes] == [
        (None, post_number(12, second=True), "end_date", AS_OF.isoformat())
    ]
    assert plan.leavers == []


@pytest.fixture(scope="module")
def sample_readings():
    """resources/hr/samples/, read once for both databases."""
    from lcc_apr.paths import resources_dir

    samples = resources_dir() / "hr" / "samples"
    names = ("generic.csv", "itrent.csv", "successfactors.xlsx", "resourcelink.xlsx")
    return {name: read_organisation(samples / name, Path(name).stem) for name in names}


def test_every_sample_profile_imports_into_an_empty_server(db_engine, sample_readings):
    """The whole demo council (6,087 people) from each HR system's sample export plans the
    same posts and accounts; one of them applied, again changes nothing."""
    from lcc_apr.server.db import prepare_database

    prepare_database(db_engine)
    outcomes = {}
    with Session(db_engine) as session:
        for name, reading in sample_readings.items():
            plan = plan_import(session, reading, complete=True, as_of=AS_OF)
            assert plan.errors == [] and plan.changes == [] and plan.leavers == []
            outcomes[name] = (
                sorted((a.payroll, a.post, a.name, a.new_person) for a in plan.adds),
                sorted((a.payroll, a.username) for a in plan.accounts),
                sorted(plan.departments, key=str),
            )
    first, *others = outcomes.values()
    assert all(other == first for other in others)
    assert len(first[0]) > 6000 and len(first[1]) == len({a[0] for a in first[0]})
    reading = sample_readings["generic.csv"]
    with Session(db_engine) as session, session.begin():
        plan = plan_import(session, reading, complete=True, as_of=AS_OF)
        applied = apply_plan(session, plan)
    assert applied.accounts == len(first[1]) and applied.scope_events > 6000
    with Session(db_engine) as session:
        again = plan_import(session, reading, complete=True, as_of=AS_OF)
        assert again.empty and again.errors == []


def test_an_import_writes_in_bulk_not_row_by_row(db_engine, rows, tmp_path):
    """The demo (50 people) into an empty server: each table's new rows go in a statement or
    two (bulk INSERT), and the line managers in one UPDATE, however many people."""
    from collections import Counter

    from sqlalchemy import event

    from lcc_apr.server.db import prepare_database

    prepare_database(db_engine)
    written: Counter[str] = Counter()

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith(("INSERT INTO", "UPDATE")):
            written[" ".join(statement.split()[:3])] += 1

    with Session(db_engine) as session, session.begin():
        plan = make_plan(session, write_csv(tmp_path / "staff.csv", rows), complete=True)
        event.listen(db_engine, "before_cursor_execute", count)
        try:
            applied = apply_plan(session, plan)
        finally:
            event.remove(db_engine, "before_cursor_execute", count)
    assert applied.accounts == len(rows) == 50 and applied.scope_events > 0
    tables = ("employees", "posts", "post_history", "users", "user_roles", "accounts")
    for table in tables:
        assert 1 <= written[f"INSERT INTO {table}"] <= 2, written
    assert written["UPDATE employees SET"] == 1, written
    with Session(db_engine) as session:
        assert session.scalar(select(func.count(Post.id))) == len(rows)
        users = session.scalars(select(User)).all()
        assert {u.roles for u in users} == {
            frozenset({Role.EMPLOYEE}),
            frozenset({Role.EMPLOYEE, Role.MANAGER}),
        }
        assert all(session.get(Account, u.id).password_hash == NO_PASSWORD for u in users)
