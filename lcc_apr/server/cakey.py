"""The signing authority's private key kept encrypted at rest, and how it is unlocked.

The key file is PKCS#8 PEM encrypted under a passphrase (AES-256-CBC, the key derived by
PBKDF2-HMAC-SHA256 with 600,000 rounds); the passphrase is never written beside it. At
start the server takes the secret that unlocks the key (the passphrase, or the HSM token's
PIN) from, in order: the settings' ca_passphrase_file / ca_pkcs11_pin_file
(LCC_APR_SERVER_CA_..._FILE), the variable LCC_APR_CA_PASSPHRASE_FILE (a file path), or a
prompt when a terminal is attached.
A prompted secret reaches `serve`'s worker processes in their environment only
(UNLOCK_ENV, never on disk).

A key file in plain PEM is refused: `lcc-apr-server protect-ca-key` encrypts it.
Without the secret (or with a wrong one) the server still serves sync; only signing
(issuing certificates) is refused, with a plain reason (AuthorityLocked).
"""

from __future__ import annotations

import getpass
import logging
import os
import secrets
import stat
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .settings import ServerSettings

log = logging.getLogger("lcc_apr.server")
PASSPHRASE_FILE_ENV = "LCC_APR_CA_PASSPHRASE_FILE"
UNLOCK_ENV = "LCC_APR_CA_UNLOCK"  # set by `serve` after a prompt, for its workers only
PROTECT_COMMAND = "lcc-apr-server protect-ca-key"
MIN_PASSPHRASE = 12
KDF_ROUNDS = 600_000  # PBKDF2-HMAC-SHA256 rounds for the key file (OWASP's 2023 figure)
# the demo's passphrase is 288 random bits: stretching it adds nothing, and costs its start
DEMO_ROUNDS = 2048


class AuthorityError(Exception):
    """The signing authority cannot be made, read or used; the message says why."""


class AuthorityLocked(AuthorityError):
    """The authority's key cannot be used now (no or wrong passphrase/PIN, no token, a
    plain key): signing is refused, everything else goes on. `code` is the API's."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason, self.code = reason, code


def unlock_secret(settings: ServerSettings) -> str | None:
    """The passphrase (or HSM PIN) from the settings' file, the variable, or a prompt
    already answered; None when there is none."""
    configured = settings.ca_pkcs11_pin_file if settings.ca_in_hsm else settings.ca_passphrase_file
    if configured is None and not settings.ca_in_hsm and os.environ.get(PASSPHRASE_FILE_ENV):
        configured = Path(os.environ[PASSPHRASE_FILE_ENV])
    if configured is not None:
        return read_secret_file(configured)
    return os.environ.get(UNLOCK_ENV) or None


def read_secret_file(path: Path) -> str:
    """The first line of a passphrase or PIN file."""
    try:
        lines = path.read_text().splitlines()
    except OSError as err:
        raise AuthorityLocked(
            f"The passphrase file {path} cannot be read ({err.strerror}).", "ca_passphrase_missing"
        ) from None
    if not lines or not lines[0]:
        raise AuthorityLocked(f"The passphrase file {path} is empty.", "ca_passphrase_missing")
    return lines[0]


def ask(prompt: str, *, new: bool = False) -> str | None:
    """Ask on the terminal (None when none is attached); a new one is asked twice."""
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass(prompt)
    if new:
        check_new(first)
        if getpass.getpass("Again: ") != first:
            raise AuthorityError("The two passphrases differ; nothing was changed.")
    return first


def check_new(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise AuthorityError(
            f"The passphrase must be at least {MIN_PASSPHRASE} characters; nothing was changed."
        )


def encrypted_pem(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, passphrase: str, rounds: int = 0
) -> bytes:
    """PKCS#8 PEM encrypted under the passphrase: PBES2, PBKDF2-HMAC-SHA256 with KDF_ROUNDS
    (`cryptography`'s BestAvailableEncryption uses 2,048 rounds only), AES-256-CBC. OpenSSL
    and `cryptography` read it as any encrypted PKCS#8 key."""
    from asn1crypto import algos, keys, pem
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    plain = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    rounds = rounds or KDF_ROUNDS  # fewer only in tests
    salt, iv = os.urandom(16), os.urandom(16)
    secret = PBKDF2HMAC(hashes.SHA256(), 32, salt, rounds).derive(passphrase.encode())
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(secret), modes.CBC(iv)).encryptor()
    data = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    kdf = {
        "salt": algos.Pbkdf2Salt(name="specified", value=salt),
        "iteration_count": rounds,
        "prf": {"algorithm": "sha256"},
    }
    info = keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": {
                "algorithm": "pbes2",
                "parameters": {
                    "key_derivation_func": {"algorithm": "pbkdf2", "parameters": kdf},
                    "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
                },
            },
            "encrypted_data": data,
        }
    )
    return bytes(pem.armor("ENCRYPTED PRIVATE KEY", info.dump()))


