"""The start with an organisation file: the server locked in the welcome, the demo left out
even for a demo person remembered from before."""

from lcc_apr.orgconfig import parse_organisation
from ui.settings import Settings


def test_the_organisation_locks_the_server_and_leaves_out_a_remembered_demo(
    qtbot, monkeypatch, tmp_path
):
    Settings().set("account/demo_role", "hr")  # tried the demo before IT set the laptop up
    org = parse_organisation(
        'server_url = "https://apr.council.gov.uk"\noffer_demo = false\n',
        tmp_path / "organisation.toml",
    )
    seen, roles = [], []

    def look(welcome):
        seen.append((welcome.url.text(), welcome.url.isReadOnly(), welcome.offer_demo))
        welcome.reject()

    monkeypatch.setattr("ui.start.run_window", lambda *a, **k: (0, None))
    import ui.start as start
    from ui.qt import QtCore, QtWidgets
    from ui.welcome import WelcomeDialog

    def poll():
        for widget in QtWidgets.QApplication.topLevelWidgets():
            if isinstance(widget, WelcomeDialog) and widget.isVisible():
                look(widget)
                return
        QtCore.QTimer.singleShot(10, poll)

    QtCore.QTimer.singleShot(0, poll)
    code = start.run_app(
        sign_in=lambda role, *a: roles.append(role),
        make_context=lambda session: None,
        organisation=org,
    )
    assert code == 0
    assert roles == []  # the remembered demo did not start
    assert seen == [("https://apr.council.gov.uk", True, False)]
