"""Signing in, refreshing, signing out, and recognising the user behind a request.

An unknown username and a wrong password get the same 401, cost the same time
and lock the same way (lockout.py): the attempt that reaches the limit locks the
name (423 with retry_after) for the lockout period, and too many failures from one
address make it wait (429 with retry_after). A refresh token is
spent once: presenting a spent one again revokes its whole family (someone
copied it), unless it comes within the grace (refresh_grace_seconds) and its
successor is still unused: then its reply was lost, and the same successor is
sent again. A disabled account gets 403 with code account_disabled.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from lcc_apr.models import Role, User, UserRole, now_utc

from . import audit, lockout
from .accounts import revoke_family
from .context import ServerContext
from .errors import ApiError
from .orgview import user_json
from .scope import Viewer, load_viewer
from .security import new_refresh_token, token_hash
from .tables import Account, AuthSession, RefreshToken

WRONG_DETAILS = "The username or password is wrong."
SESSION_ENDED = "Your session has ended; sign in again."
TOO_MANY = "Too many failed sign-ins from this address: wait a few minutes and try again."
AT_ONCE = "Too many sign-ins at once for this account: try again in a moment."
DISABLED = "This account has been disabled. Ask HR or IT if you think this is a mistake."


def disabled_error() -> ApiError:
    return ApiError(403, DISABLED, code="account_disabled")


@dataclass(frozen=True)
class Principal:
    """The signed-in user of a request."""

    user_id: int
    session_id: str
    viewer: Viewer


def _issue(
    ctx: ServerContext, session: Session, user: User, family_id: str, now: datetime, refresh: str
) -> dict[str, Any]:
    session.add(
        RefreshToken(
            family_id=family_id,
            token_hash=token_hash(refresh),
            issued_at=now,
            expires_at=now + ctx.tokens.refresh_lifetime,
        )
    )
    return _reply(ctx, user, family_id, now, refresh)


def _reply(
    ctx: ServerContext, user: User, family_id: str, now: datetime, refresh: str
) -> dict[str, Any]:
    return {
        "access_token": ctx.tokens.access_token(user.id, family_id, now),
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": ctx.tokens.access_seconds,
        "user": user_json(user),
    }


def login(
    ctx: ServerContext,
    session: Session,
    username: str,
    password: str,
    device: str,
    route: str,
    address: str,
) -> dict[str, Any]:
    now = now_utc()
    wait = ctx.throttle.wait(address)
    if wait:
        audit.add(session, None, "login", route, "throttled")
        session.commit()
        raise ApiError(429, TOO_MANY, headers={"Retry-After": str(wait)}, retry_after=wait)
    user = session.scalar(select(User).where(User.username == username))
    account = session.get(Account, user.id) if user else None
    user_id = account.user_id if account else None
    if account is None:
        counter = lockout.name_counter(session, ctx.settings.signing_key(), username, now)
    else:
        counter = lockout.account_counter(account.user_id)
    claimed = lockout.claim(session, counter, now)
    if claimed is None:
        audit.add(session, user_id, "login", route, "locked")
        session.commit()
        raise _locked(lockout.locked_until(session, counter) or now, now)
    if claimed > ctx.settings.lockout_attempts:  # more in flight than the limit: wait
        lockout.give_back(session, counter)
        audit.add(session, user_id, "login", route, "busy")
        session.commit()
        raise ApiError(429, AT_ONCE, headers={"Retry-After": "1"}, retry_after=1)
    if account is None:
        ctx.passwords.waste_time(password)
        _failed(ctx, session, counter, claimed, user_id, address, now, route)
    if not ctx.passwords.verify(account.password_hash, password):
        _failed(ctx, session, counter, claimed, user_id, address, now, route)
    if not lockout.succeeded(session, counter, claimed, now):  # locked meanwhile
        audit.add(session, user_id, "login", route, "locked")
        session.commit()
        raise _locked(lockout.locked_until(session, counter) or now, now)
    assert user is not None
    if account.disabled or not user.active:
        audit.add(session, user.id, "login", route, "account_disabled")
        session.commit()
        raise disabled_error()
    if ctx.passwords.needs_rehash(account.password_hash):
        account.password_hash = ctx.passwords.hash(password)
    reply = open_session(ctx, session, user, device, now)
    audit.add(session, user.id, "login", route, "ok")
    session.commit()
    return reply


def open_session(
    ctx: ServerContext, session: Session, user: User, device: str, now: datetime
) -> dict[str, Any]:
    """A new signed-in device for `user` (password or single sign-on): its refresh family
    and the TokenReply, in the caller's transaction (the caller commits)."""
    family = AuthSession(id=str(uuid.uuid4()), user_id=user.id, device=device[:100], created_at=now)
    session.add(family)
    session.flush()
    return _issue(ctx, session, user, family.id, now, new_refresh_token())


