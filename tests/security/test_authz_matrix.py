"""Who may do what: every route of the app x every kind of user x every kind of target.

MATRIX below is the one table of expected outcomes, read against the live demo
server (50 people). A route the app serves without rows here fails the test, so a
new route must be added with its answers.

Users (the cast is picked from the demo organisation by relationship):
  anonymous   no token                     employee  staff with no reports
  manager     manages employee (and peers)  senior    the manager's own manager
  hr          HR, with an employee row      admin     an account with no employee row
  disabled    a token, then the account disabled        signed_out  a token, then signed out

Targets, each relative to the user (anonymous uses the employee's):
  own         a completed supervision about themself
  peer        the same about someone with the same line manager
  report      ... about a direct report;  indirect  ... about a report's report
  other       ... about someone in another department with no line link to them
  draft       a draft (never shared) about themself
  capab       a capability case: about a direct report, else about a peer
  missing     (push) a new record about an employee id nobody has

Outcomes: an HTTP status; for /sync/pull `see` (in the feed from 0) or `-`, and the same for
/sync/snapshot (in a first sync's snapshot), /sync/hashes and /sync/records (listed); for /org
`see` (the target's person listed) or `-`; for /sync/push, pushing the target record
back unchanged, `ok` (applied) or `oos` (the out-of-scope refusal). `.`: no such
target for this user. A route with one outcome column has no target.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from lcc_apr.history import create_record
from lcc_apr.models import Employee, Record, RecordKind, Role, User
from lcc_apr.server import create_app, sequence
from lcc_apr.server.accounts import disable_user
from lcc_apr.server.miview import MI_ONLY
from lcc_apr.server.orgupload import HR_ONLY
from lcc_apr.server.push import OUT_OF_SCOPE
from lcc_apr.server.tables import AuditEntry
from lcc_apr.signing.certs import b64, certificate_request, new_private_key

from ..server.harness import DemoPeople, DemoUser, LiveServer, SignedIn, wire_of

ROLES = ("anonymous", "employee", "manager", "senior", "hr", "admin", "disabled", "signed_out")
TARGETS = ("own", "peer", "report", "indirect", "other", "draft", "capab", "missing")

MATRIX = """
route                        role        own  peer report indirect other draft capab missing
GET /health                  anonymous   200
GET /health                  employee    200
GET /health                  manager     200
GET /health                  senior      200
GET /health                  hr          200
GET /health                  admin       200
GET /health                  disabled    200
GET /health                  signed_out  200
GET /version                 anonymous   200
GET /version                 employee    200
GET /version                 manager     200
GET /version                 senior      200
GET /version                 hr          200
GET /version                 admin       200
GET /version                 disabled    200
GET /version                 signed_out  200
GET /openapi.json            anonymous   200
GET /openapi.json            employee    200
GET /openapi.json            manager     200
GET /openapi.json            senior      200
GET /openapi.json            hr          200
GET /openapi.json            admin       200
GET /openapi.json            disabled    200
GET /openapi.json            signed_out  200
GET /docs                    anonymous   200
GET /docs                    employee    200
GET /docs                    manager     200
GET /docs                    senior      200
GET /docs                    hr          200
GET /docs                    admin       200
GET /docs                    disabled    200
GET /docs                    signed_out  200
GET /docs/oauth2-redirect    anonymous   200
GET /docs/oauth2-redirect    employee    200
GET /docs/oauth2-redirect    manager     200
GET /docs/oauth2-redirect    senior      200
GET /docs/oauth2-redirect    hr          200
GET /docs/oauth2-redirect    admin       200
GET /docs/oauth2-redirect    disabled    200
GET /docs/oauth2-redirect    signed_out  200
GET /redoc                   anonymous   200
GET /redoc                   employee    200
GET /redoc                   manager     200
GET /redoc                   senior      200
GET /redoc                   hr          200
GET /redoc                   admin       200
GET /redoc                   disabled    200
GET /redoc                   signed_out  200
GET /ready                   anonymous   200
GET /ready                   employee    200
GET /ready                   manager     200
GET /ready                   senior      200
GET /ready                   hr          200
GET /ready                   admin       200
GET /ready                   disabled    200
GET /ready                   signed_out  200
GET /auth/sso                anonymous   404
GET /auth/sso                employee    404
GET /auth/sso                manager     404
GET /auth/sso                senior      404
GET /auth/sso                hr          404
GET /auth/sso                admin       404
GET /auth/sso                disabled    404
GET /auth/sso                signed_out  404
POST /auth/sso/nonce         anonymous   404
POST /auth/sso/nonce         employee    404
POST /auth/sso/nonce         manager     404
POST /auth/sso/nonce         senior      404
POST /auth/sso/nonce         hr          404
POST /auth/sso/nonce         admin       404
POST /auth/sso/nonce         disabled    404
POST /auth/sso/nonce         signed_out  404
POST /auth/sso/login         anonymous   404
POST /auth/sso/login         employee    404
POST /auth/sso/login         manager     404
POST /auth/sso/login         senior      404
POST /auth/sso/login         hr          404
POST /auth/sso/login         admin       404
POST /auth/sso/login         disabled    404
POST /auth/sso/login         signed_out  404
POST /auth/login             anonymous   401
POST /auth/login             employee    200
POST /auth/login             manager     200
POST /auth/login             senior      200
POST /auth/login             hr          200
POST /auth/login             admin       200
POST /auth/login             disabled    403
POST /auth/login             signed_out  200
POST /auth/refresh           anonymous   401
POST /auth/refresh           employee    200
POST /auth/refresh           manager     200
POST /auth/refresh           senior      200
POST /auth/refresh           hr          200
POST /auth/refresh           admin       200
POST /auth/refresh           disabled    403
POST /auth/refresh           signed_out  401
POST /auth/logout            anonymous   401
POST /auth/logout            employee    204
POST /auth/logout            manager     204
POST /auth/logout            senior      204
POST /auth/logout            hr          204
POST /auth/logout            admin       204
POST /auth/logout            disabled    403
POST /auth/logout            signed_out  401
POST /certificates           anonymous   401
POST /certificates           employee    200
POST /certificates           manager     200
POST /certificates           senior      200
POST /certificates           hr          200
POST /certificates           admin       200
POST /certificates           disabled    403
POST /certificates           signed_out  401
GET /certificates/trust      anonymous   401
GET /certificates/trust      employee    200
GET /certificates/trust      manager     200
GET /certificates/trust      senior      200
GET /certificates/trust      hr          200
GET /certificates/trust      admin       200
GET /certificates/trust      disabled    403
GET /certificates/trust      signed_out  401
POST /hr/absence-import      anonymous   401
POST /hr/absence-import      employee    403
POST /hr/absence-import      manager     403
POST /hr/absence-import      senior      403
POST /hr/absence-import      hr          200
POST /hr/absence-import      admin       403
POST /hr/absence-import      disabled    403
POST /hr/absence-import      signed_out  401
POST /hr/org-import          anonymous   401
POST /hr/org-import          employee    403
POST /hr/org-import          manager     403
POST /hr/org-import          senior      403
POST /hr/org-import          hr          200
POST /hr/org-import          admin       403
POST /hr/org-import          disabled    403
POST /hr/org-import          signed_out  401
GET /mi/choices              anonymous   401
GET /mi/choices              employee    403
GET /mi/choices              manager     200
GET /mi/choices              senior      200
GET /mi/choices              hr          200
GET /mi/choices              admin       403
GET /mi/choices              disabled    403
GET /mi/choices              signed_out  401
GET /mi/dashboard            anonymous   401
GET /mi/dashboard            employee    403
GET /mi/dashboard            manager     200
GET /mi/dashboard            senior      200
GET /mi/dashboard            hr          200
GET /mi/dashboard            admin       403
GET /mi/dashboard            disabled    403
GET /mi/dashboard            signed_out  401
GET /hr/audit                anonymous   401
GET /hr/audit                employee    403
GET /hr/audit                manager     403
GET /hr/audit                senior      403
GET /hr/audit                hr          200
GET /hr/audit                admin       403
GET /hr/audit                disabled    403
GET /hr/audit                signed_out  401
GET /hr/audit.csv            anonymous   401
GET /hr/audit.csv            employee    403
GET /hr/audit.csv            manager     403
GET /hr/audit.csv            senior      403
GET /hr/audit.csv            hr          200
GET /hr/audit.csv            admin       403
GET /hr/audit.csv            disabled    403
GET /hr/audit.csv            signed_out  401
GET /org                     anonymous   401  401  .      .        401   401   401   .
GET /org                     employee    see  -    .      .        -     see   -     .
GET /org                     manager     see  -    see    .        -     see   see   .
GET /org                     senior      see  -    see    -        -     see   see   .
GET /org                     hr          see  see  .      .        see   see   see   .
GET /org                     admin       .    .    .      .        -     .     -     .
GET /org                     disabled    403  403  .      .        403   403   403   .
GET /org                     signed_out  401  401  .      .        401   401   401   .
GET /sync/pull               anonymous   401  401  .      .        401   401   401   .
GET /sync/pull               employee    see  -    .      .        -     -     -     .
GET /sync/pull               manager     see  -    see    .        -     -     see   .
GET /sync/pull               senior      see  -    see    -        -     -     see   .
GET /sync/pull               hr          see  see  .      .        see   -     see   .
GET /sync/pull               admin       .    .    .      .        -     .     -     .
GET /sync/pull               disabled    403  403  .      .        403   403   403   .
GET /sync/pull               signed_out  401  401  .      .        401   401   401   .
GET /sync/snapshot           anonymous   401  401  .      .        401   401   401   .
GET /sync/snapshot           employee    see  -    .      .        -     -     -     .
GET /sync/snapshot           manager     see  -    see    .        -     -     see   .
GET /sync/snapshot           senior      see  -    see    -        -     -     see   .
GET /sync/snapshot           hr          see  see  .      .        see   -     see   .
GET /sync/snapshot           admin       .    .    .      .        -     .     -     .
GET /sync/snapshot           disabled    403  403  .      .        403   403   403   .
GET /sync/snapshot           signed_out  401  401  .      .        401   401   401   .
POST /sync/push              anonymous   401  401  .      .        401   401   401   401
POST /sync/push              employee    ok   oos  .      .        oos   oos   oos   oos
POST /sync/push              manager     ok   oos  ok     .        oos   oos   ok    oos
POST /sync/push              senior      ok   oos  ok     oos      oos   oos   ok    oos
POST /sync/push              hr          ok   ok   .      .        ok    oos   ok    oos
POST /sync/push              admin       .    .    .      .        oos   .     oos   oos
POST /sync/push              disabled    403  403  .      .        403   403   403   403
POST /sync/push              signed_out  401  401  .      .        401   401   401   401
GET /certificates/crl        anonymous   401
GET /certificates/crl        employee    200
GET /certificates/crl        manager     200
GET /certificates/crl        senior      200
GET /certificates/crl        hr          200
GET /certificates/crl        admin       200
GET /certificates/crl        disabled    403
GET /certificates/crl        signed_out  401
GET /hr/retention            anonymous   401
GET /hr/retention            employee    403
GET /hr/retention            manager     403
GET /hr/retention            senior      403
GET /hr/retention            hr          200
GET /hr/retention            admin       403
GET /hr/retention            disabled    403
GET /hr/retention            signed_out  401
POST /hr/retention/due       anonymous   401
POST /hr/retention/due       employee    403
POST /hr/retention/due       manager     403
POST /hr/retention/due       senior      403
POST /hr/retention/due       hr          200
POST /hr/retention/due       admin       403
POST /hr/retention/due       disabled    403
POST /hr/retention/due       signed_out  401
POST /hr/retention/confirm   anonymous   401
POST /hr/retention/confirm   employee    403
POST /hr/retention/confirm   manager     403
POST /hr/retention/confirm   senior      403
POST /hr/retention/confirm   hr          200
POST /hr/retention/confirm   admin       403
POST /hr/retention/confirm   disabled    403
POST /hr/retention/confirm   signed_out  401
POST /hr/retention/hold      anonymous   401
POST /hr/retention/hold      employee    403
POST /hr/retention/hold      manager     403
POST /hr/retention/hold      senior      403
POST /hr/retention/hold      hr          200
POST /hr/retention/hold      admin       403
POST /hr/retention/hold      disabled    403
POST /hr/retention/hold      signed_out  401
POST /hr/retention/release   anonymous   401
POST /hr/retention/release   employee    403
POST /hr/retention/release   manager     403
POST /hr/retention/release   senior      403
POST /hr/retention/release   hr          404
POST /hr/retention/release   admin       403
POST /hr/retention/release   disabled    403
POST /hr/retention/release   signed_out  401
GET /sync/hashes             anonymous   401  401  .      .        401   401   401   .
GET /sync/hashes             employee    see  -    .      .        -     -     -     .
GET /sync/hashes             manager     see  -    see    .        -     -     see   .
GET /sync/hashes             senior      see  -    see    -        -     -     see   .
GET /sync/hashes             hr          see  see  .      .        see   -     see   .
GET /sync/hashes             admin       .    .    .      .        -     .     -     .
GET /sync/hashes             disabled    403  403  .      .        403   403   403   .
GET /sync/hashes             signed_out  401  401  .      .        401   401   401   .
GET /sync/digests            anonymous   401
GET /sync/digests            employee    200
GET /sync/digests            manager     200
GET /sync/digests            senior      200
GET /sync/digests            hr          200
GET /sync/digests            admin       200
GET /sync/digests            disabled    403
GET /sync/digests            signed_out  401
GET /sync/ready-cache        anonymous   401
GET /sync/ready-cache        employee    404
GET /sync/ready-cache        manager     404
GET /sync/ready-cache        senior      404
GET /sync/ready-cache        hr          200
GET /sync/ready-cache        admin       404
GET /sync/ready-cache        disabled    403
GET /sync/ready-cache        signed_out  401
GET /sync/ready-cache/{cache_id}  anonymous   401
GET /sync/ready-cache/{cache_id}  employee    404
GET /sync/ready-cache/{cache_id}  manager     404
GET /sync/ready-cache/{cache_id}  senior      404
GET /sync/ready-cache/{cache_id}  hr          206
GET /sync/ready-cache/{cache_id}  admin       404
GET /sync/ready-cache/{cache_id}  disabled    403
GET /sync/ready-cache/{cache_id}  signed_out  401
POST /sync/records           anonymous   401  401  .      .        401   401   401   .
POST /sync/records           employee    see  -    .      .        -     -     -     .
POST /sync/records           manager     see  -    see    .        -     -     see   .
POST /sync/records           senior      see  -    see    -        -     -     see   .
POST /sync/records           hr          see  see  .      .        see   -     see   .
POST /sync/records           admin       .    .    .      .        -     .     -     .
POST /sync/records           disabled    403  403  .      .        403   403   403   .
POST /sync/records           signed_out  401  401  .      .        401   401   401   .
GET /absences                anonymous   401
GET /absences                employee    200
GET /absences                manager     200
GET /absences                senior      200
GET /absences                hr          200
GET /absences                admin       200
GET /absences                disabled    403
GET /absences                signed_out  401
POST /absences               anonymous   401  401  .      .        401   401   401   .
POST /absences               employee    no   no   .      .        no    no    no    .
POST /absences               manager     no   no   ok     .        no    no    ok    .
POST /absences               senior      no   no   ok     no       no    no    ok    .
POST /absences               hr          no   ok   .      .        ok    no    ok    .
POST /absences               admin       .    .    .      .        no    .     no    .
POST /absences               disabled    403  403  .      .        403   403   403   .
POST /absences               signed_out  401  401  .      .        401   401   401   .
"""

Key = tuple[str, str, str]  # (route, role, target); target "" for a route without one


def parse(table: str) -> dict[Key, str]:
    expected: dict[Key, str] = {}
    for line in table.strip().splitlines()[1:]:
        method, path, role, *cells = line.split()
        route = f"{method} {path}"
        assert role in ROLES, line
        if len(cells) == 1:
            expected[(route, role, "")] = cells[0]
            continue
        assert len(cells) == len(TARGETS), line
        for target, cell in zip(TARGETS, cells, strict=True):
            if cell != ".":
                expected[(route, role, target)] = cell
    return expected


def served_routes(server: LiveServer) -> set[str]:
    app = create_app(server.settings, server.engine)
    return {
        f"{method} {context.path}"
        for context in iter_route_contexts(app.routes)
        for method in context.methods or ()
        if method != "HEAD"
    }


# -- the cast and their targets ------------------------------------------------------------


@dataclass
class Principal:
    role: str
    user: DemoUser | None
    client: httpx.Client
    tokens: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)  # target -> record id


def is_staff(user: DemoUser) -> bool:
    return user.roles == frozenset({Role.EMPLOYEE})


def pick_cast(people: DemoPeople) -> dict[str, DemoUser]:
    """A manager with two staff reports, whose own manager (not HR) has a manager too."""
    for manager in people.managers:
        staff = [u for u in people.reports(manager) if is_staff(u)]
        if manager.manager_id is None or len(staff) < 2:
            continue
        senior = people.by_employee(manager.manager_id)
        if senior in people.managers and senior.manager_id is not None:
            break
    else:
        raise AssertionError("the demo has no manager of managers")
    hr = next(u for u in people.hr if u.employee_id is not None)
    admin = next(u for u in people.users.values() if u.employee_id is None)
    used = {manager.id, senior.id, staff[0].id, staff[1].id, hr.id}
    spare = [u for u in people.employees if u.id not in used and u.manager_id != hr.employee_id]
    return {
        "employee": staff[0],
        "manager": manager,
        "senior": senior,
        "hr": hr,
        "admin": admin,
        "disabled": spare[0],
        "signed_out": spare[1],
    }


def relatives(people: DemoPeople, user: DemoUser, departments: dict[int, int]) -> dict[str, int]:
    """Target -> the employee id a target record is about, for this user."""
    me = user.employee_id
    everyone = [u for u in people.users.values() if u.employee_id is not None]
    if me is None:  # no employee row: no relatives; an unrelated person for the rest
        return {"other": people.employees[0].employee_id, "capab": people.employees[0].employee_id}
    peers = [u for u in everyone if u.manager_id == user.manager_id and u.id != user.id]
    reports = people.reports(user) if Role.MANAGER in user.roles else []
    second = [r for report in reports for r in people.reports(report)]
    related = {me, user.manager_id} | {u.employee_id for u in peers + reports + second}
    other = next(
        u
        for u in people.employees
        if u.employee_id not in related and departments[u.employee_id] != departments[me]
    )
    found = {"own": me, "draft": me, "other": other.employee_id}
    if peers:
        found["peer"] = peers[0].employee_id
    if reports:
        found["report"] = reports[0].employee_id
    if second:
        found["indirect"] = second[0].employee_id
    capab = reports or peers
    found["capab"] = capab[0].employee_id
    return {k: v for k, v in found.items() if v is not None}


def make_targets(server: LiveServer, subjects: dict[str, int]) -> dict[str, str]:
    """Records for this user's targets, cloned from demo records of the same kind and stage."""
    like = {
        "draft": (RecordKind.SUPERVISION, "draft"),
        "capab": (RecordKind.CAPABILITY, "final_warning"),
    }
    made: dict[str, str] = {}
    with server.session() as session:
        lock = sequence.lock(session)
        for target, subject in subjects.items():
            kind, status = like.get(target, (RecordKind.SUPERVISION, "completed"))
            model = session.scalars(
                select(Record).where(Record.kind == kind, Record.status == status).limit(1)
            ).one()
            record = create_record(
                session,
                kind=kind,
                subject_id=subject,
                author_id=None,
                template_id=model.template_id,
                template_version=model.template_version,
                answers=dict(model.answers),
                status=status,
                record_date=model.record_date,
                at=datetime.now().astimezone(),
            )
            session.flush()
            record.server_rev = lock.next()
            made[target] = record.id
    return made


