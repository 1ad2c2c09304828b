"""GET /org: the visible part of the organisation; equality data only for HR."""

from collections import defaultdict

from sqlalchemy import func, select

from lcc_apr.models import Employee, Post, PostHistory
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


def periods_on_server(live_server, employee_ids=None) -> int:
    with live_server.session() as session:
        stmt = select(func.count(PostHistory.id)).join(Post, Post.id == PostHistory.post_id)
        if employee_ids is not None:
            stmt = stmt.where(Post.employee_id.in_(employee_ids))
        return session.scalar(stmt)


def test_hr_gets_every_period_of_every_post_oldest_first(live_server):
    org = live_server.login(live_server.people.hr[0].username).client.get("/org").json()
    assert len(org["posts"]) == periods_on_server(live_server) > len(org["employees"])
    by_post = defaultdict(list)
    for period in org["posts"]:
        by_post[(period["employee_id"], period["post_number"])].append(period)
    assert {e for e, _ in by_post} == {e["id"] for e in org["employees"]}
    promoted = 0
    for rows in by_post.values():
        assert rows[-1]["valid_to"] is None
        assert all(a["valid_to"] == b["valid_from"] for a, b in zip(rows, rows[1:], strict=False))
        promoted += len({r["grade"] for r in rows}) > 1
    assert promoted  # the demo's careers reach the laptop


def test_a_manager_gets_the_posts_of_the_people_they_see_only(live_server):
    manager = live_server.people.managers[1]
    org = live_server.login(manager.username).client.get("/org").json()
    shown = {e["id"] for e in org["employees"]}
    assert {p["employee_id"] for p in org["posts"]} == shown
    assert len(org["posts"]) == periods_on_server(live_server, shown)