def _failed(
    ctx: ServerContext,
    session: Session,
    counter: lockout.Counter,
    claimed: int,
    user_id: int | None,
    address: str,
    now: datetime,
    route: str,
) -> NoReturn:
    """A wrong password, or an unknown name (`user_id` None): 401, or 423 at the limit."""
    ctx.throttle.failed(address)
    if claimed >= ctx.settings.lockout_attempts:
        until = lockout.lock(session, counter, now, ctx.settings.lockout_minutes)
        audit.add(session, user_id, "login", route, "locked_out")
        session.commit()
        raise _locked(until, now)
    audit.add(session, user_id, "login", route, "wrong_password" if user_id else "unknown_user")
    session.commit()
    raise ApiError(401, WRONG_DETAILS)


def _locked(until: datetime, now: datetime) -> ApiError:
    seconds = lockout.seconds_left(until, now)
    minutes = math.ceil(seconds / 60)
    return ApiError(
        423,
        f"Too many failed sign-ins: this account is locked for {minutes} more minute(s).",
        headers={"Retry-After": str(seconds)},
        retry_after=seconds,
    )


def refresh(ctx: ServerContext, session: Session, token: str, route: str) -> dict[str, Any]:
    now = now_utc()
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash(token)))
    if row is None:
        raise ApiError(401, SESSION_ENDED)
    family = session.get(AuthSession, row.family_id)
    assert family is not None
    user = session.get(User, family.user_id)
    account = session.get(Account, family.user_id)
    if user is None or account is None or account.disabled or not user.active:
        revoke_family(session, family.id, now)
        audit.add(session, family.user_id, "refresh", route, "account_disabled")
        session.commit()
        raise disabled_error()
    if row.used_at is not None and family.revoked_at is None:
        return _again(ctx, session, user, family, row, token, now, route)
    if family.revoked_at is not None or row.revoked_at is not None or row.expires_at <= now:
        raise ApiError(401, SESSION_ENDED)
    # An UPDATE's result is a CursorResult (with rowcount); Session.execute's types say Result.
    spent = cast(
        CursorResult[Any],
        session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == row.id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(used_at=now)
        ),
    )
    if spent.rowcount != 1:  # spent by a concurrent request a moment ago
        session.refresh(row)
        return _again(ctx, session, user, family, row, token, now, route)
    reply = _issue(ctx, session, user, family.id, now, ctx.tokens.successor(token))
    session.commit()
    return reply


def _again(
    ctx: ServerContext,
    session: Session,
    user: User,
    family: AuthSession,
    row: RefreshToken,
    token: str,
    now: datetime,
    route: str,
) -> dict[str, Any]:
    """A spent token presented again: within the grace, and while its successor is unused
    (the reply was lost on the way), the same successor and a new access token; otherwise
    someone copied it, and the family is revoked."""
    grace = timedelta(seconds=ctx.settings.refresh_grace_seconds)
    successor = ctx.tokens.successor(token)
    if row.used_at is not None and now - row.used_at <= grace:
        following = session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash(successor))
        )
        if (
            following is not None
            and following.family_id == family.id
            and following.used_at is None
            and following.revoked_at is None
            and following.expires_at > now
        ):
            audit.add(session, family.user_id, "refresh", route, "repeated")
            session.commit()
            return _reply(ctx, user, family.id, now, successor)
    _reused(session, family, now, route)


def _reused(session: Session, family: AuthSession, now: datetime, route: str) -> NoReturn:
    revoke_family(session, family.id, now)
    audit.add(session, family.user_id, "refresh", route, "reuse_revoked_family")
    session.commit()
    raise ApiError(401, SESSION_ENDED)


def logout(session: Session, principal: Principal, token: str, route: str) -> None:
    now = now_utc()
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash(token)))
    if row is not None:
        family = session.get(AuthSession, row.family_id)
        if family is not None and family.user_id == principal.user_id:
            revoke_family(session, family.id, now)
    revoke_family(session, principal.session_id, now)
    audit.add(session, principal.user_id, "logout", route, "ok")
    session.commit()


def authenticate(ctx: ServerContext, session: Session, bearer: str | None, route: str) -> Principal:
    """The user behind an access token, or 401 (no valid token) / 403 (disabled)."""
    claims = ctx.tokens.read_access(bearer) if bearer else None
    if claims is None:
        raise ApiError(401, "Sign in first.", headers={"WWW-Authenticate": "Bearer"})
    row = session.execute(
        select(User.employee_id, User.active, Account.disabled, AuthSession.revoked_at)
        .join(Account, Account.user_id == User.id)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(User.id == claims.user_id, AuthSession.id == claims.session_id)
    ).first()
    if row is None:
        raise ApiError(401, SESSION_ENDED, headers={"WWW-Authenticate": "Bearer"})
    if row.disabled or not row.active:
        session.rollback()
        audit.write(ctx.engine, claims.user_id, "request", route, "account_disabled")
        raise disabled_error()
    if row.revoked_at is not None:
        raise ApiError(401, SESSION_ENDED, headers={"WWW-Authenticate": "Bearer"})
    roles = frozenset(
        Role(r)
        for r in session.scalars(select(UserRole.role).where(UserRole.user_id == claims.user_id))
    )
    viewer = load_viewer(
        session, claims.user_id, row.employee_id, roles, ctx.settings.indirect_reports
    )
    return Principal(claims.user_id, claims.session_id, viewer)