def sign_in_cast(server: LiveServer) -> dict[str, Principal]:
    people = server.people
    with server.session() as session:
        departments = dict(session.execute(select(Employee.id, Employee.department_id)).all())
    cast = pick_cast(people)
    principals = {"anonymous": Principal("anonymous", cast["employee"], server.client())}
    for role, user in cast.items():
        signed: SignedIn = server.login(user.username)
        principals[role] = Principal(role, user, signed.client, signed.tokens)
    for principal in principals.values():
        assert principal.user is not None
        principal.targets = make_targets(server, relatives(people, principal.user, departments))
    with server.session() as session:  # the ends of two sessions, after their tokens were made
        disable_user(session, session.get(User, cast["disabled"].id))
    leaving = principals["signed_out"]
    refresh = leaving.tokens["refresh_token"]
    assert leaving.client.post("/auth/logout", json={"refresh_token": refresh}).status_code == 204
    return principals


# -- probes: route -> the outcome of each (role, target) ------------------------------------


def status_probe(method: str, path: str) -> Callable[[LiveServer, Principal], str]:
    def probe(server: LiveServer, who: Principal) -> str:
        return str(who.client.request(method, path).status_code)

    return probe


def login_probe(server: LiveServer, who: Principal) -> str:
    assert who.user is not None
    username = who.user.username if who.role != "anonymous" else "nobody-at-all"
    body = {"username": username, "password": "demo", "device": "matrix"}
    return str(server.client().post("/auth/login", json=body).status_code)


