"""Single sign-on: the server's nonces, and signing in with an ID token from the council's
OpenID Connect provider.

The desktop asks for a nonce (kept here as its SHA-256, used once, for NONCE_MINUTES;
an address given `oidc_nonces_per_address` of them within `oidc_nonce_throttle_seconds`
waits, 429, so nobody can fill the table without signing in), signs the person in at the
provider with it, and sends the ID token back. The token is checked (lcc_apr.server.oidc)
and the nonce spent (a replay finds it gone). Then the person is found, in this order:

1. the account already linked to the token's council account (its `iss` and `sub`,
   which the provider never gives to anyone else), so a person whose work email or
   payroll number changed still signs in as themselves;
2. else the account of the imported employee named by the configured claim (work email
   or payroll number), which is then linked to this council account (first sign-in).

Both must agree: a council account linked to one account while the claim names another
is refused (`subject_taken`), and so is an account linked to another council account
(`subject_mismatch`: a work email given to someone else does not sign them in as its
former holder) until an administrator runs `lcc-apr-server unlink-sso`. A claim that
names nobody does not stop a linked council account. Then the server's own tokens are
issued as after a password sign-in (auth.open_session). Every refusal is a sentence for
the person and an audit entry (event `sso_login`, the reason as outcome; a new link is
also event `sso_link`, outcome `linked`); no token, claim, subject or name is ever logged.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, NoReturn, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lcc_apr.models import Employee, User, now_utc

from . import audit
from .auth import TOO_MANY, disabled_error, open_session
from .context import ServerContext
from .errors import ApiError
from .oidc import OidcProvider, ProviderUnreachable, TokenRefused
from .security import token_hash
from .tables import Account, SsoNonce

EVENT = "sso_login"
LINK_EVENT = "sso_link"
SUBJECT_MOST = 255  # OpenID Connect Core 2: a subject is at most 255 ASCII characters
NONCE_MINUTES = 10
NOT_ENABLED = (
    "This server does not offer sign-in with a council account: sign in with your username "
    "and password, or ask IT."
)
UNREACHABLE = (
    "The server could not reach your council's sign-in service. Try again in a few minutes; "
    "if it keeps happening, tell IT."
)
NOT_LINKED = (
    "Your council account is not linked to anyone in LCC APR. Ask HR to check that your {what} "
    "in the HR system is the same as on your council account."
)
WORDS = {
    "expired": "Your council sign-in has expired: sign in again.",
    "wrong_issuer": (
        "This sign-in came from a different sign-in service than the one this server trusts. "
        "Ask IT to check the single sign-on settings."
    ),
    "wrong_audience": (
        "This sign-in was made for another application, not LCC APR. Ask IT to check the "
        "single sign-on settings."
    ),
    "bad_signature": (
        "This sign-in could not be verified as coming from your council's sign-in service. "
        "Sign in again; if it keeps happening, tell IT."
    ),
    "bad_token": (
        "The sign-in service's answer could not be read. Sign in again; if it keeps "
        "happening, tell IT."
    ),
    "wrong_nonce": "This sign-in was already used, or is too old: sign in again.",
    "nonce_spent": "This sign-in was already used, or is too old: sign in again.",
}
MISMATCH = (
    "This LCC APR account is linked to a different council account. Ask your system "
    "administrator to unlink it if your council account has changed."
)
TAKEN = (
    "Your council account is linked to a different LCC APR account. Ask your system "
    "administrator to check which LCC APR account it should be linked to."
)
NONCES_TOO_MANY = (
    "Too many sign-ins with a council account were started from this address: wait a "
    "minute and try again."
)
WHAT = {"email": "work email address", "payroll_number": "payroll number"}


def provider(ctx: ServerContext) -> OidcProvider:
    """The provider, or 404 `sso_not_enabled` when the server has none."""
    if ctx.provider is None:
        raise ApiError(404, NOT_ENABLED, code="sso_not_enabled")
    return ctx.provider


def settings_reply(ctx: ServerContext) -> dict[str, Any]:
    """GET /auth/sso: what the desktop needs to start the sign-in at the provider."""
    found = provider(ctx)
    return {
        "issuer": found.issuer,
        "client_id": found.client_id,
        "scopes": list(ctx.settings.oidc_scopes),
    }


def new_nonce(ctx: ServerContext, session: Session, address: str) -> dict[str, Any]:
    """POST /auth/sso/nonce: a nonce for one sign-in (expired ones are cleared here), or
    429 with Retry-After when `address` was given too many lately (not audited: the
    log would be flooded instead)."""
    provider(ctx)
    wait = ctx.nonce_throttle.take(address)
    if wait:
        raise ApiError(429, NONCES_TOO_MANY, retry_after=wait, headers={"Retry-After": str(wait)})
    now = now_utc()
    nonce = secrets.token_urlsafe(32)
    session.execute(delete(SsoNonce).where(SsoNonce.expires_at <= now))
    session.add(
        SsoNonce(nonce_hash=token_hash(nonce), expires_at=now + timedelta(minutes=NONCE_MINUTES))
    )
    session.commit()
    return {"nonce": nonce, "expires_in": NONCE_MINUTES * 60}


def login(
    ctx: ServerContext,
    session: Session,
    *,
    id_token: str,
    nonce: str,
    device: str,
    route: str,
    address: str,
) -> dict[str, Any]:
    """POST /auth/sso/login: a TokenReply for the person the ID token names, or a refusal
    (401 for the token or nonce, 401 `sso_not_linked`, 401 `sso_link_conflict`, 403
    `account_disabled`, 429 from an address with too many failures, 502
    `provider_unreachable`)."""
    checker = provider(ctx)
    wait = ctx.throttle.wait(address)
    if wait:
        _refuse(
            session,
            None,
            route,
            "throttled",
            ApiError(429, TOO_MANY, retry_after=wait, headers={"Retry-After": str(wait)}),
        )
    try:
        claims = checker.check(id_token, nonce)
    except TokenRefused as refused:
        ctx.throttle.failed(address)
        _refuse(session, None, route, refused.reason, _token_error(refused.reason))
    except ProviderUnreachable:
        _refuse(
            session,
            None,
            route,
            "provider_unreachable",
            ApiError(502, UNREACHABLE, code="provider_unreachable"),
        )
    now = now_utc()
    spent = cast(
        CursorResult[Any],
        session.execute(
            delete(SsoNonce).where(
                SsoNonce.nonce_hash == token_hash(nonce), SsoNonce.expires_at > now
            )
        ),
    )
    if spent.rowcount != 1:  # used already (a replay), expired, or never ours
        ctx.throttle.failed(address)
        _refuse(session, None, route, "nonce_spent", _token_error("nonce_spent"))
    session.commit()  # spent, whatever follows
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject or len(subject) > SUBJECT_MOST:
        _refuse(session, None, route, "bad_token", _token_error("bad_token"))
    link = (claims["iss"], subject)
    named = _person(ctx, session, claims)
    account = session.scalar(
        select(Account).where(Account.sso_issuer == link[0], Account.sso_subject == link[1])
    )
    if account is not None and named is not None and named.id != account.user_id:
        _refuse(session, named.id, route, "subject_taken", _link_error(TAKEN))
    if account is None and named is not None:
        account = session.get(Account, named.id)
    user = session.get(User, account.user_id) if account is not None else None
    if user is None or account is None:
        what = WHAT[ctx.settings.oidc_match]
        error = ApiError(401, NOT_LINKED.format(what=what), code="sso_not_linked")
        _refuse(session, named.id if named else None, route, "not_linked", error)
    if account.disabled or not user.active:
        _refuse(session, user.id, route, "account_disabled", disabled_error())
    if account.sso_subject is None:
        _link(session, user.id, link, route)
    elif (account.sso_issuer, account.sso_subject) != link:
        _refuse(session, user.id, route, "subject_mismatch", _link_error(MISMATCH))
    reply = open_session(ctx, session, user, device, now)
    audit.add(session, user.id, EVENT, route, "ok")
    session.commit()
    return reply


def _link(session: Session, user_id: int, link: tuple[str, str], route: str) -> None:
    """Link the account to this council account (its first single sign-on), or refuse
    when another sign-in linked it, or this council account, meanwhile."""
    try:
        done = cast(
            CursorResult[Any],
            session.execute(
                update(Account)
                .where(Account.user_id == user_id, Account.sso_subject.is_(None))
                .values(sso_issuer=link[0], sso_subject=link[1])
                .execution_options(synchronize_session=False)  # the row is read again below
            ),
        )
    except IntegrityError:  # the unique index: linked to another account meanwhile
        _refuse(session, user_id, route, "subject_taken", _link_error(TAKEN))
    if done.rowcount != 1:
        now_linked = session.execute(
            select(Account.sso_issuer, Account.sso_subject).where(Account.user_id == user_id)
        ).one()
        if tuple(now_linked) != link:
            _refuse(session, user_id, route, "subject_mismatch", _link_error(MISMATCH))
        return  # the same council account, signing in twice at once
    audit.add(session, user_id, LINK_EVENT, route, "linked")


def _link_error(words: str) -> ApiError:
    return ApiError(401, words, code="sso_link_conflict")


def _token_error(reason: str) -> ApiError:
    return ApiError(401, WORDS[reason], code="sso_refused")


def _refuse(
    session: Session, user_id: int | None, route: str, outcome: str, error: ApiError
) -> NoReturn:
    session.rollback()
    audit.add(session, user_id, EVENT, route, outcome)
    session.commit()
    raise error


def _person(ctx: ServerContext, session: Session, claims: dict[str, Any]) -> User | None:
    """The user whose imported employee the configured claim names (None: nobody, or an
    email the provider says is not verified)."""
    value = claims.get(ctx.settings.oidc_claim)
    if not isinstance(value, str) or not value.strip() or len(value) > 254:
        return None
    stmt = select(User).join(Employee, Employee.id == User.employee_id)
    if ctx.settings.oidc_match == "email":
        if ctx.settings.oidc_claim == "email" and claims.get("email_verified") is False:
            return None
        stmt = stmt.where(func.lower(Employee.email) == value.strip().lower())
    else:
        stmt = stmt.where(Employee.payroll_number == value.strip())
    return session.scalars(stmt).first()
