"""`lcc-apr selftest`: what IT runs after installing, from source or from the frozen bundle.

Checks, each timed:

- keyring: the active keyring backend is a secure one (lcc_apr.store.keys.secure_keyring)
  and a throwaway secret goes in, comes back and is deleted;
- store: an encrypted store made with the bundled migrations, at the newest schema, not
  readable as plain SQLite, reopened with its key and sound;
- pdf: a page in the bundled font, signed with pyHanko's PAdES signer (lcc_apr.pdf.sign)
  by a throwaway certificate, checked by lcc_apr.pdf.check; one changed byte must fail;
- sync: the embedded demo server (50 people) started, a demo manager signed in and synced;
  or, with `server`, a real server: signed in with the password given, synced, signed out
  (no signing certificate is asked for there: the check leaves nothing on the server).

Everything is written to a temporary folder, removed at the end; nothing from the
person's keyring but the throwaway secret, and nothing personal in the report. Qt-free.
"""

from __future__ import annotations

import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcc_apr import __version__

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from lcc_apr.forms import Catalogue
    from lcc_apr.launch import DemoServerFactory

KEYRING_SERVICE = "lcc-apr-selftest"
TITLE = "LCC APR selftest"
KEYRING_FIX = {
    "win32": "Windows Credential Manager holds the app's keys: start the app in the "
    "person's own Windows session (not a temporary profile) and check that no policy "
    "turns Credential Manager off.",
    "darwin": "The macOS login keychain holds the app's keys: run it in the person's own "
    "session with the keychain unlocked.",
}
KEYRING_FIX_LINUX = (
    "Run it in the person's desktop session, where GNOME Keyring or KWallet provides the "
    "Secret Service (unset PYTHON_KEYRING_BACKEND if it is set). On a computer that "
    "deliberately has no keyring, run `lcc-apr selftest --allow-no-keyring`: the app then "
    "asks for a passphrase for the local store and the signing key."
)


class Failed(Exception):
    """A check failed: `problem` says what, `fix` what to do (both plain sentences)."""

    def __init__(self, problem: str, fix: str | None = None) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


@dataclass(frozen=True)
class Server:
    """A real server to sync against instead of the embedded demo."""

    url: str
    username: str
    password: str
    ca_bundle: Path | None = None


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    seconds: float
    detail: str
    fix: str | None = None


def run_selftest(
    *,
    demo_server: DemoServerFactory | None,
    server: Server | None = None,
    allow_no_keyring: bool = False,
) -> dict[str, Any]:
    """Run every check in a temporary folder; the report as a JSON-ready dict."""
    started = time.perf_counter()
    checks: list[Check] = []
    with tempfile.TemporaryDirectory(prefix="lcc-apr-selftest-", ignore_cleanup_errors=True) as t:
        folder = Path(t)
        backend: list[KeyringBackend | None] = [None]
        catalogue: list[Catalogue] = []

        def keyring_check() -> str:
            detail, backend[0] = check_keyring(allow_missing=allow_no_keyring)
            return detail

        def templates() -> Catalogue:
            if not catalogue:
                from lcc_apr.forms import Catalogue

                catalogue.append(Catalogue.load())
            return catalogue[0]

        steps: list[tuple[str, Callable[[], str]]] = [
            ("keyring", keyring_check),
            ("store", lambda: check_store(folder / "store", backend[0])),
            ("pdf", check_signed_pdf),
        ]
        if server is not None:
            steps.append(("sync", lambda: check_server_sync(folder / "sync", server, templates())))
        else:
            demo = folder / "demo"
            steps.append(("sync", lambda: check_demo_sync(demo, demo_server, templates())))
        checks = [_timed(name, step) for name, step in steps]
    return {
        "ok": all(c.ok for c in checks),
        "version": __version__,
        "frozen": bool(getattr(sys, "frozen", False)),
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "seconds": round(time.perf_counter() - started, 3),
        "checks": [asdict(c) for c in checks],
    }


def _timed(name: str, step: Callable[[], str]) -> Check:
    started = time.perf_counter()
    try:
        detail, ok, fix = step(), True, None
    except Failed as failed:
        detail, ok, fix = failed.problem, False, failed.fix
    except Exception as err:  # noqa: BLE001 - every failure is reported, none crashes the run
        detail, ok, fix = f"{type(err).__name__}: {err}"[:500], False, None
    return Check(name, ok, round(time.perf_counter() - started, 3), detail, fix)