def refresh_probe(server: LiveServer, who: Principal) -> str:
    token = who.tokens.get("refresh_token", "not-a-token")
    reply = server.client().post("/auth/refresh", json={"refresh_token": token})
    return str(reply.status_code)


def logout_probe(server: LiveServer, who: Principal) -> str:
    token = who.tokens.get("refresh_token", "not-a-token")
    return str(who.client.post("/auth/logout", json={"refresh_token": token}).status_code)


def sso_login_probe(server: LiveServer, who: Principal) -> str:
    """A well-formed body, so the answer is the route's own: single sign-on is not set up."""
    body = {"id_token": "a.b.c", "nonce": "matrix", "device": "matrix"}
    return str(who.client.post("/auth/sso/login", json=body).status_code)


def certificate_probe(server: LiveServer, who: Principal) -> str:
    assert who.user is not None
    csr = b64(certificate_request(new_private_key(), who.user.username))
    return str(who.client.post("/certificates", json={"csr": csr}).status_code)


ERRORS_CSV = Path(__file__).resolve().parents[2] / "resources" / "hr" / "samples" / "errors.csv"


def org_import_probe(server: LiveServer, who: Principal) -> str:
    """A dry run of the errors sample (it writes nothing); a refusal to anyone but HR is
    the route's one wording."""
    content = base64.b64encode(ERRORS_CSV.read_bytes()).decode()
    reply = who.client.post("/hr/org-import", json={"file_name": "errors.csv", "content": content})
    if reply.status_code == 403 and reply.json().get("code") != "account_disabled":
        assert reply.json() == {"detail": HR_ONLY, "code": "hr_only"}
    return str(reply.status_code)


