"""GET /org: the visible part of the organisation; equality data only for HR."""

from sqlalchemy import func, select

from lcc_apr.models import Employee
from lcc_apr.server.orgview import EQUALITY


def test_hr_sees_everyone_with_equality_data(live_server):
    hr = live_server.login(live_server.people.hr[0].username)
    org = hr.client.get("/org").json()
    with live_server.session() as session:
        assert len(org["employees"]) == session.scalar(select(func.count(Employee.id)))
    assert all(set(EQUALITY) <= set(e) for e in org["employees"])
    assert len(org["users"]) == len(live_server.people.users)
    assert org["departments"] and {"id", "code", "name", "parent_id"} == set(org["departments"][0])


def test_a_manager_sees_their_team_their_manager_and_no_equality_data(live_server):
    manager = live_server.people.managers[1]
    org = live_server.login(manager.username).client.get("/org").json()
    team = {u.employee_id for u in live_server.people.reports(manager)}
    expected = team | {manager.employee_id} | ({manager.manager_id} - {None})
    assert {e["id"] for e in org["employees"]} == expected
    assert not any(set(EQUALITY) & set(e) for e in org["employees"])
    assert {u["employee_id"] for u in org["users"]} == expected
    me = next(e for e in org["employees"] if e["id"] == manager.employee_id)
    assert me["start_date"] and isinstance(me["fte"], float)


def test_an_employee_sees_only_themselves_and_their_manager(live_server):
    employee = live_server.people.employees[0]
    org = live_server.login(employee.username).client.get("/org").json()
    assert {e["id"] for e in org["employees"]} == {employee.employee_id, employee.manager_id}
