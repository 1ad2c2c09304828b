"""Who sees what, as SQL (for pulls) and in Python (for pushes); both say the same.

- Everyone with an employee row sees their own records only in states their
  workflow shares with the employee (this holds for managers and HR too).
- HR sees every other record.
- A manager sees their direct reports' records; with `indirect_reports` also
  their reports' reports', never those people's capability cases, attendance reviews,
  return-to-work interviews or welfare contacts (`DIRECT_ONLY`: health and formal
  procedures).
Anything else is out of scope.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, Record, RecordKind, Role, User, UserRole
from lcc_apr.workflow import PARTY_ROLE, WORKFLOWS, Actor

DIRECT, INDIRECT = "direct", "indirect"
# Kinds only the line manager (and HR) see, never a manager further up.
DIRECT_ONLY = (
    RecordKind.CAPABILITY,
    RecordKind.ATTENDANCE,
    RecordKind.RETURN_TO_WORK,
    RecordKind.WELFARE_CONTACT,
)


@cache
def shared_states(kind: RecordKind) -> frozenset[str]:
    return frozenset(s.name for s in WORKFLOWS[kind].states if s.shared)


def shared_clause() -> ColumnElement[bool]:
    """The record is in a state its employee may see."""
    return or_(
        *(
            and_(Record.kind == kind, Record.status.in_(sorted(shared_states(kind))))
            for kind in RecordKind
        )
    )


@dataclass(frozen=True)
class Viewer:
    """A signed-in user and the people whose records they may see."""

    user_id: int
    employee_id: int | None
    roles: frozenset[Role]
    direct: frozenset[int] = frozenset()  # employee ids of direct reports (managers)
    indirect: frozenset[int] = frozenset()  # their reports (when indirect_reports is on)

    @property
    def is_hr(self) -> bool:
        return Role.HR in self.roles

    def can_see(self, kind: RecordKind, subject_id: int, status: str) -> bool:
        if subject_id == self.employee_id:
            return status in shared_states(kind)
        if self.is_hr or subject_id in self.direct:
            return True
        return subject_id in self.indirect and kind not in DIRECT_ONLY

    def record_filter(self) -> ColumnElement[bool]:
        """SQL for `can_see` over the records table."""
        clauses: list[ColumnElement[bool]] = []
        if self.employee_id is not None:
            clauses.append(and_(Record.subject_id == self.employee_id, shared_clause()))
        if self.is_hr:
            others = Record.subject_id != self.employee_id if self.employee_id else true()
            clauses.append(others)
        if self.direct:
            clauses.append(Record.subject_id.in_(sorted(self.direct)))
        if self.indirect:
            clauses.append(
                and_(
                    Record.subject_id.in_(sorted(self.indirect)),
                    Record.kind.not_in(DIRECT_ONLY),
                )
            )
        return or_(*clauses) if clauses else false()

    def actor(self, subject_id: int) -> Actor:
        """The workflow actor this user is for a record about `subject_id`."""
        return Actor(
            user_id=self.user_id,
            roles=self.roles,
            is_subject=subject_id == self.employee_id,
            is_line_manager=subject_id in self.direct,
        )

    def record_roles(self, subject_id: int) -> frozenset[Role]:
        """The roles whose fields this user may edit on a record about `subject_id`."""
        return frozenset(PARTY_ROLE[p] for p in self.actor(subject_id).parties())

    def sees_people(self) -> frozenset[int]:
        """Employee ids this user may see as a manager (HR: use `is_hr`)."""
        return self.direct | self.indirect


def reports_of(session: Session, manager_ids: frozenset[int] | set[int]) -> frozenset[int]:
    if not manager_ids:
        return frozenset()
    stmt = select(Employee.id).where(Employee.line_manager_id.in_(sorted(manager_ids)))
    return frozenset(session.scalars(stmt))


def load_viewer(
    session: Session, user_id: int, employee_id: int | None, roles: frozenset[Role], indirect: bool
) -> Viewer:
    direct: frozenset[int] = frozenset()
    second: frozenset[int] = frozenset()
    if Role.MANAGER in roles and employee_id is not None:
        direct = reports_of(session, {employee_id}) - {employee_id}
        if indirect:
            second = reports_of(session, set(direct)) - direct - {employee_id}
    return Viewer(user_id, employee_id, roles, direct, second)


def reload_viewer(session: Session, viewer: Viewer, indirect: bool) -> Viewer:
    """The same user's scope read again: call it after taking the sequence lock (push) or
    reading the committed counter (pull), so an organisation change that committed since
    the request was authenticated is not missed.
    """
    return load_viewer(session, viewer.user_id, viewer.employee_id, viewer.roles, indirect)


def manager_viewers(
    session: Session,
    subjects: Collection[int],
    indirect: bool,
    managers: Mapping[int, int | None],
) -> dict[int, dict[int, str]]:
    """For each subject: user id -> DIRECT/INDIRECT for the managers who see them through the
    hierarchy `managers` (employee id -> their line manager's). HR users are left out: they
    see everyone whatever the hierarchy says."""
    chains: dict[int, list[tuple[int, str]]] = {}
    for subject in subjects:
        chain: list[tuple[int, str]] = []
        manager = managers.get(subject)
        if manager is not None:
            chain.append((manager, DIRECT))
            above = managers.get(manager) if indirect else None
            if above is not None and above != subject:
                chain.append((above, INDIRECT))
        chains[subject] = chain
    wanted = sorted({e for chain in chains.values() for e, _ in chain})
    users: dict[int | None, int] = {}
    if wanted:
        stmt = select(User.employee_id, User.id).where(User.employee_id.in_(wanted))
        users = {employee_id: user_id for employee_id, user_id in session.execute(stmt)}
    roles: dict[int, set[Role]] = {u: set() for u in users.values()}
    if roles:
        for user_id, role in session.execute(
            select(UserRole.user_id, UserRole.role).where(UserRole.user_id.in_(sorted(roles)))
        ):
            roles[user_id].add(role)
    seen: dict[int, dict[int, str]] = {}
    for subject, chain in chains.items():
        found: dict[int, str] = {}
        for employee_id, level in chain:
            manager_user = users.get(employee_id)
            if manager_user is None or manager_user in found:
                continue
            if Role.MANAGER in roles[manager_user] and Role.HR not in roles[manager_user]:
                found[manager_user] = level
        seen[subject] = found
    return seen