def absence_push_probe(server: LiveServer, who: Principal) -> dict[str, str]:
    """A new absence episode about each target's person: `ok` (applied) or `no` (refused:
    not theirs to record, their own, or out of scope); each on its own day, so no overlap."""
    outcomes = {}
    with server.session() as session:
        subjects = {t: session.get(Record, rid).subject_id for t, rid in who.targets.items()}
    for n, (target, subject) in enumerate(sorted(subjects.items())):
        day = f"2001-0{1 + ROLES.index(who.role) % 9}-{10 + n:02d}"
        episode = {
            "id": str(uuid.uuid4()),
            "employee_id": subject,
            "first_day": day,
            "last_day": day,
            "reason": "infection",
        }
        reply = who.client.post("/absences", json={"absences": [episode]})
        if reply.status_code != 200:
            outcomes[target] = str(reply.status_code)
            continue
        (result,) = reply.json()["results"]
        outcomes[target] = "ok" if result["outcome"] == "applied" else "no"
    return outcomes


def absence_import_probe(server: LiveServer, who: Principal) -> str:
    """A dry run of the sample (it writes nothing); refused to anyone but HR."""
    sample = Path(__file__).resolve().parents[2] / "resources" / "hr" / "samples" / "absences.csv"
    content = base64.b64encode(sample.read_bytes()).decode()
    reply = who.client.post(
        "/hr/absence-import", json={"file_name": "absences.csv", "content": content}
    )
    if reply.status_code == 403 and reply.json().get("code") != "account_disabled":
        assert reply.json()["code"] == "hr_only"
    return str(reply.status_code)


