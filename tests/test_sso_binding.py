"""Single sign-on links each account to one council account (the ID token's `iss` and
`sub`), and the nonces anyone may ask for are throttled per address.

Against a real OpenID Connect provider on 127.0.0.1 (tests/oidc_provider.py) and a live
server (SQLite, and PostgreSQL when LCC_APR_TEST_PG_URL is set).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from lcc_apr.models import Employee, now_utc
from lcc_apr.server.cli import EXIT_OK, EXIT_PROBLEM, main
from lcc_apr.server.lockout import AddressThrottle
from lcc_apr.server.sso import MISMATCH, NONCES_TOO_MANY, TAKEN
from lcc_apr.server.tables import Account, AuditEntry, SsoNonce
from lcc_apr.sync import sso
from tests.oidc_provider import CLIENT_ID, Person, Provider
from tests.server.conftest import (  # noqa: F401 - fixtures, found by name
    live_server_factory,
    server_template,
    server_workspace,
    shared_uvicorn,
)
from tests.server.harness import LiveServer
from tests.test_sso import browser, connection, login, nonce, outcomes, someone


@pytest.fixture(scope="module")
def idp() -> Iterator[Provider]:
    found = Provider()
    found.start()
    yield found
    found.stop()


@pytest.fixture
def live(live_server_factory, idp: Provider) -> LiveServer:  # noqa: F811
    return live_server_factory(oidc_issuer=idp.issuer, oidc_client_id=CLIENT_ID)


def link_of(live, user_id: int) -> tuple[str | None, str | None]:
    with live.session() as session:
        account = session.get(Account, user_id)
        return account.sso_issuer, account.sso_subject


def events(live, event: str) -> list[tuple[int | None, str, str]]:
    with live.session() as session:
        stmt = select(AuditEntry.user_id, AuditEntry.route, AuditEntry.outcome)
        rows = session.execute(stmt.where(AuditEntry.event == event).order_by(AuditEntry.id))
        return [tuple(row) for row in rows]


def sign_in(live, idp, sub: str, email: str):
    used = nonce(live)
    return login(live, idp.mint({"sub": sub, "email": email, "nonce": used}), used)


def unlink(live, monkeypatch, tmp_path, *args: str) -> int:
    """`lcc-apr-server unlink-sso ...` against the live server's database."""
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    monkeypatch.setenv("LCC_APR_SERVER_DATABASE_URL", live.settings.database_url)
    return main(["unlink-sso", *args])


def person_of(live, person):
    with live.session() as session:
        return person, session.get(Employee, person.employee_id)


def test_the_first_sign_in_links_the_council_account_and_it_signs_in_again(live, idp):
    user, employee = someone(live)
    assert link_of(live, user.id) == (None, None)
    idp.signed_in = Person("entra-object-1", {"email": employee.email})
    first = sso.sign_in_with_council_account(connection(live), open_browser=browser())
    assert first.id == user.id
    assert link_of(live, user.id) == (idp.issuer, "entra-object-1")
    again = sso.sign_in_with_council_account(connection(live), open_browser=browser())
    assert again.id == user.id
    assert outcomes(live) == ["ok", "ok"]
    assert events(live, "sso_link") == [(user.id, "/auth/sso/login", "linked")]  # once


def test_a_different_council_account_with_the_same_email_is_refused(live, idp):
    user, employee = someone(live)
    assert sign_in(live, idp, "former-holder", employee.email).status_code == 200
    refused = sign_in(live, idp, "new-holder", employee.email)
    assert refused.status_code == 401
    assert refused.json() == {"detail": MISMATCH, "code": "sso_link_conflict"}
    assert refused.json()["detail"].startswith(
        "This LCC APR account is linked to a different council account. Ask your system "
        "administrator to unlink it"
    )
    assert link_of(live, user.id) == (idp.issuer, "former-holder")  # unchanged
    assert outcomes(live) == ["ok", "subject_mismatch"]
    assert events(live, "sso_login")[-1][0] == user.id
    assert "new-holder" not in str(events(live, "sso_login") + events(live, "sso_link"))


def test_unlinking_lets_the_new_council_account_in_and_is_audited(
    live, idp, monkeypatch, tmp_path, capsys
):
    user, employee = someone(live)
    assert sign_in(live, idp, "former-holder", employee.email).status_code == 200
    assert sign_in(live, idp, "new-holder", employee.email).status_code == 401
    assert unlink(live, monkeypatch, tmp_path, user.username) == EXIT_OK
    assert "next council sign-in links" in capsys.readouterr().out
    assert link_of(live, user.id) == (None, None)
    accepted = sign_in(live, idp, "new-holder", employee.email)
    assert accepted.status_code == 200 and accepted.json()["user"]["id"] == user.id
    assert link_of(live, user.id) == (idp.issuer, "new-holder")
    assert sign_in(live, idp, "former-holder", employee.email).status_code == 401
    assert events(live, "sso_link") == [
        (user.id, "/auth/sso/login", "linked"),
        (user.id, "cli:unlink-sso", "unlinked"),
        (user.id, "/auth/sso/login", "linked"),
    ]
    assert unlink(live, monkeypatch, tmp_path, user.username) == EXIT_OK
    assert unlink(live, monkeypatch, tmp_path, user.username) == EXIT_OK  # nothing linked
    assert "was not linked" in capsys.readouterr().out
    assert unlink(live, monkeypatch, tmp_path, "nobody") == EXIT_PROBLEM


