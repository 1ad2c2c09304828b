"""Accounts (the sign-in side of users) and what administrators do with them.

Creating a user adds the domain `users` row with its roles and the server's
`accounts` row with the argon2id hash. Disabling ends every session at once
(every route then answers 403 account_disabled); resetting a password ends
them too and lifts any lockout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, Role, User, UserRole, now_utc
from lcc_apr.models.organisation import full_name

from .tables import Account, AuthSession, RefreshToken

# The password hash of an account that has no password yet (people added by an organisation
# import): no password matches it, so the account signs in only once `reset-password` sets
# one (or, later, through single sign-on). It is not disabled.
NO_PASSWORD = "!no-password"


class AccountError(Exception):
    """An administrator's command that cannot be done; the message says why."""


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"There is no user called {username!r}.")
    return user


@dataclass(frozen=True)
class NewUser:
    username: str
    roles: tuple[Role, ...]
    employee_id: int | None = None  # staff users name their employee row
    display_name: str | None = None  # default: the employee's name


def create_user(
    session: Session,
    *,
    username: str,
    password_hash: str,
    roles: Iterable[Role],
    employee_id: int | None = None,
    display_name: str | None = None,
    at: datetime | None = None,
) -> User:
    """A new user and their account. Staff users name their employee row."""
    new = NewUser(username, tuple(roles), employee_id, display_name)
    made = create_users(session, [new], password_hash=password_hash, at=at)[0]
    return session.get_one(User, made)


def create_users(
    session: Session,
    new: Sequence[NewUser],
    *,
    password_hash: str,
    at: datetime | None = None,
) -> list[int]:
    """New users and their accounts, all with this password hash (an organisation import:
    NO_PASSWORD), inserted in bulk. Returns their user ids, in order. AccountError, and
    none made, when any one cannot be."""
    at = at or now_utc()
    names = [n.username for n in new]
    taken = set(session.scalars(select(User.username).where(User.username.in_(names))))
    wanted = [n.employee_id for n in new if n.employee_id is not None]
    employees = {
        e.id: full_name(e.first_name, e.preferred_name, e.last_name)
        for e in session.execute(
            select(
                Employee.id, Employee.first_name, Employee.preferred_name, Employee.last_name
            ).where(Employee.id.in_(wanted))
        )
    }
    linked = set(session.scalars(select(User.employee_id).where(User.employee_id.in_(wanted))))
    users, roles = [], []
    for n in new:
        roles.append(tuple(sorted(set(n.roles))))
        if not roles[-1]:
            raise AccountError("Give the user at least one role.")
        if n.username in taken:
            raise AccountError(f"The username {n.username!r} is taken.")
        taken.add(n.username)
        display_name = n.display_name
        if n.employee_id is not None:
            shown = employees.get(n.employee_id)
            if shown is None:
                raise AccountError(f"There is no employee {n.employee_id}.")
            if n.employee_id in linked:
                raise AccountError(f"Employee {n.employee_id} already has a user.")
            linked.add(n.employee_id)
            display_name = display_name or shown
        if not display_name:
            raise AccountError("Give a display name for a user who is not an employee.")
        users.append(
            {
                "username": n.username,
                "employee_id": n.employee_id,
                "display_name": display_name,
                "active": True,
                "created_at": at,
            }
        )
    if not users:
        return []
    ids = dict(session.execute(insert(User).returning(User.username, User.id), users).all())
    made = [ids[name] for name in names]  # matched by name: RETURNING has no order
    session.execute(
        insert(UserRole),
        [{"user_id": u, "role": r} for u, held in zip(made, roles, strict=True) for r in held],
    )
    session.execute(  # new accounts: no session to end
        insert(Account),
        [
            {
                "user_id": u,
                "password_hash": password_hash,
                "failed_attempts": 0,
                "disabled": False,
                "password_changed_at": at,
            }
            for u in made
        ],
    )
    return made


def account_of(session: Session, user: User) -> Account:
    account = session.get(Account, user.id)
    if account is None:
        raise AccountError(f"The user {user.username!r} has no account on this server.")
    return account


def set_password(
    session: Session, user: User, password_hash: str, at: datetime | None = None
) -> None:
    """Replace the password, lift any lockout and end every session of the user."""
    at = at or now_utc()
    account = session.get(Account, user.id)
    if account is None:  # a new account: no session to end
        session.add(
            Account(
                user_id=user.id,
                password_hash=password_hash,
                failed_attempts=0,
                disabled=False,
                password_changed_at=at,
            )
        )
        return
    account.password_hash = password_hash
    account.failed_attempts = 0
    account.locked_until = None
    account.password_changed_at = at
    end_sessions(session, user.id, at)


def disable_user(session: Session, user: User, at: datetime | None = None) -> int:
    """The user can no longer sign in or use any route; their sessions end now and their
    signing certificates are revoked (signatures made before now stay valid). Returns how
    many certificates were revoked."""
    from .ca import revoke_certificates

    at = at or now_utc()
    account_of(session, user).disabled = True
    user.active = False
    end_sessions(session, user.id, at)
    return revoke_certificates(session, user.id, "disabled", at=at)


def enable_user(session: Session, user: User) -> None:
    account = account_of(session, user)
    account.disabled = False
    account.failed_attempts = 0
    account.locked_until = None
    user.active = True


def unlink_sso(session: Session, users: Sequence[User]) -> list[int]:
    """Forget the council account (single sign-on) linked to each of these users' accounts,
    so their next sign-in with a council account links that one. Sessions already open
    stay (disable_user ends them). The ids of those that were linked."""
    linked = list(
        session.scalars(
            select(Account.user_id).where(
                Account.user_id.in_([u.id for u in users]), Account.sso_subject.is_not(None)
            )
        )
    )
    session.execute(
        update(Account).where(Account.user_id.in_(linked)).values(sso_issuer=None, sso_subject=None)
    )
    return linked


def linked_users(session: Session) -> list[User]:
    """Every user whose account is linked to a council account."""
    stmt = select(User).join(Account, Account.user_id == User.id)
    return list(session.scalars(stmt.where(Account.sso_subject.is_not(None))))


def end_sessions(session: Session, user_id: int, at: datetime) -> None:
    families = select(AuthSession.id).where(AuthSession.user_id == user_id)
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id.in_(families), RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def revoke_family(session: Session, family_id: str, at: datetime) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == family_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