def mi_dashboard_probe(server: LiveServer, who: Principal) -> str:
    """The council's figures for a year; a refusal to staff is the route's one wording."""
    reply = who.client.get("/mi/dashboard", params={"year": 2025})
    if reply.status_code == 403 and reply.json().get("code") != "account_disabled":
        assert reply.json() == {"detail": MI_ONLY, "code": "mi_refused"}
    return str(reply.status_code)


def ready_cache_probe(file: bool) -> Callable[[LiveServer, Principal], str]:
    """HR's ready-made first sync (built once here): its description, or 10 bytes of it."""

    def probe(server: LiveServer, who: Principal) -> str:
        from lcc_apr.server import ready_cache
        from lcc_apr.store import migrate

        offer = ready_cache.current(ready_cache.folder(server.settings))
        if offer is None:
            offer = ready_cache.build(server.settings, server.engine)
        revision = {"revision": migrate.head()}
        if not file:
            return str(who.client.get("/sync/ready-cache", params=revision).status_code)
        path, ten = f"/sync/ready-cache/{offer.id}", {"Range": "bytes=0-9"}
        return str(who.client.get(path, params=revision, headers=ten).status_code)

    return probe


def snapshot_probe(server: LiveServer, who: Principal) -> dict[str, str]:
    from lcc_apr.sync.snapshot import decode

    seen: set[str] = set()
    after, more = "", True
    while more:
        reply = who.client.get("/sync/snapshot", params={"after": after})
        if reply.status_code != 200:
            return dict.fromkeys(who.targets, str(reply.status_code))
        part = decode(reply.content, after=after)
        seen |= {row[0] for row in part.rows}
        after, more = part.last or after, part.more
    return {t: "see" if rid in seen else "-" for t, rid in who.targets.items()}