def test_unlink_all_forgets_every_link(live, idp, monkeypatch, tmp_path, capsys):
    people = live.people.employees[:2]
    for n, person in enumerate(people):
        _user, employee = person_of(live, person)
        assert sign_in(live, idp, f"sub-{n}", employee.email).status_code == 200
    assert unlink(live, monkeypatch, tmp_path, "--all") == EXIT_OK
    assert "Unlinked 2 user(s)" in capsys.readouterr().out
    assert [link_of(live, p.id) for p in people] == [(None, None), (None, None)]


def test_a_linked_council_account_cannot_sign_in_as_person_of(live, idp):
    (first, first_employee), (second, second_employee) = (
        person_of(live, p) for p in live.people.employees[:2]
    )
    assert sign_in(live, idp, "shared-sub", first_employee.email).status_code == 200
    refused = sign_in(live, idp, "shared-sub", second_employee.email)
    assert refused.status_code == 401 and refused.json()["detail"] == TAKEN
    assert link_of(live, second.id) == (None, None)
    assert events(live, "sso_login")[-1] == (second.id, "/auth/sso/login", "subject_taken")


def test_a_changed_email_still_signs_the_linked_person_in(live, idp):
    user, employee = someone(live)
    assert sign_in(live, idp, "stable-sub", employee.email).status_code == 200
    moved = sign_in(live, idp, "stable-sub", "new.name@leics.example.gov.uk")
    assert moved.status_code == 200 and moved.json()["user"]["id"] == user.id
    stranger = sign_in(live, idp, "other-sub", "new.name@leics.example.gov.uk")
    assert stranger.status_code == 401 and stranger.json()["code"] == "sso_not_linked"


def test_a_subject_longer_than_the_standard_allows_is_refused(live, idp):
    _user, employee = someone(live)
    refused = sign_in(live, idp, "s" * 256, employee.email)
    assert refused.status_code == 401 and outcomes(live) == ["bad_token"]


def test_two_first_sign_ins_at_once_link_only_one_council_account(live, idp):
    user, employee = someone(live)
    tokens = []
    for sub in ("racer-a", "racer-b"):
        used = nonce(live)
        tokens.append((idp.mint({"sub": sub, "email": employee.email, "nonce": used}), used))
    start = threading.Barrier(2)
    replies: list[int] = []

    def go(token: str, used: str) -> None:
        start.wait()
        replies.append(login(live, token, used).status_code)

    threads = [threading.Thread(target=go, args=pair) for pair in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(replies) == [200, 401]
    assert link_of(live, user.id)[1] in {"racer-a", "racer-b"}
    assert sorted(outcomes(live)) == ["ok", "subject_mismatch"]


def test_nonces_per_address_are_throttled_then_given_again(live_server_factory, idp):  # noqa: F811
    live = live_server_factory(
        oidc_issuer=idp.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_nonces_per_address=3,
        oidc_nonce_throttle_seconds=2,  # long enough for four requests on a busy machine
    )
    with live.session() as session:  # an expired one, left by an abandoned sign-in
        session.add(SsoNonce(nonce_hash="0" * 64, expires_at=now_utc() - timedelta(minutes=1)))
    client = live.client()
    assert [client.post("/auth/sso/nonce").status_code for _ in range(3)] == [200] * 3
    refused = client.post("/auth/sso/nonce")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) == refused.json()["retry_after"] >= 1
    assert refused.json()["detail"] == NONCES_TOO_MANY
    with live.session() as session:
        hashes = set(session.scalars(select(SsoNonce.nonce_hash)))
    assert len(hashes) == 3 and "0" * 64 not in hashes  # the expired one cleared
    time.sleep(refused.json()["retry_after"])  # as the laptop would
    again = client.post("/auth/sso/nonce")
    assert again.status_code == 200 and again.json()["nonce"]
    _user, employee = someone(live)  # a throttled nonce round does not stop sign-in
    used = again.json()["nonce"]
    token = idp.mint({"sub": "s", "email": employee.email, "nonce": used})
    assert login(live, token, used).status_code == 200


def test_the_nonce_throttle_is_documented(live):
    schema = live.client().get("/openapi.json").json()
    refused = schema["paths"]["/auth/sso/nonce"]["post"]["responses"]["429"]
    assert "nonces" in refused["description"] and "Retry-After" in refused["headers"]


@pytest.mark.parametrize("most", [1, 4])
def test_the_address_throttle_takes_up_to_its_limit_in_its_window(most):
    now = [100.0]
    throttle = AddressThrottle(most, 60, clock=lambda: now[0])
    assert [throttle.take("10.0.0.1") for _ in range(most)] == [0] * most
    assert throttle.take("10.0.0.1") == 60  # full: nothing counted
    assert throttle.take("10.0.0.2") == 0  # another address
    now[0] += 30
    assert throttle.take("10.0.0.1") == 30
    now[0] += 30
    assert throttle.take("10.0.0.1") == 0  # the window has moved on
