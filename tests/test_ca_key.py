"""The signing authority's key protected: encrypted at rest under a passphrase, or held in an
HSM (SoftHSM2 tokens made for the test) - both sign certificates and CRLs; the key file holds
no plain key; a wrong passphrase, a missing one, a plain key, a wrong PIN or a missing token
are refused with a plain reason. (The live server's refusal: tests/server/test_ca_key_refusal.)
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from asn1crypto import keys, pem
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.models import now_utc
from lcc_apr.server import cakey, db
from lcc_apr.server.ca import (
    Authority,
    AuthorityLocked,
    build_certificate,
    create_authority,
    ensure_authority,
    read_authority,
)
from lcc_apr.server.cli import EXIT_OK, EXIT_PROBLEM, main
from lcc_apr.server.cli_ca import authority_ready
from lcc_apr.server.settings import ServerSettings
from lcc_apr.server.tables import SigningAuthority
from lcc_apr.signing.certs import new_private_key
from tests.server.harness import CHEAP_ARGON2

PASSPHRASE = "correct horse battery staple"
SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
SO_PIN, PIN = "so-pin-1234", "user-pin-5678"


def signs(authority: Authority) -> None:
    """The authority issues a user's certificate and a CRL that check against it."""
    settings = ServerSettings(database_url="sqlite://")
    user = SimpleNamespace(display_name="Alex Example", username="alex")
    issued = build_certificate(authority, user, new_private_key().public_key(), settings, now_utc())
    issued.verify_directly_issued_by(authority.certificate)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(now_utc())
        .next_update(now_utc() + timedelta(days=1))
        .sign(authority.key, hashes.SHA256())
    )
    assert crl.is_signature_valid(authority.certificate.public_key())  # type: ignore[arg-type]


@pytest.fixture
def server_env(tmp_path, monkeypatch):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'server.db'}"
    monkeypatch.setenv("LCC_APR_SERVER_DATABASE_URL", url)
    for key, value in CHEAP_ARGON2.items():
        monkeypatch.setenv(f"LCC_APR_SERVER_{key.upper()}", str(value))
    for name in (cakey.PASSPHRASE_FILE_ENV, cakey.UNLOCK_ENV):
        monkeypatch.delenv(name, raising=False)
    words = tmp_path / "ca.passphrase"
    words.write_text(PASSPHRASE + "\n")
    engine = db.make_engine(url)
    yield tmp_path, words
    engine.dispose()


# -- encrypted at rest ------------------------------------------------------------------