def hashes_probe(server: LiveServer, who: Principal) -> dict[str, str]:
    seen: set[str] = set()
    after, more = "", True
    while more:
        reply = who.client.get("/sync/hashes", params={"after": after})
        if reply.status_code != 200:
            return dict.fromkeys(who.targets, str(reply.status_code))
        page = reply.json()
        seen |= {rid for rid, _rev, _hash in page["hashes"]}
        after, more = (page["hashes"][-1][0] if page["hashes"] else after), page["more"]
    return {t: "see" if rid in seen else "-" for t, rid in who.targets.items()}


def records_probe(server: LiveServer, who: Principal) -> dict[str, str]:
    outcomes = {}
    for target, rid in who.targets.items():
        reply = who.client.post("/sync/records", json={"ids": [rid]})
        if reply.status_code != 200:
            outcomes[target] = str(reply.status_code)
        else:
            sent = {r["id"] for r in reply.json()["records"]}
            outcomes[target] = "see" if rid in sent else "-"
    return outcomes


def pull_probe(server: LiveServer, who: Principal) -> dict[str, str]:
    seen: set[str] = set()
    cursor, epoch, more = 0, None, True
    while more:
        params = {"cursor": cursor, **({"epoch": epoch} if epoch else {})}
        reply = who.client.get("/sync/pull", params=params)
        if reply.status_code != 200:
            return dict.fromkeys(who.targets, str(reply.status_code))
        page = reply.json()
        seen |= {item["record"]["id"] for item in page["items"] if "record" in item}
        cursor, epoch, more = page["cursor"], page["epoch"], page["more"]
    return {t: "see" if rid in seen else "-" for t, rid in who.targets.items()}


