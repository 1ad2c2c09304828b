"""A person's signing identity on this computer: their key pair and certificate.

The key pair (EC P-256) is made the first time it is needed. Its private key is kept
like the store key (lcc_apr.store.keys): in a secure OS keyring (service
"lcc-apr-signing"), or, when the computer has none, in a PEM file beside the store,
encrypted (cryptography's BestAvailableEncryption) with a key derived from a passphrase
by argon2id. Beside the store, `<store>.signing.json` holds no secret: where the key
lives, the argon2id salt and cost, and which public key it is.

The certificate comes from the organisation's server (POST /certificates with a
certificate signing request) and is kept in the encrypted store (own_certificates).
A computer that has never received one cannot sign offline: `SigningError` then says
"connect once to get your signing certificate".

`Signer` ties it together for the app: `ready(connection)` before signing, `enrol`
and `enrol_if_needed` during sync, `trust()` for checking signatures.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import keyring
from argon2.low_level import Type, hash_secret_raw
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from keyring.backend import KeyringBackend
from sqlalchemy import delete, select

from lcc_apr.models import OwnCertificate, now_utc
from lcc_apr.paths import write_private
from lcc_apr.store import keys
from lcc_apr.sync.errors import NetworkError, Refused, SyncError

from .certs import (
    SIGNATURE,
    CertificateError,
    certificate_request,
    der,
    load_certificate,
    new_private_key,
    public_key_id,
    serial_text,
    unb64,
    valid_at,
)
from .trust import Trust, load_trust

SERVICE = "lcc-apr-signing"
RENEW_BEFORE = timedelta(days=30)  # ask for a new certificate this long before one ends
NEED_CERTIFICATE = (
    "Connect once to get your signing certificate: this computer has not received one "
    "from your organisation's server yet, so it cannot sign offline."
)
_UNSET: Any = object()


class SigningError(Exception):
    """Signing cannot go ahead; str(err) is a complete sentence for the person."""


class CertificateSource(Protocol):
    """What enrolment needs from the connection (lcc_apr.sync.transport.Connection)."""

    username: str | None

    def request_certificate(self, csr: bytes) -> dict[str, Any]: ...


def info_path(store: Path) -> Path:
    return store.with_name(store.name + ".signing.json")


def key_file_path(store: Path) -> Path:
    return store.with_name(store.name + ".signing.pem")


@dataclass
class SigningIdentity:
    """A private key and, once enrolled, the certificate the organisation issued for it."""

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate | None = None
    user_id: int | None = None  # whose certificate (from the server's answer)

    @property
    def key_id(self) -> str:
        return public_key_id(self.private_key.public_key())

    @property
    def certificate_der(self) -> bytes | None:
        return der(self.certificate) if self.certificate is not None else None

    def sign(self, data: bytes) -> bytes:
        """ECDSA P-256 / SHA-256 signature (DER) over `data`."""
        return self.private_key.sign(data, SIGNATURE)

    def private_key_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM, for a signer in this process only (the PDF's PAdES
        signature); never write it to disk."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def usable_at(self, at: datetime, trust: Trust | None = None) -> bool:
        """A certificate valid at `at` and (as far as the cached trust knows) not revoked."""
        cert = self.certificate
        if cert is None or not valid_at(cert, at):
            return False
        return not (trust is not None and serial_text(cert) in trust.revoked)

    def require_certificate(self, at: datetime, trust: Trust | None = None) -> x509.Certificate:
        if self.certificate is None:
            raise SigningError(NEED_CERTIFICATE)
        if not self.usable_at(at, trust):
            raise SigningError(
                "Your signing certificate has expired or was revoked: connect to your "
                "organisation's server to get a new one, then sign again."
            )
        return self.certificate


# -- the private key -------------------------------------------------------------------


class KeyVault:
    """Where this store's signing key lives: the keyring, or a passphrase-protected file."""

    def __init__(
        self,
        store: Path,
        *,
        backend: KeyringBackend | None,
        ask: keys.AskPassphrase | None,
        argon2_cost: dict[str, int] | None = None,
    ) -> None:
        self.store = store
        self.backend = backend
        self.ask = ask
        self.argon2_cost = dict(argon2_cost or keys.ARGON2)

    def info(self) -> dict[str, Any] | None:
        path = info_path(self.store)
        if not path.exists():
            return None
        try:
            info = json.loads(path.read_text())
            if not isinstance(info, dict) or info.get("source") not in ("keyring", "passphrase"):
                raise ValueError
            return info
        except (ValueError, OSError):
            return None  # unreadable: a new key is made (the old certificate is then unused)

    def needs_passphrase(self) -> bool:
        """True when loading (or making) the key would ask for a passphrase."""
        info = self.info()
        if info is None:
            return self.backend is None
        return str(info["source"]) == "passphrase"

    def load(self, *, create: bool = True) -> ec.EllipticCurvePrivateKey | None:
        """The signing key; made (and kept) the first time when `create`."""
        info = self.info()
        if info is not None:
            key = self._read(info)
            if key is not None:
                return key
        return self._create() if create else None

    def _read(self, info: dict[str, Any]) -> ec.EllipticCurvePrivateKey | None:
        if info["source"] == "keyring":
            if self.backend is None:
                raise SigningError(
                    "Your signing key is kept in the system keyring, which is not available: "
                    "sign in to your desktop session (or unlock the keyring) and try again."
                )
            text = self.backend.get_password(SERVICE, _entry(info))
            if text is None:
                return None  # the keyring lost it: a new key is made
            return _private_key(text.encode(), None)
        path = key_file_path(self.store)
        if not path.exists():
            return None
        if self.ask is None:
            raise SigningError("Your signing key needs its passphrase: enter it to sign.")
        passphrase = self.ask(False)
        if not passphrase:
            raise SigningError("No passphrase was given, so nothing was signed.")
        secret = _derive(passphrase, base64.b64decode(info["salt"]), info["cost"])
        key = _private_key(path.read_bytes(), secret)
        if key is None:
            raise SigningError(
                "That passphrase does not open your signing key; nothing was signed."
            )
        return key

    def _create(self) -> ec.EllipticCurvePrivateKey:
        if self.backend is None and self.ask is None:
            raise SigningError(
                "This computer has no secure keyring and no passphrase was offered, so a "
                "signing key cannot be kept safely: unlock the keyring or choose a passphrase."
            )
        self.forget()  # a previous key (unreadable or lost) goes first
        key = new_private_key()
        info: dict[str, Any] = {
            "format": 1,
            "id": uuid.uuid4().hex,
            "key_id": public_key_id(key.public_key()),
        }
        if self.backend is not None:
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            self.backend.set_password(SERVICE, _entry(info), pem.decode("ascii"))
            info["source"] = "keyring"
        else:
            assert self.ask is not None
            passphrase = self.ask(True)
            if not passphrase:
                raise SigningError("No passphrase was given, so no signing key was made.")
            salt = secrets.token_bytes(16)
            secret = _derive(passphrase, salt, self.argon2_cost)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(secret),
            )
            write_private(key_file_path(self.store), pem)
            info |= {
                "source": "passphrase",
                "kdf": "argon2id",
                "salt": base64.b64encode(salt).decode(),
                "cost": self.argon2_cost,
                "file": key_file_path(self.store).name,
            }
        _write_info(info_path(self.store), info)
        return key

    def forget(self) -> None:
        """Remove the key (keyring entry, key file) and its information file."""
        info = self.info()
        if info is not None and info.get("source") == "keyring" and self.backend is not None:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                self.backend.delete_password(SERVICE, _entry(info))
        for path in (key_file_path(self.store), info_path(self.store)):
            path.unlink(missing_ok=True)


