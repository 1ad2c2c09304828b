"""Later starts come straight back in from the keyring; signing out forgets the session."""

from types import SimpleNamespace

from ui.settings import Settings
from ui.start import remember, sign_out
from ui.tasks import TaskRunner
from ui.welcome import WelcomeDialog


def fake_session(demo=False):
    calls = []
    connection = SimpleNamespace(
        url="https://apr.leics.gov.uk", username="sam", logout=lambda: calls.append("logout")
    )
    return SimpleNamespace(demo=demo, connection=connection, calls=calls)


def test_a_server_sign_in_is_remembered_for_next_time_without_any_secret():
    settings = Settings()
    remember(settings, fake_session(), None)
    assert settings.get("sync/server_url") == "https://apr.leics.gov.uk"
    assert settings.get("account/username") == "sam"
    assert settings.get("account/demo_role") == ""
    remember(settings, fake_session(demo=True), "hr")
    assert settings.get("account/demo_role") == "hr"


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
    sign_out(session, settings)
    assert session.calls == ["logout"]
    assert settings.get("account/username") == "" and settings.get("account/demo_role") == ""
