"""Signing in and out: tokens, rotation, reuse, expiry, lockout, disabled accounts."""

from datetime import timedelta

import jwt
from sqlalchemy import select, update

from lcc_apr.models import now_utc
from lcc_apr.server.accounts import disable_user, find_user
from lcc_apr.server.security import ALGORITHM, ISSUER
from lcc_apr.server.tables import Account, AuditEntry, AuthSession, RefreshToken

WRONG = "The username or password is wrong."


def _login(server, username, password="demo"):
    return server.client().post(
        "/auth/login", json={"username": username, "password": password, "device": "laptop"}
    )


def _refresh(server, token):
    return server.client().post("/auth/refresh", json={"refresh_token": token})


def _audit(server, **where):
    with server.session() as session:
        return list(session.scalars(select(AuditEntry).filter_by(**where)))


def test_login_gives_a_short_lived_jwt_and_an_opaque_refresh_token(live_server):
    someone = live_server.people.managers[0]
    reply = _login(live_server, someone.username)
    assert reply.status_code == 200
    body = reply.json()
    assert body["expires_in"] == 15 * 60
    assert body["user"] == {
        "id": someone.id,
        "username": someone.username,
        "display_name": body["user"]["display_name"],
        "roles": sorted(r.value for r in someone.roles),
        "employee_id": someone.employee_id,
        "active": True,
    }
    claims = jwt.decode(
        body["access_token"],
        live_server.settings.signing_key(),
        algorithms=[ALGORITHM],
        audience="lcc-apr",
    )
    assert claims["sub"] == str(someone.id) and claims["jti"] and claims["iss"] == ISSUER
    assert claims["exp"] - claims["iat"] == 15 * 60
    with live_server.session() as session:  # the server keeps only the hash
        stored = session.scalars(select(RefreshToken.token_hash)).all()
    assert body["refresh_token"] not in stored and len(stored) == 1
    assert live_server.client(body["access_token"]).get("/org").status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_401(live_server):
    someone = live_server.people.employees[0]
    unknown = _login(live_server, "no-such-person")
    wrong = _login(live_server, someone.username, "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json() == {"detail": WRONG}
    outcomes = {a.outcome for a in _audit(live_server, event="login")}
    assert {"unknown_user", "wrong_password"} <= outcomes


def test_refresh_rotates_and_a_reused_token_revokes_the_whole_family(live_server):
    signed_in = live_server.login(live_server.people.employees[1].username)
    first = signed_in.tokens["refresh_token"]
    second_reply = _refresh(live_server, first)
    assert second_reply.status_code == 200
    second = second_reply.json()
    assert second["refresh_token"] != first
    assert second["access_token"] != signed_in.tokens["access_token"]
    third = _refresh(live_server, second["refresh_token"]).json()
    # Someone replays the first (spent) token: the family dies, however far it has rotated.
    replay = _refresh(live_server, first)
    assert replay.status_code == 401
    assert _refresh(live_server, third["refresh_token"]).status_code == 401
    for access in (signed_in.tokens["access_token"], third["access_token"]):
        assert live_server.client(access).get("/org").status_code == 401
    assert _audit(live_server, event="refresh", outcome="reuse_revoked_family")
    # Another device's session of the same user is untouched.
    other = live_server.login(live_server.people.employees[1].username)
    assert other.client.get("/org").status_code == 200


def test_logout_revokes_the_family_and_its_access_token(live_server):
    signed_in = live_server.login(live_server.people.employees[2].username)
    refresh = signed_in.tokens["refresh_token"]
    reply = signed_in.client.post("/auth/logout", json={"refresh_token": refresh})
    assert reply.status_code == 204
    assert _refresh(live_server, refresh).status_code == 401
    assert signed_in.client.get("/sync/pull").status_code == 401
    with live_server.session() as session:
        assert session.scalars(select(AuthSession.revoked_at)).one() is not None


def test_expired_access_and_refresh_tokens_are_refused(live_server):
    signed_in = live_server.login(live_server.people.employees[3].username)
    claims = jwt.decode(
        signed_in.tokens["access_token"],
        live_server.settings.signing_key(),
        algorithms=[ALGORITHM],
        audience="lcc-apr",
    )
    past = int((now_utc() - timedelta(minutes=1)).timestamp())
    expired = jwt.encode({**claims, "exp": past}, live_server.settings.signing_key(), ALGORITHM)
    assert live_server.client(expired).get("/org").status_code == 401
    wrong_audience = jwt.encode(
        {**claims, "aud": "someone-else"}, live_server.settings.signing_key(), ALGORITHM
    )
    assert live_server.client(wrong_audience).get("/org").status_code == 401
    assert signed_in.client.get("/org").status_code == 200  # the real one still works
    with live_server.session() as session:
        session.execute(update(RefreshToken).values(expires_at=now_utc() - timedelta(seconds=1)))
    assert _refresh(live_server, signed_in.tokens["refresh_token"]).status_code == 401


def test_five_failures_lock_the_account_for_fifteen_minutes(live_server):
    someone = live_server.people.employees[4].username
    for _ in range(4):
        assert _login(live_server, someone, "wrong").status_code == 401
    fifth = _login(live_server, someone, "wrong")
    assert fifth.status_code == 423
    assert 14 * 60 < fifth.json()["retry_after"] <= 15 * 60
    assert fifth.headers["retry-after"] == str(fifth.json()["retry_after"])
    right_but_locked = _login(live_server, someone)
    assert right_but_locked.status_code == 423
    assert _audit(live_server, event="login", outcome="locked_out")
    with live_server.session() as session:  # fifteen minutes pass
        session.execute(update(Account).values(locked_until=now_utc() - timedelta(seconds=1)))
    assert _login(live_server, someone).status_code == 200


def test_a_disabled_account_gets_403_account_disabled_everywhere(live_server):
    person = live_server.people.managers[1]
    signed_in = live_server.login(person.username)
    with live_server.session() as session:
        disable_user(session, find_user(session, person.username))
    for reply in (
        signed_in.client.get("/org"),
        signed_in.client.get("/sync/pull"),
        signed_in.client.post("/sync/push", json={"key": "k", "records": []}),
        _login(live_server, person.username),
        _refresh(live_server, signed_in.tokens["refresh_token"]),
    ):
        assert reply.status_code == 403
        assert reply.json()["code"] == "account_disabled"
    assert _login(live_server, person.username, "wrong").status_code == 401  # no hint
    rows = _audit(live_server, user_id=person.id, outcome="account_disabled")
    assert {r.event for r in rows} >= {"request", "login", "refresh"}
    with live_server.session() as session:
        revoked = session.scalars(select(AuthSession.revoked_at)).all()
    assert revoked and all(r is not None for r in revoked)


def test_a_refresh_whose_reply_was_lost_is_answered_again_within_the_grace(live_server):
    signed_in = live_server.login(live_server.people.employees[5].username)
    first = signed_in.tokens["refresh_token"]
    reply = _refresh(live_server, first)
    assert reply.status_code == 200
    # The answer never reached the laptop: it presents the same token again.
    again = _refresh(live_server, first)
    assert again.status_code == 200
    second = reply.json()["refresh_token"]
    assert again.json()["refresh_token"] == second
    assert live_server.client(again.json()["access_token"]).get("/org").status_code == 200
    assert _audit(live_server, event="refresh", outcome="repeated")
    with live_server.session() as session:  # still one row per token, kept as hashes
        stored = session.scalars(select(RefreshToken.token_hash)).all()
    assert len(stored) == 2 and second not in stored
    third = _refresh(live_server, second)
    assert third.status_code == 200
    # Now the successor has been used: the first token again is theft.
    assert _refresh(live_server, first).status_code == 401
    assert _refresh(live_server, third.json()["refresh_token"]).status_code == 401
    assert _audit(live_server, event="refresh", outcome="reuse_revoked_family")


def test_a_spent_refresh_token_after_the_grace_revokes_the_family(live_server):
    assert live_server.settings.refresh_grace_seconds == 60
    signed_in = live_server.login(live_server.people.employees[6].username)
    first = signed_in.tokens["refresh_token"]
    second = _refresh(live_server, first).json()["refresh_token"]
    with live_server.session() as session:  # a minute and a second pass
        session.execute(
            update(RefreshToken)
            .where(RefreshToken.used_at.is_not(None))
            .values(used_at=now_utc() - timedelta(seconds=61))
        )
    assert _refresh(live_server, first).status_code == 401
    assert _refresh(live_server, second).status_code == 401  # the family is revoked
    assert _audit(live_server, event="refresh", outcome="reuse_revoked_family")
