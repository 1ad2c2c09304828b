"""The store key: 256 random bits in the OS keyring, or derived from a passphrase.

Beside the store file sits `<store>.key.json`, which holds no secret: where
the key lives (keyring or passphrase), the argon2id salt and cost for a
passphrase, and a check value (an HMAC made with the key) that tells a wrong
key from a damaged file before the database is touched.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
from argon2.low_level import Type, hash_secret_raw
from keyring.backend import KeyringBackend

from lcc_apr.paths import write_private

from .errors import KeyUnavailableError, MissingKeyError, WrongKeyError

SERVICE = "lcc-apr"
KEY_BYTES = 32
# argon2id cost for passphrase keys (about 0.1-0.3 s on a laptop). Stored per
# store, so raising it later does not break existing stores.
ARGON2 = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 2}

# A callable that asks the user for the passphrase; `new` is True when the
# store is being created (the UI should ask twice). Returns "" to cancel.
AskPassphrase = Callable[[bool], str]


def info_path(store: Path) -> Path:
    return store.with_name(store.name + ".key.json")


def secure_keyring(backend: KeyringBackend | None = None) -> KeyringBackend | None:
    """The active keyring if it keeps secrets safely, else None.

    Refuses the failing and null backends (a headless Linux box), and every
    keyrings.alt backend (file based; some write plaintext).
    """
    kr = backend or keyring.get_keyring()
    candidates = getattr(kr, "backends", None) or [kr]  # the chainer wraps several
    for candidate in candidates:
        module = type(candidate).__module__
        if module.startswith(("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")):
            continue
        if getattr(candidate, "priority", 0) <= 0:
            continue
        return candidate
    return None


@dataclass(frozen=True)
class StoreKey:
    raw: bytes
    info: dict[str, Any]

    @property
    def sqlcipher(self) -> str:
        """The SQLCipher raw-key literal (no second key derivation)."""
        return f"x'{self.raw.hex()}'"


def _check_value(raw: bytes) -> str:
    return hmac.new(raw, b"lcc-apr store key check", hashlib.sha256).hexdigest()


def _derive(passphrase: str, salt: bytes, cost: dict[str, int]) -> bytes:
    return hash_secret_raw(passphrase.encode(), salt, hash_len=KEY_BYTES, type=Type.ID, **cost)


def _write_info(path: Path, info: dict[str, Any]) -> None:
    write_private(path, json.dumps(info, indent=2).encode())


def read_info(store: Path) -> dict[str, Any] | None:
    path = info_path(store)
    if not path.exists():
        return None
    try:
        info = json.loads(path.read_text())
        if (
            not isinstance(info, dict)
            or info.get("source") not in ("keyring", "passphrase")
            or "id" not in info
        ):
            raise ValueError
        return info
    except (ValueError, OSError) as exc:
        raise MissingKeyError(
            path,
            "The store's key information file is unreadable",
            "Restore it from a backup, or move the store aside and sync again.",
        ) from exc


def new_key(
    store: Path,
    *,
    backend: KeyringBackend | None,
    ask: AskPassphrase | None,
    argon2_cost: dict[str, int] | None = None,
) -> StoreKey:
    """Create a key for a store that does not exist yet, and record where it lives."""
    info: dict[str, Any] = {"format": 1, "id": uuid.uuid4().hex}
    if backend is not None:
        raw = secrets.token_bytes(KEY_BYTES)
        backend.set_password(SERVICE, entry_name(info), base64.b64encode(raw).decode())
        info |= {"source": "keyring", "backend": _name(backend)}
    elif ask is not None:
        passphrase = ask(True)
        if not passphrase:
            raise KeyUnavailableError(
                store, "No passphrase was given", "Start again and choose one."
            )
        salt = secrets.token_bytes(16)
        cost = dict(argon2_cost or ARGON2)
        raw = _derive(passphrase, salt, cost)
        info |= {
            "source": "passphrase",
            "kdf": "argon2id",
            "salt": base64.b64encode(salt).decode(),
            "cost": cost,
        }
    else:
        raise KeyUnavailableError(
            store,
            "This computer has no secure keyring and no passphrase was offered",
            "Unlock or install the system keyring, or choose a passphrase for the local store.",
        )
    info["check"] = _check_value(raw)
    _write_info(info_path(store), info)
    return StoreKey(raw, info)


def existing_key(
    store: Path,
    info: dict[str, Any],
    *,
    backend: KeyringBackend | None,
    ask: AskPassphrase | None,
) -> StoreKey:
    """Find the key of an existing store and prove it is the right one."""
    if info["source"] == "keyring":
        if backend is None:
            raise KeyUnavailableError(
                store,
                "The store's key is kept in the system keyring, which is not available",
                "Sign in to your desktop session (or unlock the keyring) and start again.",
            )
        stored = backend.get_password(SERVICE, entry_name(info))
        if stored is None:
            raise MissingKeyError(
                store,
                "The system keyring no longer holds this store's key",
                "Your records are safe on the server: move this file aside (do not delete it) "
                "and sync again, or ask IT to restore your keyring.",
            )
        raw = base64.b64decode(stored)
        wrong = "The key in the system keyring does not match this store"
        advice = "Ask IT to restore your keyring, or move the file aside and sync again."
    else:
        if ask is None:
            raise KeyUnavailableError(
                store, "This store needs its passphrase", "Enter it to continue."
            )
        passphrase = ask(False)
        if not passphrase:
            raise KeyUnavailableError(store, "No passphrase was given", "Enter it to continue.")
        raw = _derive(passphrase, base64.b64decode(info["salt"]), info["cost"])
        wrong = "That passphrase does not open this store"
        advice = "Check it and try again; nothing has been changed."
    if not hmac.compare_digest(_check_value(raw), info.get("check", "")):
        raise WrongKeyError(store, wrong, advice)
    return StoreKey(raw, info)


def forget_key(info: dict[str, Any], backend: KeyringBackend | None) -> None:
    """Remove a store's keyring entry (when the store itself is removed)."""
    if backend is not None and info.get("source") == "keyring":
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            backend.delete_password(SERVICE, entry_name(info))


def entry_name(info: dict[str, Any]) -> str:
    """The keyring entry of a store: named by the store's id, so files can move."""
    return f"store:{info['id']}"


def _name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"