def _name(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def check_keyring(*, allow_missing: bool) -> tuple[str, KeyringBackend | None]:
    """(what was found, the secure backend or None)."""
    import keyring
    from keyring.errors import KeyringError

    from lcc_apr.store import keys

    active = keyring.get_keyring()
    secure = keys.secure_keyring(active)
    fix = KEYRING_FIX.get(sys.platform, KEYRING_FIX_LINUX)
    if secure is None:
        problem = f"No secure keyring: the active backend is {_name(active)}."
        if allow_missing:
            return f"{problem} Allowed (--allow-no-keyring): the app asks for a passphrase.", None
        raise Failed(problem, fix)
    entry, value = f"check:{secrets.token_hex(8)}", secrets.token_urlsafe(24)
    try:
        secure.set_password(KEYRING_SERVICE, entry, value)
        try:
            read = secure.get_password(KEYRING_SERVICE, entry)
        finally:
            secure.delete_password(KEYRING_SERVICE, entry)
    except KeyringError as err:
        raise Failed(f"The keyring {_name(secure)} refused a test secret: {err}", fix) from err
    if read != value:
        raise Failed(f"The keyring {_name(secure)} gave back a different secret.", fix)
    return f"{_name(secure)}: a test secret written, read back and deleted.", secure


def check_store(folder: Path, backend: KeyringBackend | None) -> str:
    """An encrypted store made, migrated, reopened and checked; its key forgotten after."""
    from sqlalchemy import text

    from lcc_apr.store import keys, migrate, open_store
    from lcc_apr.store.store import PLAIN_SQLITE_HEADER

    path = folder / "selftest.db"
    passphrase = secrets.token_urlsafe(24)
    opened = dict(keyring_backend=backend, ask_passphrase=lambda new: passphrase)
    try:
        store = open_store(path, **opened)  # type: ignore[arg-type]
        try:
            with store.session() as s:
                revision = s.execute(text("SELECT version_num FROM alembic_version")).scalar()
                s.execute(text("CREATE TABLE selftest (value TEXT)"))
                s.execute(text("INSERT INTO selftest VALUES ('selftest')"))
        finally:
            store.close()
        scripts = migrate.head()
        if not revision == scripts == migrate.HEAD:
            raise Failed(
                f"The store's schema is {revision}, the bundled migrations end at {scripts}, "
                f"the app expects {migrate.HEAD}.",
                "Reinstall the app: its files are incomplete or mixed from two versions.",
            )
        if path.read_bytes()[:16] == PLAIN_SQLITE_HEADER:
            raise Failed("The store was written unencrypted.", "Reinstall the app.")
        store = open_store(path, **opened)  # type: ignore[arg-type]
        try:
            problems = store.integrity_problems()
            with store.session() as s:
                value = s.execute(text("SELECT value FROM selftest")).scalar()
            source = "in the keyring" if store.key_source == "keyring" else "from a passphrase"
        finally:
            store.close()
    finally:
        info = keys.read_info(path) if keys.info_path(path).exists() else None
        if info is not None:
            keys.forget_key(info, backend)
    if problems or value != "selftest":
        raise Failed(f"The reopened store is not sound: {'; '.join(problems)[:300]}")
    return f"Encrypted (SQLCipher) at schema {revision}, key {source}; reopened and sound."


def check_signed_pdf() -> str:
    """A one-page PDF signed by a throwaway certificate, checked; then one byte changed."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    from lcc_apr.pdf.check import check_pdf
    from lcc_apr.pdf.pages import FONT, register_fonts
    from lcc_apr.pdf.sign import PdfSigner

    ca_key, ca_cert, key, cert = _throwaway_certificates()
    register_fonts()
    buffer = io.BytesIO()
    page = Canvas(buffer)
    page.setTitle(TITLE)
    page.setFont(FONT, 12)
    page.drawString(72, 760, "LCC APR selftest: Łódź, Dvořák, Nguyễn")
    page.save()
    signed = PdfSigner(key, cert, [ca_cert]).sign(
        buffer.getvalue(), reason="Selftest", signer_name=TITLE
    )
    checked = check_pdf(signed, trust_roots=[ca_cert])
    if not checked.ok:
        raise Failed(f"A freshly signed PDF did not check: {checked.summary}", "Reinstall the app.")
    changed = signed.replace(f"({TITLE})".encode(), f"({TITLE[:-1]}T)".encode(), 1)
    if changed == signed or check_pdf(changed, trust_roots=[ca_cert]).ok:
        raise Failed("A signed PDF with one byte changed still checked as sound.")
    return f"Signed ({len(signed):,} bytes, PAdES) and checked; a changed byte is caught."


def _throwaway_certificates() -> tuple[Any, Any, Any, Any]:
    """A CA and a signing certificate issued by it (EC P-256), made for this check alone."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def certificate(subject: str, key: Any, issuer: str, signer: Any, ca: bool) -> Any:
        usage = dict.fromkeys(
            (
                "digital_signature",
                "content_commitment",
                "key_encipherment",
                "data_encipherment",
                "key_agreement",
                "key_cert_sign",
                "crl_sign",
                "encipher_only",
                "decipher_only",
            ),
            False,
        )
        usage |= {"key_cert_sign": ca, "crl_sign": ca}
        usage |= {"digital_signature": not ca, "content_commitment": not ca}
        name = lambda cn: x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])  # noqa: E731
        return (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name(issuer))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(**usage), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(signer, hashes.SHA256())
        )

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = certificate(f"{TITLE} CA", ca_key, f"{TITLE} CA", ca_key, True)
    return ca_key, ca_cert, key, certificate(TITLE, key, f"{TITLE} CA", ca_key, False)