def org_probe(server: LiveServer, who: Principal) -> dict[str, str]:
    reply = who.client.get("/org")
    if reply.status_code != 200:
        return dict.fromkeys(who.targets, str(reply.status_code))
    listed = {e["id"] for e in reply.json()["employees"]}
    with server.session() as session:
        subject = {t: session.get(Record, rid).subject_id for t, rid in who.targets.items()}
    return {t: "see" if subject[t] in listed else "-" for t in who.targets}


def push_probe(server: LiveServer, who: Principal, refusals: list[dict]) -> dict[str, str]:
    with server.session() as session:
        nobody = session.scalar(select(func.max(Employee.id))) + 1000
        wires = {t: wire_of(session.get(Record, rid)) for t, rid in who.targets.items()}
    wires["missing"] = {**wires["own" if "own" in wires else "other"], "subject_id": nobody}
    wires["missing"].update(id=str(uuid.uuid4()), server_rev=None, base_rev=None)
    outcomes = {}
    for target, wire in wires.items():
        reply = who.client.post("/sync/push", json={"key": str(uuid.uuid4()), "records": [wire]})
        if reply.status_code != 200:
            outcomes[target] = str(reply.status_code)
            continue
        (result,) = reply.json()["results"]
        if result["outcome"] == "applied":
            outcomes[target] = "ok"
        elif result["reason"] == OUT_OF_SCOPE:
            outcomes[target] = "oos"
            refusals.append({k: v for k, v in result.items() if k != "id"})
        else:
            outcomes[target] = f"{result['outcome']}: {result.get('reason')}"
    return outcomes