def _entry(info: dict[str, Any]) -> str:
    return f"key:{info['id']}"


def _derive(passphrase: str, salt: bytes, cost: dict[str, int]) -> bytes:
    raw = hash_secret_raw(passphrase.encode(), salt, hash_len=32, type=Type.ID, **cost)
    return raw.hex().encode("ascii")


def _private_key(pem: bytes, password: bytes | None) -> ec.EllipticCurvePrivateKey | None:
    try:
        key = serialization.load_pem_private_key(pem, password)
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, ec.EllipticCurvePrivateKey) else None


def _write_info(path: Path, info: dict[str, Any]) -> None:
    write_private(path, json.dumps(info, indent=2).encode())


# -- the app's signer ------------------------------------------------------------------


class Signer:
    """One store's signing identity: load it, enrol it, say whether it can sign.

    Thread-safe enough for the app's use: the key is loaded once and kept in memory for
    the process (a passphrase is asked once).
    """

    def __init__(
        self,
        store: Any,  # lcc_apr.store.Store (path and session())
        *,
        keyring_backend: KeyringBackend | None = _UNSET,
        ask_passphrase: keys.AskPassphrase | None = None,
        argon2_cost: dict[str, int] | None = None,
    ) -> None:
        self.store = store
        backend = keys.secure_keyring() if keyring_backend is _UNSET else keyring_backend
        self.vault = KeyVault(
            Path(store.path), backend=backend, ask=ask_passphrase, argon2_cost=argon2_cost
        )
        self._key: ec.EllipticCurvePrivateKey | None = None

    def trust(self) -> Trust:
        """The organisation's trust as last fetched (for signature_states and the PDF)."""
        with self.store.session() as s:
            return load_trust(s)

    def identity(self, *, create: bool = True) -> SigningIdentity | None:
        """The key (made the first time when `create`; may ask for the passphrase) and
        the newest certificate this store holds for it. None when there is no key and
        `create` is False."""
        if self._key is None:
            self._key = self.vault.load(create=create)
            if self._key is None:
                return None
        identity = SigningIdentity(self._key)
        with self.store.session() as s:
            trust = load_trust(s)
            rows = s.scalars(
                select(OwnCertificate)
                .where(OwnCertificate.key_id == identity.key_id)
                .order_by(OwnCertificate.not_after.desc())
            )
            for row in rows:
                if row.serial in trust.revoked:
                    continue
                try:
                    identity.certificate = load_certificate(row.certificate)
                except CertificateError:
                    continue
                identity.user_id = row.user_id
                break
        return identity

    def needs_certificate(self, at: datetime | None = None) -> bool:
        """True when the key has no certificate valid now (or it ends within 30 days)."""
        at = at or now_utc()
        identity = self.identity(create=False) if self._ready_silently() else None
        if identity is None or identity.certificate is None:
            return True
        return not identity.usable_at(at + RENEW_BEFORE, self.trust())

    def enrol(
        self, connection: CertificateSource, *, at: datetime | None = None
    ) -> SigningIdentity:
        """Ask the server for a certificate for this computer's key (made if needed).

        A key the organisation has revoked is replaced by a new one first."""
        at = at or now_utc()
        identity = self.identity()
        assert identity is not None
        try:
            reply = self._request(connection, identity)
        except Refused as err:
            if err.code != "key_revoked":
                raise
            self.vault.forget()  # the organisation revoked this key: make a new one
            self._key = None
            identity = self.identity()
            assert identity is not None
            reply = self._request(connection, identity)
        try:
            certificate = load_certificate(unb64(reply["certificate"]))
        except (KeyError, CertificateError) as err:
            raise SigningError("The server's answer held no usable certificate.") from err
        if public_key_id(certificate.public_key()) != identity.key_id:
            raise SigningError("The server's certificate is for another key; nothing was kept.")
        with self.store.session() as s:
            s.merge(
                OwnCertificate(
                    serial=serial_text(certificate),
                    user_id=int(reply.get("user_id") or 0),
                    key_id=identity.key_id,
                    certificate=der(certificate),
                    not_after=certificate.not_valid_after_utc,
                    received_at=at,
                )
            )
        return self.identity()  # type: ignore[return-value]

    @staticmethod
    def _request(connection: CertificateSource, identity: SigningIdentity) -> dict[str, Any]:
        csr = certificate_request(identity.private_key, connection.username or "")
        return connection.request_certificate(csr)

    def ready(
        self, connection: CertificateSource | None = None, *, at: datetime | None = None
    ) -> SigningIdentity:
        """An identity that can sign now: enrols first when it has no usable certificate
        and a connection is given. Raises SigningError (offline without a certificate:
        "connect once to get your signing certificate")."""
        at = at or now_utc()
        identity = self.identity()
        assert identity is not None
        trust = self.trust()
        if identity.usable_at(at, trust) and identity.usable_at(at + RENEW_BEFORE, trust):
            return identity
        if connection is not None:
            try:
                identity = self.enrol(connection, at=at)
            except SyncError as err:
                if not identity.usable_at(at, trust):
                    if isinstance(err, NetworkError):
                        raise SigningError(NEED_CERTIFICATE) from err
                    raise SigningError(f"No signing certificate could be had: {err}") from err
        identity.require_certificate(at, trust)
        return identity

    def enrol_if_needed(self, connection: CertificateSource, *, at: datetime | None = None) -> bool:
        """During sync: enrol when a certificate is missing or ends soon, but only if that
        asks nothing of the person (a keyring key, or a key already unlocked)."""
        if not self._ready_silently():
            return False
        if not self.needs_certificate(at):
            return False
        self.enrol(connection, at=at)
        return True

    def _ready_silently(self) -> bool:
        return self._key is not None or not self.vault.needs_passphrase()

    def forget(self) -> None:
        """Forget the key and this store's certificates (the account was disabled)."""
        self.vault.forget()
        self._key = None
        with self.store.session() as s:
            s.execute(delete(OwnCertificate))