def check_demo_sync(folder: Path, demo_server: DemoServerFactory | None, forms: Catalogue) -> str:
    """The embedded demo server (small) built, started, signed in to as a manager, synced."""
    from lcc_apr.demo.build import SMALL_SIZE
    from lcc_apr.launch import sign_in_demo

    if demo_server is None:
        raise Failed("The embedded demo server was not handed to the selftest.")
    session = sign_in_demo(
        "manager",
        demo_server=demo_server,
        folder=folder,
        keyring_backend=None,  # the person's keyring is left alone: the demo passphrase
        catalogue=forms,
        size=SMALL_SIZE,
    )
    try:
        result = session.first_sync
    finally:
        session.close()
    if result is None:
        raise Failed("The demo server started but the first sync did not run.")
    return (
        f"The embedded demo server ({SMALL_SIZE} people) started on 127.0.0.1; a demo "
        f"manager signed in and synced: {result.received} record(s) received."
    )


def check_server_sync(folder: Path, server: Server, forms: Catalogue) -> str:
    """Signed in to a real server with a password, one sync into a throwaway store, signed
    out, through the organisation file's certificates, pins and proxy as the app would be
    (--ca-bundle replaces the file's CA bundle). No signing key is enrolled (that would
    leave a certificate on the server)."""
    import dataclasses

    from lcc_apr.launch import cache_path
    from lcc_apr.orgconfig import read_organisation
    from lcc_apr.store import open_store
    from lcc_apr.sync.engine import SyncEngine
    from lcc_apr.sync.errors import SyncError
    from lcc_apr.sync.network import Network
    from lcc_apr.sync.transport import Connection, Tokens

    network = Network.of(read_organisation())
    if server.ca_bundle:
        network = dataclasses.replace(network, ca_bundle=server.ca_bundle)

    passphrase = secrets.token_urlsafe(24)
    store = open_store(
        cache_path(folder, server.url, "selftest"),
        keyring_backend=None,
        ask_passphrase=lambda new: passphrase,
    )
    try:
        connection = Connection(server.url, tokens=Tokens(None), network=network)
        try:
            connection.login(server.username, server.password, device="selftest")
            result = SyncEngine(store, connection, forms).run()
            connection.logout()
        except SyncError as err:
            raise Failed(f"Sync with {connection.url} failed: {err}") from err
        finally:
            connection.close()
    finally:
        store.close()
    return f"Signed in to {connection.url}, synced ({result.received} record(s)), signed out."