def retention_probe(path: str, body: dict[str, Any]) -> Callable[[LiveServer, Principal], str]:
    """HR's retention routes with a body that fits (nothing is purged: the ids are unknown)."""

    def probe(server: LiveServer, who: Principal) -> str:
        reply = who.client.post(path, json=body)
        if reply.status_code == 403 and reply.json().get("code") != "account_disabled":
            assert reply.json()["code"] == "hr_only"
        return str(reply.status_code)

    return probe


def test_every_route_role_and_target_answers_as_the_matrix_says(live_server):
    expected = parse(MATRIX)
    assert {route for route, _r, _t in expected} == served_routes(live_server), (
        "every route the app serves needs rows in MATRIX (and no rows for routes it does not)"
    )
    for route in {route for route, _r, _t in expected}:
        assert {role for r, role, _t in expected if r == route} == set(ROLES), route
    principals = sign_in_cast(live_server)
    refusals: list[dict] = []
    per_target: dict[str, Callable[[LiveServer, Principal], dict[str, str]]] = {
        "GET /sync/pull": pull_probe,
        "GET /sync/snapshot": snapshot_probe,
        "GET /org": org_probe,
        "POST /sync/push": lambda server, who: push_probe(server, who, refusals),
        "GET /sync/hashes": hashes_probe,
        "POST /sync/records": records_probe,
        "POST /absences": absence_push_probe,
    }
    special = {
        "POST /auth/login": login_probe,
        "POST /auth/refresh": refresh_probe,
        "POST /auth/sso/login": sso_login_probe,
        "POST /certificates": certificate_probe,
        "POST /hr/org-import": org_import_probe,
        "POST /hr/absence-import": absence_import_probe,
        "GET /mi/dashboard": mi_dashboard_probe,
        "GET /sync/ready-cache": ready_cache_probe(file=False),
        "GET /sync/ready-cache/{cache_id}": ready_cache_probe(file=True),
        "POST /auth/logout": logout_probe,  # last: it ends the sessions
        "POST /hr/retention/confirm": retention_probe(
            "/hr/retention/confirm", {"record_ids": [str(uuid.uuid4())]}
        ),
        "POST /hr/retention/hold": retention_probe(
            "/hr/retention/hold", {"employee_id": 1, "reason": "other"}
        ),
        "POST /hr/retention/release": retention_probe("/hr/retention/release", {"hold_id": 999999}),
    }
    routes = sorted({r for r, _role, _t in expected}, key=lambda r: (r == "POST /auth/logout", r))
    got: dict[Key, str] = {}
    for route in routes:
        for role in ROLES:
            who = principals[role]
            if route in per_target:
                for target, outcome in per_target[route](live_server, who).items():
                    got[(route, role, target)] = outcome
            else:
                probe = special.get(route) or status_probe(*route.split())
                got[(route, role, "")] = probe(live_server, who)
    wrong = [
        f"{route} as {role} on {target or '-'}: expected {want}, got {got.get(key, 'no answer')}"
        for key in sorted(expected.keys() | got.keys())
        for route, role, target in [key]
        if (want := expected.get(key, "no row")) != got.get(key)
    ]
    assert not wrong, "\n".join(wrong)
    # Out of scope is one answer, whatever the target (finding 8), and each one is audited.
    assert len({str(r) for r in refusals}) == 1, refusals
    assert refusals[0] == {"outcome": "refused", "server_rev": None, "reason": OUT_OF_SCOPE}
    with live_server.session() as session:
        audited = session.scalar(select(func.count()).where(AuditEntry.outcome == "refused:scope"))
    assert audited == len(refusals)
    with live_server.session() as session:  # HR's import refused to the four others, audited
        refused = AuditEntry.event == "org_import", AuditEntry.outcome == "refused:role"
        assert session.scalar(select(func.count()).where(*refused)) == 4