def test_init_ca_encrypts_the_key_and_only_the_passphrase_opens_it(server_env, capsys):
    home, words = server_env
    assert main(["init-ca"]) == EXIT_PROBLEM  # no passphrase and no terminal: nothing made
    assert "passphrase" in capsys.readouterr().err
    assert not (home / "signing-ca.key").exists()
    short = home / "short"
    short.write_text("too short\n")
    assert main(["init-ca", "--passphrase-file", str(short)]) == EXIT_PROBLEM
    assert "at least 12" in capsys.readouterr().err
    assert main(["init-ca", "--passphrase-file", str(words)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "encrypted" in out and PASSPHRASE not in out
    key_file = home / "signing-ca.key"
    data = key_file.read_bytes()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (
        data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") and cakey.is_plain(data) is False
    )
    assert PASSPHRASE.encode() not in data
    info = keys.EncryptedPrivateKeyInfo.load(pem.unarmor(data)[2])["encryption_algorithm"]
    kdf = info["parameters"]["key_derivation_func"]["parameters"]
    assert kdf["iteration_count"].native >= 600_000 and kdf["prf"]["algorithm"].native == "sha256"
    assert info["parameters"]["encryption_scheme"]["algorithm"].native == "aes256_cbc"
    opened = subprocess.run(  # OpenSSL reads it as any encrypted PKCS#8 key
        ["openssl", "pkey", "-in", str(key_file), "-passin", f"file:{words}", "-noout"],
        capture_output=True,
    )
    assert opened.returncode == 0, opened.stderr
    with pytest.raises(TypeError):  # no password: cryptography will not read it
        serialization.load_pem_private_key(data, None)
    settings = ServerSettings(ca_passphrase_file=words)
    authority = read_authority(settings)
    assert authority is not None
    secret = authority.key.private_numbers().private_value  # type: ignore[union-attr]
    raw = secret.to_bytes(32, "big")
    assert raw not in data and raw.hex().encode() not in data  # no plain key in the file
    signs(authority)
    wrong = home / "wrong"
    wrong.write_text("not the right passphrase\n")
    with pytest.raises(AuthorityLocked) as refused:
        read_authority(ServerSettings(ca_passphrase_file=wrong))
    assert refused.value.code == "ca_passphrase_wrong"
    with pytest.raises(AuthorityLocked) as refused:
        read_authority(ServerSettings())
    assert refused.value.code == "ca_passphrase_missing"


def test_the_passphrase_comes_from_a_file_named_by_the_settings_or_the_variable(
    server_env, monkeypatch
):
    home, words = server_env
    assert main(["init-ca", "--passphrase-file", str(words)]) == EXIT_OK
    monkeypatch.setenv(cakey.PASSPHRASE_FILE_ENV, str(words))
    assert read_authority(ServerSettings()) is not None
    monkeypatch.delenv(cakey.PASSPHRASE_FILE_ENV)
    monkeypatch.setenv("LCC_APR_SERVER_CA_PASSPHRASE_FILE", str(words))
    assert read_authority(ServerSettings()) is not None
    monkeypatch.setenv("LCC_APR_SERVER_CA_PASSPHRASE_FILE", str(home / "nowhere"))
    with pytest.raises(AuthorityLocked, match="cannot be read"):
        read_authority(ServerSettings())


def test_a_plain_key_is_refused_until_protect_ca_key_encrypts_it(server_env, capsys, monkeypatch):
    home, words = server_env
    old = create_authority("Leicestershire County Council")  # as an older version wrote it
    (home / "signing-ca.pem").write_bytes(old.certificate.public_bytes(serialization.Encoding.PEM))
    plain = old.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (home / "signing-ca.key").write_bytes(plain)
    settings = ServerSettings(ca_passphrase_file=words)
    with pytest.raises(AuthorityLocked) as refused:
        read_authority(settings)
    assert refused.value.code == "ca_key_unprotected"
    assert "lcc-apr-server protect-ca-key" in refused.value.reason
    engine = db.make_engine(f"sqlite:///{home / 'server.db'}")
    db.prepare_database(engine)
    authority_ready(settings, engine)  # at start: says why, serves on
    err = capsys.readouterr().err
    assert "signing refused" in err and "protect-ca-key" in err
    with Session(engine) as s:  # its certificate is still registered for checking
        assert s.scalar(select(SigningAuthority.fingerprint)) == old.fingerprint
    engine.dispose()

    assert main(["protect-ca-key", "--passphrase-file", str(words)]) == EXIT_OK
    data = (home / "signing-ca.key").read_bytes()
    assert (
        not cakey.is_plain(data) and stat.S_IMODE((home / "signing-ca.key").stat().st_mode) == 0o600
    )
    authority = read_authority(settings)
    assert authority is not None and authority.fingerprint == old.fingerprint
    signs(authority)
    assert main(["protect-ca-key", "--passphrase-file", str(words)]) == EXIT_OK
    assert "encrypted already" in capsys.readouterr().out
    # a new passphrase: given the current one
    new = home / "new.passphrase"
    new.write_text("a different long passphrase\n")
    command = ["protect-ca-key", "--current-passphrase-file", str(words)]
    assert main([*command, "--passphrase-file", str(new)]) == EXIT_OK
    with pytest.raises(AuthorityLocked):
        read_authority(settings)
    assert read_authority(ServerSettings(ca_passphrase_file=new)) is not None


def test_import_ca_keeps_hrs_key_encrypted_under_the_servers_passphrase(server_env, monkeypatch):
    home, words = server_env
    theirs = create_authority("HR's Own CA")
    (home / "theirs.pem").write_bytes(theirs.certificate.public_bytes(serialization.Encoding.PEM))
    (home / "theirs.key").write_bytes(
        theirs.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    command = ["import-ca", "--cert", str(home / "theirs.pem"), "--key", str(home / "theirs.key")]
    assert main(command) == EXIT_PROBLEM  # no passphrase to keep it under
    assert main([*command, "--passphrase-file", str(words)]) == EXIT_OK
    assert not cakey.is_plain((home / "signing-ca.key").read_bytes())
    authority = read_authority(ServerSettings(ca_passphrase_file=words))
    assert authority is not None and authority.fingerprint == theirs.fingerprint


def test_the_first_serve_makes_no_plain_key_without_a_passphrase(server_env, capsys):
    home, words = server_env
    engine = db.make_engine(f"sqlite:///{home / 'server.db'}")
    db.prepare_database(engine)
    authority_ready(ServerSettings(), engine)
    assert "init-ca" in capsys.readouterr().err
    assert not (home / "signing-ca.key").exists()
    authority, made = ensure_authority(ServerSettings(ca_passphrase_file=words), engine)
    assert made and not cakey.is_plain((home / "signing-ca.key").read_bytes())
    engine.dispose()


def test_the_demo_keeps_its_generated_passphrase_beside_its_own_key(tmp_path):
    """DEMO ONLY: the embedded demo starts with no configuration; an older demo's plain key
    is encrypted at its next start."""
    settings = ServerSettings(
        database_url="sqlite://",
        ca_cert_file=tmp_path / "demo-signing-ca.pem",
        ca_key_file=tmp_path / "demo-signing-ca.key",
        ca_passphrase_file=tmp_path / "demo-signing-ca.passphrase",
    )
    old = create_authority("Demo")
    (tmp_path / "demo-signing-ca.pem").write_bytes(
        old.certificate.public_bytes(serialization.Encoding.PEM)
    )
    (tmp_path / "demo-signing-ca.key").write_bytes(
        old.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cakey.demo_passphrase(settings)
    assert stat.S_IMODE((tmp_path / "demo-signing-ca.passphrase").stat().st_mode) == 0o600
    assert not cakey.is_plain((tmp_path / "demo-signing-ca.key").read_bytes())
    authority = read_authority(settings)
    assert authority is not None and authority.fingerprint == old.fingerprint


# -- in an HSM (SoftHSM2) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory):
    """A SoftHSM2 configuration with two tokens ("lcc-ca" and "other"): (conf, its folder).
    The PKCS#11 library reads SOFTHSM2_CONF once per process: one configuration for all."""
    if shutil.which("softhsm2-util") is None or not SOFTHSM.exists():
        pytest.fail("SoftHSM2 is missing: apt-get install softhsm2")
    pytest.importorskip("pkcs11", reason="python-pkcs11 (the server-hsm extra) is missing")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    monkey = pytest.MonkeyPatch()
    monkey.setenv("SOFTHSM2_CONF", str(conf))
    for label in ("lcc-ca", "other"):
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", label]
            + ["--so-pin", SO_PIN, "--pin", PIN],
            check=True,
            capture_output=True,
        )
    (folder / "pin").write_text(PIN + "\n")
    (folder / "wrong-pin").write_text("not-the-pin\n")
    yield folder
    monkey.undo()


def hsm_settings(folder: Path, **overrides) -> ServerSettings:
    values = {
        "ca_pkcs11_module": SOFTHSM,
        "ca_pkcs11_token": "lcc-ca",
        "ca_pkcs11_pin_file": folder / "pin",
        **overrides,
    }
    return ServerSettings(**values)


def test_init_ca_makes_the_key_in_the_token_and_signs_through_it(
    server_env, softhsm, monkeypatch, capsys
):
    home, _words = server_env
    assert main(["init-ca", "--hsm"]) == EXIT_PROBLEM  # no HSM in the settings
    assert "ca_pkcs11_module" in capsys.readouterr().err
    monkeypatch.setenv("LCC_APR_SERVER_CA_PKCS11_MODULE", str(SOFTHSM))
    monkeypatch.setenv("LCC_APR_SERVER_CA_PKCS11_TOKEN", "lcc-ca")
    monkeypatch.setenv("LCC_APR_SERVER_CA_PKCS11_KEY", "ec-authority")
    monkeypatch.setenv("LCC_APR_SERVER_CA_PKCS11_PIN_FILE", str(softhsm / "pin"))
    assert main(["init-ca", "--hsm"]) == EXIT_OK
    assert "HSM token 'lcc-ca'" in capsys.readouterr().out
    assert (home / "signing-ca.pem").exists() and not (home / "signing-ca.key").exists()
    authority = read_authority(ServerSettings())
    assert authority is not None and isinstance(authority.key, ec.EllipticCurvePrivateKey)
    with pytest.raises(TypeError):  # the key never leaves the token
        authority.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    signs(authority)
    # a second init-ca --replace refuses to overwrite the token's key of that label
    assert main(["init-ca", "--hsm", "--replace"]) == EXIT_PROBLEM
    assert "already holds a key" in capsys.readouterr().err


def test_an_rsa_key_in_the_token_is_imported_with_its_certificate(server_env, softhsm, monkeypatch):
    home, _words = server_env
    from lcc_apr.server.hsm import generate_key

    settings = hsm_settings(softhsm, ca_pkcs11_key="rsa-authority")
    key = generate_key(settings, PIN, "rsa")  # as HR's own tools would put it there
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 3072
    theirs = create_authority("HR's Own CA", key=key)
    (home / "theirs.pem").write_bytes(theirs.certificate.public_bytes(serialization.Encoding.PEM))
    monkeypatch.setenv("LCC_APR_SERVER_CA_PKCS11_MODULE", str(SOFTHSM))
    monkeypatch.setenv("LCC_APR_SERVER_CA_PKCS11_TOKEN", "lcc-ca")
    monkeypatch.setenv("LCC_APR_SERVER_CA_PKCS11_KEY", "rsa-authority")
    monkeypatch.setenv("LCC_APR_SERVER_CA_PKCS11_PIN_FILE", str(softhsm / "pin"))
    assert main(["import-ca", "--hsm", "--cert", str(home / "theirs.pem")]) == EXIT_OK
    authority = read_authority(ServerSettings())
    assert authority is not None and authority.fingerprint == theirs.fingerprint
    signs(authority)


def test_a_wrong_pin_or_a_missing_token_or_key_is_refused_with_a_reason(softhsm, tmp_path):
    from lcc_apr.server.hsm import generate_key

    files = {"ca_cert_file": tmp_path / "ca.pem"}
    settings = hsm_settings(softhsm, ca_pkcs11_key="refusals", **files)
    authority = create_authority("Test", key=generate_key(settings, PIN))
    (tmp_path / "ca.pem").write_bytes(
        authority.certificate.public_bytes(serialization.Encoding.PEM)
    )
    cases = {
        "ca_pin_wrong": {"ca_pkcs11_pin_file": softhsm / "wrong-pin"},
        "ca_token_unavailable": {"ca_pkcs11_token": "not-plugged-in"},
        "ca_pin_missing": {"ca_pkcs11_pin_file": None},
    }
    for code, overrides in cases.items():
        with pytest.raises(AuthorityLocked) as refused:
            read_authority(hsm_settings(softhsm, ca_pkcs11_key="refusals", **files, **overrides))
        assert refused.value.code == code, refused.value.reason
    with pytest.raises(AuthorityLocked, match="no key pair labelled"):
        read_authority(hsm_settings(softhsm, ca_pkcs11_key="nothing", **files))
    with pytest.raises(AuthorityLocked, match="does not belong|no key pair"):
        read_authority(hsm_settings(softhsm, ca_pkcs11_token="other", **files))
    assert read_authority(settings) is not None


def test_after_rotation_certificates_of_the_old_authority_still_check(server_env, capsys):
    """init-ca, a certificate issued; import-ca --replace (a new key): the old certificate
    still finds its issuer among the listed authorities; new ones come from the new key."""
    from lcc_apr.server.ca import AuthorityHolder, authority_certificates, trust_reply
    from lcc_apr.signing.certs import issuer_of

    home, words = server_env
    assert main(["init-ca", "--passphrase-file", str(words)]) == EXIT_OK
    settings = ServerSettings(ca_passphrase_file=words)
    old = read_authority(settings)
    assert old is not None
    user = SimpleNamespace(display_name="Alex Example", username="alex")
    earlier = build_certificate(old, user, new_private_key().public_key(), settings, now_utc())
    theirs = create_authority("HR's Own CA")
    (home / "theirs.pem").write_bytes(theirs.certificate.public_bytes(serialization.Encoding.PEM))
    (home / "theirs.key").write_bytes(
        theirs.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    command = ["import-ca", "--cert", str(home / "theirs.pem"), "--key", str(home / "theirs.key")]
    assert main([*command, "--passphrase-file", str(words), "--replace"]) == EXIT_OK
    holder = AuthorityHolder(settings)
    current = holder.get()
    assert current is not None and current.fingerprint == theirs.fingerprint
    later = build_certificate(current, user, new_private_key().public_key(), settings, now_utc())
    engine = db.make_engine(f"sqlite:///{home / 'server.db'}")
    with Session(engine) as s:
        listed = authority_certificates(s, holder.certificate())
        assert issuer_of(earlier, listed) == old.certificate
        assert issuer_of(later, listed) == theirs.certificate
        assert len(trust_reply(s, holder.certificate())["ca_certificates"]) == 2
    engine.dispose()


def test_serve_on_a_terminal_asks_for_the_passphrase_until_it_opens_the_key(
    server_env, monkeypatch, capsys
):
    from lcc_apr.server.cli_ca import unlock_at_start

    home, words = server_env
    assert main(["init-ca", "--passphrase-file", str(words)]) == EXIT_OK
    monkeypatch.setenv(cakey.UNLOCK_ENV, "")  # set by unlock_at_start: undone after the test
    answers = iter(["a wrong passphrase", PASSPHRASE])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    unlock_at_start(ServerSettings())
    assert "does not open" in capsys.readouterr().err
    assert read_authority(ServerSettings()) is not None  # the workers find it in their environment
