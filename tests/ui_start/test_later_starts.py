"""Later starts come straight back in from the keyring; signing out forgets the session."""

from types import SimpleNamespace

import pytest

from ui.settings import Settings
from ui.start import last_known, remember, sign_out
from ui.tasks import TaskRunner
from ui.welcome import WelcomeDialog


def fake_session(demo=False, keyring=True):
    calls = []
    connection = SimpleNamespace(
        url="https://apr.leics.gov.uk",
        username="sam",
        logout=lambda: calls.append("logout"),
        tokens=SimpleNamespace(backend=object() if keyring else None),
    )
    return SimpleNamespace(demo=demo, connection=connection, calls=calls, user=SAM)


SAM = {
    "id": 7,
    "username": "sam",
    "display_name": "Sam Smith",
    "roles": ["manager", "employee"],
    "employee_id": 12,
    "active": True,
}


def test_a_server_sign_in_is_remembered_for_next_time_without_any_secret():
    settings = Settings()
    remember(settings, fake_session(), None)
    assert settings.get("sync/server_url") == "https://apr.leics.gov.uk"
    assert settings.get("account/username") == "sam"
    assert settings.get("account/demo_role") == ""
    assert last_known(settings) == {k: v for k, v in SAM.items() if k != "active"}
    remember(settings, fake_session(demo=True), "hr")
    assert settings.get("account/demo_role") == "hr"


def test_who_signed_in_is_known_next_time_only_when_it_fits():
    """The window is built at once for the person kept (name, roles); anything else kept
    there (another person's, damaged, an older version's) starts from the welcome."""
    settings = Settings()
    remember(settings, fake_session(), None)
    assert last_known(settings)["roles"] == ["manager", "employee"]
    settings.set("account/username", "someone-else")
    assert last_known(settings) is None
    settings.set("account/username", "sam")
    for kept in ("{not json", '["sam"]', '{"id": 7, "username": "sam"}'):
        settings.set("account/user", kept)
        assert last_known(settings) is None
    remember(settings, fake_session(), None)
    settings.set("sync/server_url", "")
    assert last_known(settings) is None
    settings.set("sync/server_url", "https://apr.leics.gov.uk")
    remember(settings, fake_session(keyring=False), None)  # the token is not kept: no keyring
    assert last_known(settings) is None


def test_the_welcome_resumes_from_the_keyring_with_no_password(qtbot):
    seen = []

    def sign_in(role, url, user, password, progress, cancel=None, ask=None):
        seen.append((role, url, user, password))
        return "session"

    dialog = WelcomeDialog(runner=TaskRunner(inline=True), sign_in=sign_in)
    qtbot.addWidget(dialog)
    dialog.resume("https://apr.leics.gov.uk", "sam")
    assert seen == [(None, "https://apr.leics.gov.uk", "sam", None)]
    assert dialog.session == "session"


def test_signing_out_clears_the_tokens_and_the_remembered_user():
    settings = Settings()
    settings.set("account/username", "sam")
    settings.set("account/demo_role", "hr")
    session = fake_session()
    remember(settings, session, None)
    sign_out(session, settings)
    assert session.calls == ["logout"]
    assert settings.get("account/username") == "" and settings.get("account/demo_role") == ""
    assert settings.get("account/user") == "" and last_known(settings) is None


@pytest.mark.parametrize(
    ("url", "username", "field"),
    [
        ("", "", "url"),
        ("https://apr.leics.gov.uk", "", "username"),
        ("https://apr.leics.gov.uk", "sam", "password"),
    ],
)
def test_the_cursor_waits_in_the_first_field_left_to_fill(qtbot, url, username, field):
    """Back at the welcome after a session ended, the server and username are filled in:
    the person types the password straight away."""
    dialog = WelcomeDialog(
        runner=TaskRunner(inline=True),
        sign_in=lambda *a: None,
        server_url=url,
        username=username,
        lock_server=bool(url),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.focusWidget() is getattr(dialog, field))
