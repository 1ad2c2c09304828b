"""`lcc-apr selftest` from source (the frozen app's run is in test_bundle.py): the report,
the keyring verdict, bad usage, and `--server` against the server over TLS from a test CA
(`--ca-bundle`), with another CA refused."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import main
from lcc_apr import cli
from lcc_apr.selftest import run_selftest


def test_the_report_names_each_check_and_fails_on_a_missing_keyring(tmp_path, monkeypatch):
    """conftest.py makes the keyring the failing one: a failure with its fix; the other
    checks pass, and --allow-no-keyring passes the whole run."""
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path / "home"))
    out = tmp_path / "report.json"
    assert cli.main(["selftest", "--output", str(out)], demo_server=main.demo_server) == 1
    report = json.loads(out.read_text())
    assert [c["name"] for c in report["checks"]] == ["keyring", "store", "pdf", "sync"]
    keyring_check, *others = report["checks"]
    assert not keyring_check["ok"] and "fail.Keyring" in keyring_check["detail"]
    assert "GNOME Keyring" in keyring_check["fix"]
    assert all(c["ok"] for c in others), others
    assert report["version"] and not report["frozen"] and report["seconds"] > 0
    allowed = run_selftest(demo_server=main.demo_server, allow_no_keyring=True)
    assert allowed["ok"], allowed
    assert not list((tmp_path / "home").glob("*")), "the selftest wrote into the data folder"


def test_the_demo_check_fails_plainly_without_a_demo_server():
    report = run_selftest(demo_server=None, allow_no_keyring=True)
    sync = report["checks"][-1]
    assert not report["ok"] and not sync["ok"] and "demo server" in sync["detail"]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--server", "https://apr.example"], "--username"),
        (["--username", "someone"], "go with --server"),
        (["--server", "ftp://apr.example", "--username", "x"], "--server"),
        (["--server", "https://apr.example", "--username", "x"], "LCC_APR_SELFTEST_PASSWORD"),
    ],
)
def test_bad_usage_is_said_plainly(argv, says, capsys, monkeypatch):
    monkeypatch.delenv(cli.SELFTEST_PASSWORD, raising=False)
    assert cli.main(["selftest", *argv]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def _certificate(subject: str, key, issuer: str, signer, *, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), False
        )
    return builder.sign(signer, hashes.SHA256())


def _pem(path: Path, *items) -> Path:
    data = b""
    for item in items:
        if isinstance(item, x509.Certificate):
            data += item.public_bytes(serialization.Encoding.PEM)
        else:
            data += item.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[str, Path, str]]:
    """The small demo organisation's server over https on 127.0.0.1, its certificate from
    a test CA: (URL, the CA's PEM, a manager's username)."""
    import uvicorn

    from lcc_apr.server.app import create_app
    from lcc_apr.server.ca import ensure_authority
    from lcc_apr.server.db import make_engine
    from lcc_apr.server.embedded import EmbeddedServer

    folder = tmp_path_factory.mktemp("tls-server")
    demo = EmbeddedServer(folder, size=50)
    demo.prepare()
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("selftest test CA", ca_key, "selftest test CA", ca_key, ca=True)
    cert = _certificate("127.0.0.1", key, "selftest test CA", ca_key, ca=False)
    engine = make_engine(demo.settings.database_url)
    ensure_authority(demo.settings, engine)
    config = uvicorn.Config(
        create_app(demo.settings, engine),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ssl_certfile=str(_pem(folder / "server.pem", cert)),
        ssl_keyfile=str(_pem(folder / "server.key", key)),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the TLS server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}", _pem(folder / "ca.pem", ca), demo.logins().manager
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        engine.dispose()


def test_selftest_syncs_with_a_real_server_over_tls(tls_server, tmp_path, monkeypatch, capsys):
    url, ca, username = tls_server
    monkeypatch.setenv(cli.SELFTEST_PASSWORD, "demo")
    argv = ["selftest", "--allow-no-keyring", "--server", url, "--username", username]
    assert cli.main([*argv, "--ca-bundle", str(ca)]) == 0
    out = capsys.readouterr().out
    sync = json.loads(out)["checks"][-1]
    assert sync["ok"] and url in sync["detail"] and "record(s)" in sync["detail"]
    assert username not in out and "demo" not in out.replace("demo server", "")

    other_ca = ec.generate_private_key(ec.SECP256R1())
    stranger = _pem(
        tmp_path / "other.pem",
        _certificate("another CA", other_ca, "another CA", other_ca, ca=True),
    )
    assert cli.main([*argv, "--ca-bundle", str(stranger)]) == 1
    refused = json.loads(capsys.readouterr().out)["checks"][-1]
    assert not refused["ok"] and "Sync with" in refused["detail"]
