"""Single sign-on (issue 15, item 7): the desktop signs in through a real OpenID Connect
provider on 127.0.0.1 (Authlib, tests/oidc_provider.py), the browser step driven by
httpx; the server checks the ID token and maps the person by a configured claim.

Each refusal (wrong audience, wrong issuer, expired, bad signature, a replayed nonce,
an unknown or disabled person) is a plain sentence and an audit entry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import select

from lcc_apr.forms import Catalogue
from lcc_apr.launch import council_sign_in_offered, sign_in_with_council_account
from lcc_apr.models import Employee, User
from lcc_apr.server.accounts import disable_user
from lcc_apr.server.tables import AuditEntry, SsoNonce
from lcc_apr.sync import sso
from lcc_apr.sync.errors import AccountDisabled, AuthError, Cancelled
from lcc_apr.sync.transport import Connection, Tokens
from tests.oidc_provider import CLIENT_ID, Person, Provider
from tests.server.conftest import (  # noqa: F401 - fixtures, found by name
    live_server,
    live_server_factory,
    server_template,
    server_workspace,
    shared_uvicorn,
)
from tests.server.harness import LiveServer
from ui.qt import Qt

CATALOGUE = Catalogue.load()


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    found = Provider()
    found.start()
    yield found
    found.stop()


@pytest.fixture
def server(live_server_factory, provider: Provider) -> LiveServer:  # noqa: F811
    return live_server_factory(oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID)


def browser(page: list[str] | None = None):
    """The person's browser: follows the sign-in page to the loopback redirect (the
    provider consents at once for whoever is `signed_in`)."""

    def open_url(url: str) -> bool:
        reply = httpx.get(url, follow_redirects=True, timeout=10)
        if page is not None:
            page.append(reply.text)
        return True

    return open_url


def someone(server: LiveServer) -> tuple[Any, Employee]:
    user = server.people.employees[0]
    with server.session() as session:
        employee = session.get(Employee, user.employee_id)
        assert employee is not None and employee.email
        session.expunge(employee)
    return user, employee


def connection(server: LiveServer, keyring: Any = None) -> Connection:
    return Connection(server.url, tokens=Tokens(keyring), allow_plain_local=True)


def nonce(server: LiveServer) -> str:
    reply = server.client().post("/auth/sso/nonce")
    assert reply.status_code == 200, reply.text
    return reply.json()["nonce"]


def login(server: LiveServer, id_token: str, used: str) -> httpx.Response:
    body = {"id_token": id_token, "nonce": used, "device": "test laptop"}
    return server.client().post("/auth/sso/login", json=body)


def outcomes(server: LiveServer) -> list[str]:
    with server.session() as session:
        stmt = select(AuditEntry.outcome).where(AuditEntry.event == "sso_login")
        return list(session.scalars(stmt.order_by(AuditEntry.id)))


def test_sign_in_through_the_provider_then_sync_refresh_and_come_back(
    server, provider, tmp_path: Path, memory_keyring
):
    user, employee = someone(server)
    provider.signed_in = Person("entra-object-id-1", {"email": employee.email.upper()})
    page: list[str] = []
    steps: list[str] = []
    session = sign_in_with_council_account(
        url=server.url,
        folder=tmp_path,
        keyring_backend=memory_keyring,
        ask_passphrase=None,
        catalogue=CATALOGUE,
        progress=lambda step: steps.append(step.words()),
        open_browser=browser(page),
        allow_plain_local=True,
    )
    try:
        assert session.user["username"] == user.username
        assert "Finish signing in in your browser…" in steps
        assert "You can close this tab" in page[0]
        assert session.first_sync is not None  # synced
        connection_ = session.connection
        assert memory_keyring.get_password("lcc-apr", connection_._entry())  # in the keyring
        first = memory_keyring.get_password("lcc-apr", connection_._entry())
        connection_._refresh(connection_._access)  # the server refreshes as after a password
        assert memory_keyring.get_password("lcc-apr", connection_._entry()) != first
        assert connection_.organisation()[0].users is not None
    finally:
        session.close()
    later = connection(server, memory_keyring)  # a later start: from the keyring
    assert later.resume(user.username) and later.user and later.user.id == user.id
    later.close()
    assert outcomes(server) == ["ok"]
    with server.session() as s:
        assert s.scalar(select(SsoNonce)) is None  # the nonce was spent


def test_the_server_says_whether_it_offers_single_sign_on(live_server_factory, provider):  # noqa: F811
    plain = live_server_factory()
    assert council_sign_in_offered(plain.url, allow_plain_local=True) is False
    client = plain.client()
    assert client.get("/auth/sso").json()["code"] == "sso_not_enabled"
    assert client.post("/auth/sso/nonce").status_code == 404
    refused = client.post("/auth/sso/login", json={"id_token": "x", "nonce": "y"})
    assert refused.status_code == 404 and "username and password" in refused.json()["detail"]
    offering = live_server_factory(oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID)
    assert council_sign_in_offered(offering.url, allow_plain_local=True) is True
    assert offering.client().get("/auth/sso").json() == {
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "scopes": ["openid", "email", "profile"],
    }


@pytest.mark.parametrize(
    ("claims", "key", "words", "outcome"),
    [
        ({"aud": "another-app"}, None, "made for another application", "wrong_audience"),
        ({"iss": "https://login.example.com/x"}, None, "different sign-in service", "wrong_issuer"),
        ({"exp": -3600, "iat": -7200}, None, "has expired", "expired"),
        ({}, "same kid", "could not be verified", "bad_signature"),
        ({}, "unknown kid", "could not be verified", "bad_signature"),
        ({"nonce": "not-the-one-asked"}, None, "already used, or is too old", "wrong_nonce"),
    ],
)
def test_a_bad_id_token_is_refused_in_words(server, provider, claims, key, words, outcome):
    _user, employee = someone(server)
    used = nonce(server)
    now = int(time.time())
    for name in ("exp", "iat"):
        if name in claims:
            claims = {**claims, name: now + claims[name]}
    other = None
    if key:
        kid = "key-1" if key == "same kid" else "key-2"
        other = RSAKey.generate_key(2048, {"kid": kid, "use": "sig"}, private=True)
    token = provider.mint({"sub": "s", "email": employee.email, "nonce": used, **claims}, other)
    reply = login(server, token, used)
    assert reply.status_code == 401
    assert words in reply.json()["detail"]
    assert outcomes(server) == [outcome]
    assert token not in str(outcomes(server))


def test_a_replayed_nonce_is_refused(server, provider):
    user, employee = someone(server)
    used = nonce(server)
    token = provider.mint({"sub": "s", "email": employee.email, "nonce": used})
    assert login(server, token, used).json()["user"]["id"] == user.id
    again = login(server, token, used)
    assert again.status_code == 401
    assert again.json()["detail"] == "This sign-in was already used, or is too old: sign in again."
    assert outcomes(server) == ["ok", "nonce_spent"]


def test_an_unknown_person_and_a_disabled_account_are_refused(server, provider, memory_keyring):
    provider.signed_in = Person("stranger", {"email": "nobody@elsewhere.example"})
    with pytest.raises(AuthError, match="not linked to anyone in LCC APR. Ask HR"):
        sso.sign_in_with_council_account(connection(server), open_browser=browser())
    user, employee = someone(server)
    with server.session() as session:
        disable_user(session, session.get(User, user.id))
    provider.signed_in = Person("them", {"email": employee.email})
    with pytest.raises(AccountDisabled, match="disabled"):
        sso.sign_in_with_council_account(connection(server), open_browser=browser())
    assert outcomes(server) == ["not_linked", "account_disabled"]


def test_the_person_can_be_found_by_payroll_number(live_server_factory, provider):  # noqa: F811
    server = live_server_factory(
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_claim="employee_number",
        oidc_match="payroll_number",
    )
    user, employee = someone(server)
    provider.signed_in = Person("p", {"employee_number": employee.payroll_number})
    signed_in = sso.sign_in_with_council_account(connection(server), open_browser=browser())
    assert signed_in.id == user.id


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "x" * 20001],
)
def test_malformed_tokens_get_a_4xx_never_a_500(server, token):
    reply = login(server, token, nonce(server))
    assert 400 <= reply.status_code < 500, reply.text


def test_the_wait_for_the_browser_can_be_cancelled_or_time_out(server, provider):
    cancel = threading.Event()
    opened: list[str] = []

    def open_and_close(url: str) -> bool:  # the person closes the browser
        opened.append(url)
        cancel.set()
        return True

    started = time.monotonic()
    with pytest.raises(Cancelled, match="cancelled"):
        sso.sign_in_with_council_account(
            connection(server), open_browser=open_and_close, cancel=cancel
        )
    with pytest.raises(Cancelled, match="not finished in time"):
        sso.sign_in_with_council_account(
            connection(server), open_browser=lambda url: True, timeout=0.3
        )
    assert time.monotonic() - started < 5
    asked = httpx.URL(opened[0]).params
    assert asked["code_challenge_method"] == "S256" and asked["redirect_uri"].startswith(
        "http://127.0.0.1:"
    )
    assert "client_secret" not in opened[0]


def test_the_loopback_redirect_turns_away_another_state():
    with sso.LoopbackRedirect("expected") as redirect:
        wrong = httpx.get(redirect.uri, params={"state": "other", "code": "c"})
        assert wrong.status_code == 400
        right = httpx.get(redirect.uri, params={"state": "expected", "code": "the-code"})
        assert right.status_code == 200 and "close this tab" in right.text
        assert redirect.wait(None, 1) == "the-code"


def test_the_welcome_offers_the_council_account_when_the_server_does(qtbot, server):
    from ui.tasks import TaskRunner
    from ui.welcome import WelcomeDialog

    runner = TaskRunner()
    asked: list[str] = []

    def offered(url: str) -> bool:
        asked.append(url)
        return council_sign_in_offered(url, allow_plain_local=True)

    dialog = WelcomeDialog(
        runner=runner,
        sign_in=lambda *a: None,
        council_sign_in=lambda *a: None,
        council_offered=offered,
        server_url=server.url,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        qtbot.waitUntil(dialog.council_button.isVisible, timeout=10_000)
        assert asked == [server.url]
        button = dialog.council_button
        assert button.accessibleName() == "Sign in with your council account"
        assert button.isEnabled() and button.focusPolicy() != button.focusPolicy().NoFocus
        assert dialog.password.isVisible()  # passwords stay
        dialog.url.setText("https://no-sso.example.gov.uk")
        dialog._offer("https://no-sso.example.gov.uk", False)
        assert not dialog.council_button.isVisible()
    finally:
        runner.shutdown()


def test_the_welcome_waits_for_the_browser_with_cancel(qtbot):
    from lcc_apr.launch import WAITING_FOR_BROWSER
    from lcc_apr.progress import Step
    from ui.tasks import TaskRunner
    from ui.welcome import WelcomeDialog

    def council(url, progress, cancel, ask_passphrase):
        progress(Step(WAITING_FOR_BROWSER))
        if not cancel.wait(10):
            raise AssertionError("never cancelled")
        raise Cancelled("Signing in with your council account was cancelled.")

    runner = TaskRunner()
    dialog = WelcomeDialog(
        runner=runner,
        sign_in=lambda *a: None,
        council_sign_in=council,
        single_sign_on=True,  # the organisation says so: no need to ask the server
        server_url="https://apr.example.gov.uk",
    )
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        assert dialog.council_button.isVisible()
        qtbot.mouseClick(dialog.council_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.message.text() == WAITING_FOR_BROWSER, timeout=5000)
        assert dialog.cancel_button.isVisible() and not dialog.connect_button.isEnabled()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "cancelled" in dialog.message.text(), timeout=5000)
        assert not dialog.cancel_button.isVisible() and dialog.council_button.isEnabled()
    finally:
        runner.shutdown()


def test_the_sso_routes_answer_fuzzed_requests_as_documented(server, provider):
    """schemathesis over the three routes with single sign-on on (the main fuzzer runs a
    server without it): every answer documented, none a server error."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable

    from tests.security.test_api_fuzz import CHECKS, MODES, config

    provider.signed_in = None  # no consent: nothing gets past the provider by chance
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config())
    statuses: set[int] = set()
    for result in schema.include(path_regex="^/auth/sso").get_all_operations():
        operation = result.ok()
        for mode in MODES:

            @settings(
                max_examples=25,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def one(case: Any) -> None:
                reply = case.call(base_url=server.url)  # the header as generated
                statuses.add(reply.status_code)
                case.validate_response(reply, checks=CHECKS)

            try:
                one()
            except Unsatisfiable:  # nothing to get wrong (no parameters, no body)
                assert mode is schemathesis.GenerationMode.NEGATIVE
    assert 200 in statuses and 401 in statuses and 500 not in statuses


def test_a_provider_that_cannot_be_reached_is_said_so(live_server_factory, provider):  # noqa: F811
    server = live_server_factory(oidc_issuer="http://127.0.0.1:9", oidc_client_id=CLIENT_ID)
    used = nonce(server)
    reply = login(server, provider.mint({"sub": "s", "nonce": used}), used)
    assert reply.status_code == 502 and reply.json()["code"] == "provider_unreachable"
    assert "could not reach your council's sign-in service" in reply.json()["detail"]
    assert outcomes(server) == ["provider_unreachable"]