def is_plain(data: bytes) -> bool:
    """Whether this key file holds the key unencrypted."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            serialization.load_pem_private_key(data, None)
        else:
            serialization.load_der_private_key(data, None)
    except (TypeError, ValueError):
        return False
    return True


def load_key_file(
    path: Path, passphrase: str | None
) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    """The authority's key from its encrypted file; AuthorityLocked saying why not."""
    data = path.read_bytes()
    if is_plain(data):
        raise AuthorityLocked(
            f"The signing authority's key {path} is not encrypted, so it is not used: run "
            f"'{PROTECT_COMMAND}' to encrypt it under a passphrase.",
            "ca_key_unprotected",
        )
    if passphrase is None:
        raise AuthorityLocked(
            "The signing authority's key is encrypted and no passphrase was given: set "
            "ca_passphrase_file (LCC_APR_SERVER_CA_PASSPHRASE_FILE) or "
            f"{PASSPHRASE_FILE_ENV}, or start the server on a terminal to be asked.",
            "ca_passphrase_missing",
        )
    try:
        key = serialization.load_pem_private_key(data, passphrase.encode())
    except (TypeError, ValueError):
        raise AuthorityLocked(
            f"The passphrase does not open the signing authority's key {path}.",
            "ca_passphrase_wrong",
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise AuthorityError("The authority's key must be an EC or RSA key.")
    return key


def protect_key_file(
    path: Path, passphrase: str, password: bytes | None = None, rounds: int = 0
) -> bool:
    """Encrypt a plain key file in place under `passphrase` (0600, atomically); False
    when it was encrypted already (then it is left alone)."""
    from .ca import _load_key

    data = path.read_bytes()
    if not is_plain(data) and password is None:
        return False
    key = _load_key(data, password, path)
    write_file(path, encrypted_pem(key, passphrase, rounds), 0o600)
    return True


def demo_passphrase(settings: ServerSettings) -> None:
    """DEMO ONLY: the embedded demo server's passphrase, generated once into the demo's
    own folder (ca_passphrase_file), so the demo starts with no configuration yet runs
    the same encrypted-key path as a real server. A demo authority made by an older
    version (a plain key) is encrypted under it. Never do this for a real server."""
    from .settings import read_or_create_secret

    assert settings.ca_passphrase_file is not None
    passphrase = read_or_create_secret(settings.ca_passphrase_file)
    key_path = settings.ca_files()[1]
    if key_path.exists() and is_plain(key_path.read_bytes()):
        protect_key_file(key_path, passphrase, rounds=DEMO_ROUNDS)


def write_file(path: Path, data: bytes, mode: int) -> None:
    """Write the file atomically with exactly this mode (whatever the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(draft, mode)  # whatever the umask
    os.replace(draft, path)


def tighten(key_path: Path) -> None:
    mode = stat.S_IMODE(key_path.stat().st_mode)
    if mode & 0o077:
        os.chmod(key_path, 0o600)
        log.warning("the signing authority's key file was readable by others: now 0600")
