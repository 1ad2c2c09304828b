"""organisation.toml: read, refused with file/key/fix when wrong, its certificates, pins and
proxy applied to a real HTTPS connection (a server and a CONNECT proxy on 127.0.0.1), and
its locked keys read-only in the Settings dialog."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from lcc_apr.orgconfig import OrgConfigError, OrgSettings, load_organisation, parse_organisation
from lcc_apr.paths import ORGANISATION_ENV, organisation_file
from lcc_apr.sync.errors import NetworkError
from lcc_apr.sync.network import Network
from lcc_apr.sync.transport import Connection, Tokens
from tests.net_tools import (
    connect_proxy,
    https_server,
    make_ca,
    make_intermediate,
    make_server_cert,
    plain_server,
    url_of,
    write_pem,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "installer" / "organisation.toml.example"


def org_file(folder: Path, text: str):
    path = folder / "organisation.toml"
    path.write_text(text)
    return load_organisation(path)


# -- the file --------------------------------------------------------------------------


def test_every_key_is_read_and_relative_paths_come_from_the_files_folder(tmp_path):
    write_pem(tmp_path / "council-ca.pem", make_ca())
    (tmp_path / "update-root.json").write_text("{}")
    org = org_file(
        tmp_path,
        """
        server_url = "https://APR.Council.gov.uk/"
        ca_bundle = "council-ca.pem"
        spki_sha256_pins = ["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]
        proxy = "http://proxy.council.gov.uk:8080"
        no_proxy = [".Internal.council.gov.uk"]
        sign_in = "single-sign-on"
        update_feed = "https://apr.council.gov.uk/updates"
        offer_demo = false
        """,
    )
    assert org.file == tmp_path / "organisation.toml"
    assert org.server_url == "https://apr.council.gov.uk"
    assert org.ca_bundle == tmp_path / "council-ca.pem"
    assert len(next(iter(org.pins))) == 32
    assert org.proxy == "http://proxy.council.gov.uk:8080"
    assert org.no_proxy == (".internal.council.gov.uk",)
    assert org.sign_in == "single-sign-on"
    assert org.update_root == tmp_path / "update-root.json"  # beside the file by default
    assert org.offer_demo is False
    assert "offer_demo" in org.set_keys and "update_root" not in org.set_keys


def test_the_shipped_example_runs_the_demo_as_today(tmp_path):
    org = load_organisation(EXAMPLE)
    assert org.set_keys == frozenset()  # every key commented out
    assert org.offer_demo and org.server_url is None and org.proxy == "system"
    keys = re.findall(r"^# ([a-z0-9_]+) = ", EXAMPLE.read_text(), re.MULTILINE)
    assert sorted(keys) == sorted(OrgSettings.model_fields)  # each key shown, to uncomment


def test_where_the_file_is_looked_for(tmp_path, monkeypatch):
    monkeypatch.setenv(ORGANISATION_ENV, str(tmp_path / "org.toml"))
    assert organisation_file() == tmp_path / "org.toml"  # named: read even if missing
    with pytest.raises(OrgConfigError, match="does not exist.*unset LCC_APR_ORGANISATION_FILE"):
        load_organisation(tmp_path / "org.toml")
    monkeypatch.setenv(ORGANISATION_ENV, "")
    assert organisation_file() is None
    monkeypatch.delenv(ORGANISATION_ENV)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "lcc-apr.exe"))
    (tmp_path / "organisation.toml").write_text("")
    assert organisation_file() == tmp_path / "organisation.toml"  # the install folder


def test_an_unknown_key_is_refused_naming_the_file_the_key_and_the_fix(tmp_path):
    with pytest.raises(OrgConfigError) as caught:
        org_file(tmp_path, 'sever_url = "https://apr.council.gov.uk"\n')
    message = str(caught.value)
    assert str(tmp_path / "organisation.toml") in message
    assert "`sever_url` is not a key LCC APR knows" in message
    assert "check its spelling, or remove it" in message and "server_url" in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    ("text", "key", "fix"),
    [
        ('server_url = "http://apr.council.gov.uk"', "`server_url`", "https://"),
        ('offer_demo = "no"', "`offer_demo`", "true or offer_demo = false, without quotes"),
        ('sign_in = "saml"', "`sign_in`", '"password" or sign_in = "single-sign-on"'),
        ('proxy = "sometimes"', "`proxy`", '"system"'),
        ('proxy = "http://sam:secret@proxy:8080"', "`proxy`", "user name or password"),
        ('spki_sha256_pins = ["abc"]', "`spki_sha256_pins`", "base64 SHA-256"),
        ('ca_bundle = "missing.pem"', "`ca_bundle`", "there is no file at"),
        ('no_proxy = ["intranet"]', "`no_proxy`", "set proxy to an address"),
        ('update_feed = "https://apr.council.gov.uk/updates"', "`update_root`", "update-root"),
        ("server_url = ", "not valid TOML", "key = value"),
    ],
)
def test_a_bad_value_is_refused_naming_the_key_and_the_fix(tmp_path, text, key, fix):
    with pytest.raises(OrgConfigError) as caught:
        org_file(tmp_path, text + "\n")
    message = str(caught.value)
    assert key in message and fix in message
    assert message.startswith(f"The organisation file {tmp_path / 'organisation.toml'}")


def test_a_bundle_without_certificates_is_refused(tmp_path):
    (tmp_path / "ca.pem").write_text("not a certificate")
    with pytest.raises(OrgConfigError, match="holds no PEM certificate"):
        org_file(tmp_path, 'ca_bundle = "ca.pem"')


def test_a_wrong_file_stops_the_app_before_any_window(tmp_path):
    """main.py: the message on stderr, exit 1, no window (no display: no message box)."""
    bad = tmp_path / "organisation.toml"
    bad.write_text('proxy = "sometimes"\n')
    env = {
        "PATH": "/usr/bin:/bin",
        ORGANISATION_ENV: str(bad),
        "LCC_APR_HOME": str(tmp_path / "home"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "run", "--quit-after", "1"],
        env=env, capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 1
    assert "`proxy`" in done.stderr and str(bad) in done.stderr
    assert "Traceback" not in done.stderr


# -- certificates and pins ---------------------------------------------------------------


def version_through(url: str, network: Network) -> None:
    connection = Connection(url, tokens=Tokens(None), network=network, timeout=5)
    try:
        connection.version()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def council():
    root = make_ca()
    issuing = make_intermediate(root)
    return root, issuing, make_server_cert(issuing)


def test_the_organisations_ca_is_trusted_and_a_server_from_another_ca_refused(tmp_path, council):
    root, issuing, leaf = council
    network = Network(ca_bundle=write_pem(tmp_path / "ca.pem", root), proxy="none")
    with https_server(leaf, issuing) as server:
        version_through(url_of(server), network)
        assert server.requests == ["/version"]
    stranger = make_ca("Somebody Else's CA")
    with https_server(make_server_cert(stranger)) as server:
        with pytest.raises(NetworkError, match="certificate is not trusted"):
            version_through(url_of(server), network)
        assert server.requests == []


def test_a_pin_of_the_leaf_or_an_intermediate_is_accepted(tmp_path, council):
    root, issuing, leaf = council
    bundle = write_pem(tmp_path / "ca.pem", root)
    with https_server(leaf, issuing) as server:
        for pinned in (leaf, issuing):
            org = org_file(tmp_path, f'ca_bundle = "ca.pem"\nspki_sha256_pins = ["{pinned.pin}"]\n')
            assert org.ca_bundle == bundle
            version_through(url_of(server), Network.of(org))
        assert server.requests == ["/version", "/version"]


def test_a_server_whose_chain_has_no_pinned_key_is_refused_before_anything_is_sent(
    tmp_path, council
):
    root, issuing, leaf = council
    write_pem(tmp_path / "ca.pem", root)
    other = make_server_cert(issuing)  # same CA, same names: only the key differs
    org = org_file(tmp_path, f'ca_bundle = "ca.pem"\nspki_sha256_pins = ["{other.pin}"]\n')
    with https_server(leaf, issuing) as server:
        with pytest.raises(NetworkError) as caught:
            version_through(url_of(server), Network.of(org))
        assert server.requests == []  # stopped in the handshake: no request was sent
    assert str(caught.value).startswith(
        "The server's certificate is not the one your organisation pinned"
    )


# -- proxy -------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path, council, monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    root, issuing, leaf = council
    bundle = write_pem(tmp_path / "ca.pem", root)
    with https_server(leaf, issuing) as server, connect_proxy() as proxy:
        yield server, proxy, bundle


def test_a_proxy_address_carries_the_connection(served):
    server, proxy, bundle = served
    network = Network(ca_bundle=bundle, proxy=url_of(proxy, scheme="http"))
    version_through(url_of(server), network)
    assert proxy.tunnels == [f"127.0.0.1:{server.server_address[1]}"]
    assert server.requests == ["/version"]


def test_a_no_proxy_host_is_reached_directly(served):
    server, proxy, bundle = served
    proxied = url_of(proxy, scheme="http")
    version_through(
        url_of(server, "localhost"),
        Network(ca_bundle=bundle, proxy=proxied, no_proxy=("localhost",)),
    )
    version_through(url_of(server), Network(ca_bundle=bundle, proxy=proxied,
                                            no_proxy=("127.0.0.1",)))  # fmt: skip
    assert proxy.tunnels == []
    assert server.requests == ["/version", "/version"]
    version_through(url_of(server, "localhost"), Network(ca_bundle=bundle, proxy=proxied,
                                                         no_proxy=("127.0.0.1",)))  # fmt: skip
    assert proxy.tunnels == [f"localhost:{server.server_address[1]}"]


def test_system_follows_the_environment_and_none_ignores_it(served, monkeypatch):
    server, proxy, bundle = served
    monkeypatch.setenv("HTTPS_PROXY", url_of(proxy, scheme="http"))
    version_through(url_of(server), Network(ca_bundle=bundle, proxy="none"))
    assert proxy.tunnels == []
    version_through(url_of(server), Network(ca_bundle=bundle, proxy="system"))
    assert proxy.tunnels == [f"127.0.0.1:{server.server_address[1]}"]
    assert len(server.requests) == 2


def test_pins_hold_through_the_proxy(served, council, tmp_path):
    server, proxy, bundle = served
    _root, issuing, _leaf = council
    wrong = make_server_cert(issuing).pin
    org = org_file(
        tmp_path,
        f'ca_bundle = "ca.pem"\nspki_sha256_pins = ["{wrong}"]\n'
        f'proxy = "{url_of(proxy, scheme="http")}"\n',
    )
    with pytest.raises(NetworkError, match="not the one your organisation pinned"):
        version_through(url_of(server), Network.of(org))
    assert len(proxy.tunnels) == 1 and server.requests == []


def test_the_demo_on_this_computer_never_goes_through_a_proxy(served, monkeypatch):
    _server, proxy, _bundle = served
    monkeypatch.setenv("HTTP_PROXY", url_of(proxy, scheme="http"))
    with plain_server() as demo:
        connection = Connection(url_of(demo, scheme="http"), tokens=Tokens(None),
                                allow_plain_local=True, timeout=5)  # fmt: skip
        connection.version()
        connection.close()
        assert demo.requests == ["/version"] and proxy.tunnels == []


def test_an_unused_org_file_changes_nothing(tmp_path):
    assert parse_organisation("", tmp_path / "organisation.toml").set_keys == frozenset()
    assert Network().client_options() == {"verify": True, "trust_env": True}


# -- the app: locked keys ----------------------------------------------------------------

SHOT = Path("/tmp/lcc-apr-settings-organisation.png")


@pytest.fixture
def locked_org(tmp_path, council):
    write_pem(tmp_path / "council-ca.pem", council[0])
    return org_file(
        tmp_path,
        f"""
        server_url = "https://apr.council.gov.uk"
        ca_bundle = "council-ca.pem"
        spki_sha256_pins = ["{council[1].pin}"]
        proxy = "http://proxy.council.gov.uk:8080"
        no_proxy = ["intranet.council.gov.uk"]
        sign_in = "single-sign-on"
        offer_demo = false
        """,
    )


def test_a_key_the_organisation_sets_is_read_only_in_settings(qtbot, tmp_path, locked_org):
    from ui.qt import QSettings
    from ui.settings import SET_BY_ORGANISATION, LockedSettingError, Settings, SettingsDialog

    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    store.setValue("sync/server_url", "https://old.example.gov.uk")  # typed in before
    settings = Settings(store, organisation=locked_org)
    assert settings.locked("sync/server_url") and not settings.locked("appearance/theme")
    assert settings.get("sync/server_url") == "https://apr.council.gov.uk"  # not the stored
    settings.set("sync/server_url", "https://apr.council.gov.uk")  # the same: nothing to do
    with pytest.raises(LockedSettingError, match="set by your organisation"):
        settings.set("sync/server_url", "https://elsewhere.example.gov.uk")

    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    url = dialog.editors["sync/server_url"]
    assert url.text() == "https://apr.council.gov.uk" and url.isReadOnly()
    assert url.accessibleDescription() == SET_BY_ORGANISATION
    assert not dialog.editors["sync/interval_minutes"].isReadOnly()  # the person's own
    rows = dialog.organisation_rows
    assert rows["file"].text() == str(locked_org.file)
    assert rows["proxy"].text() == "http://proxy.council.gov.uk:8080"
    assert rows["sign_in"].text() == "Your council account (single sign-on)"
    assert rows["offer_demo"].text() == "Not offered"
    assert "update_feed" not in rows  # only what the file sets
    assert all(r.isReadOnly() and r.accessibleName() for r in rows.values())
    dialog.editors["sync/interval_minutes"].setValue(15)
    dialog.accept()
    assert settings.get("sync/interval_minutes") == 15
    assert store.value("sync/server_url") == "https://old.example.gov.uk"  # left alone

    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(SHOT))


def test_the_welcome_locks_the_server_and_leaves_the_demo_out(qtbot, locked_org):
    from ui.tasks import TaskRunner
    from ui.welcome import WelcomeDialog

    calls = []
    dialog = WelcomeDialog(
        runner=TaskRunner(inline=True),
        sign_in=lambda *a: calls.append(a),
        server_url=locked_org.server_url or "",
        lock_server=True,
        offer_demo=locked_org.offer_demo,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.url.text() == "https://apr.council.gov.uk" and dialog.url.isReadOnly()
    assert dialog.url.accessibleDescription() == "Set by your organisation"
    assert not any(b.isVisible() for b in dialog.demo_buttons.values())
    dialog.start_demo("manager")  # a remembered demo role, say
    assert calls == []
    offered = WelcomeDialog(runner=TaskRunner(inline=True), sign_in=lambda *a: None)
    qtbot.addWidget(offered)
    offered.show()
    assert all(b.isVisible() for b in offered.demo_buttons.values())
    assert not offered.url.isReadOnly()
