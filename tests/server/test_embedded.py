"""The demo server inside the app: the logins "Try the demo" signs in with."""

from __future__ import annotations

from sqlalchemy import select

from lcc_apr.models import Employee, Role, User, UserRole
from lcc_apr.server.db import make_engine
from lcc_apr.server.embedded import EmbeddedServer


def _people(server: EmbeddedServer) -> dict[str, tuple[int | None, int | None, set[Role]]]:
    """username: (employee id, their line manager's id, roles)."""
    engine = make_engine(server.settings.database_url)
    try:
        with engine.connect() as c:
            rows = c.execute(
                select(User.username, User.employee_id, Employee.line_manager_id, UserRole.role)
                .outerjoin(Employee, Employee.id == User.employee_id)
                .join(UserRole, UserRole.user_id == User.id)
            ).all()
    finally:
        engine.dispose()
    people: dict[str, tuple[int | None, int | None, set[Role]]] = {}
    for username, employee_id, manager_id, role in rows:
        people.setdefault(username, (employee_id, manager_id, set()))[2].add(Role(role))
    return people


def test_the_logins_are_a_manager_one_of_their_team_and_an_hr_adviser(tmp_path):
    server = EmbeddedServer(tmp_path, size=50)
    server.prepare()
    logins = server.logins()
    people = _people(server)
    manager_id, _, manager_roles = people[logins.manager]
    _, line_manager_id, _ = people[logins.employee]
    assert Role.MANAGER in manager_roles and line_manager_id == manager_id
    assert logins.hr is not None and Role.HR in people[logins.hr][2]
    assert len({logins.manager, logins.employee, logins.hr}) == 3


def test_a_demo_without_an_hr_post_has_no_hr_login(tmp_path):
    server = EmbeddedServer(tmp_path, size=12)
    server.prepare()
    logins = server.logins()
    assert logins.hr is None
    assert not any(Role.HR in roles for _, _, roles in _people(server).values())
    assert logins.manager in _people(server) and logins.employee in _people(server)


def test_the_demo_member_of_staff_has_an_apr_shared_with_them(tmp_path):
    """The tester signing in as staff finds something to read, comment on and sign."""
    from lcc_apr.models import Record, RecordKind

    server = EmbeddedServer(tmp_path, size=50)
    server.prepare()
    employee_id = _people(server)[server.logins().employee][0]
    engine = make_engine(server.settings.database_url)
    try:
        with engine.connect() as c:
            shared = c.scalar(
                select(Record.id).where(
                    Record.subject_id == employee_id,
                    Record.kind == RecordKind.APR,
                    Record.status == "shared",
                    Record.deleted.is_(False),
                )
            )
    finally:
        engine.dispose()
    assert shared is not None
