"""The backup archive's sealing: one file, encrypted under an operator's passphrase.

Layout: MAGIC; a JSON header (key derivation, salt, costs, nonce prefix) after its
length and followed by its SHA-256 (so a damaged header is told from a wrong
passphrase); a key check (an AES-GCM tag over nothing, the header as associated
data); then the payload in chunks of at most CHUNK bytes, each a 4-byte length and
its AES-256-GCM ciphertext. A chunk's nonce is the prefix, the chunk's number and a
last-chunk flag (the STREAM construction), and every chunk carries the header as
associated data: chunks cannot be reordered, dropped, cut off or changed unnoticed.
The key is derived from the passphrase with Argon2id. Memory use is one chunk, however
large the payload.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

MAGIC = b"LCC-APR backup\x00\x01"
CHUNK = 1 << 20
TAG = 16
MAX_HEADER = 4096
CHECK = 0xFFFFFFFF  # the key check's chunk number (never a payload chunk's)


class ArchiveError(Exception):
    """The archive cannot be opened; the message says why, in words for the operator."""


class WrongPassphrase(ArchiveError):
    pass


class DamagedArchive(ArchiveError):
    pass


@dataclass(frozen=True)
class Cost:
    """Argon2id's cost (the header records it, so restore uses the backup's)."""

    iterations: int = 3
    memory_kib: int = 64 * 1024
    lanes: int = 4


COST = Cost()
LIMITS = Cost(iterations=100, memory_kib=4 * 1024 * 1024, lanes=64)  # refuse beyond


def _cipher(passphrase: str, salt: bytes, cost: Cost) -> AESGCM:
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=cost.iterations,
        lanes=cost.lanes,
        memory_cost=cost.memory_kib,
    )
    return AESGCM(kdf.derive(passphrase.encode()))


def _nonce(prefix: bytes, number: int, flag: int) -> bytes:
    return prefix + number.to_bytes(4, "big") + bytes([flag])


class SealedWriter(io.RawIOBase):
    """A write-only file that seals what is written into `out` (close() ends it)."""

    def __init__(self, out: BinaryIO, passphrase: str, cost: Cost | None = None) -> None:
        super().__init__()
        cost = cost or COST
        salt, self._prefix = os.urandom(16), os.urandom(7)
        header = json.dumps(
            {
                "kdf": "argon2id",
                "salt": salt.hex(),
                "iterations": cost.iterations,
                "memory_kib": cost.memory_kib,
                "lanes": cost.lanes,
                "cipher": "aes-256-gcm",
                "nonce_prefix": self._prefix.hex(),
                "chunk": CHUNK,
            },
            sort_keys=True,
        ).encode()
        self._out, self._header = out, header
        self._aead = _cipher(passphrase, salt, cost)
        self._number = 0
        self._buffer = bytearray()
        out.write(MAGIC + len(header).to_bytes(4, "big") + header)
        out.write(hashlib.sha256(header).digest())
        out.write(self._aead.encrypt(_nonce(self._prefix, CHECK, 2), b"", header))

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep the rest: the last chunk is never empty
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = _nonce(self._prefix, self._number, int(last))
        sealed = self._aead.encrypt(nonce, plain, self._header)
        self._out.write(len(sealed).to_bytes(4, "big") + sealed)
        self._number += 1


class SealedReader(io.RawIOBase):
    """A read-only file giving back what SealedWriter sealed; WrongPassphrase when the
    key check fails, DamagedArchive for anything changed, missing or cut off. Every
    byte returned has been authenticated; the end is only reached after the last chunk
    (marked as last when sealed) has been."""

    def __init__(self, source: BinaryIO, passphrase: str) -> None:
        super().__init__()
        self._source = source
        if _exactly(source, len(MAGIC)) != MAGIC:
            raise DamagedArchive("This is not an LCC APR backup archive (or its start is damaged).")
        size = int.from_bytes(_exactly(source, 4) or b"\xff" * 4, "big")
        header = _exactly(source, size) if size <= MAX_HEADER else None
        digest = _exactly(source, 32)
        if header is None or digest != hashlib.sha256(header).digest():
            raise DamagedArchive("The archive's header is damaged.")
        salt, cost, self._prefix = _read_header(header)
        self._header, self._aead = header, _cipher(passphrase, salt, cost)
        try:
            self._aead.decrypt(_nonce(self._prefix, CHECK, 2), _exactly(source, TAG) or b"", header)
        except InvalidTag:
            raise WrongPassphrase("The passphrase is wrong for this archive.") from None
        self._number = 0
        self._plain = b""
        self._ahead: bytes | None = self._raw_chunk()
        if self._ahead is None:
            raise DamagedArchive("The archive is cut short: it holds nothing.")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._plain and self._ahead is not None:
            self._open_next()
        count = min(len(buffer), len(self._plain))
        buffer[:count] = self._plain[:count]
        self._plain = self._plain[count:]
        return count

    def _open_next(self) -> None:
        sealed, self._ahead = self._ahead, self._raw_chunk()
        assert sealed is not None
        last = self._ahead is None
        try:
            nonce = _nonce(self._prefix, self._number, int(last))
            self._plain = self._aead.decrypt(nonce, sealed, self._header)
        except InvalidTag:
            raise DamagedArchive(
                f"The archive is damaged or cut short (part {self._number + 1} does not check)."
            ) from None
        self._number += 1

    def _raw_chunk(self) -> bytes | None:
        """The next chunk's ciphertext, None at the end of the file."""
        length = self._source.read(4)
        if not length:
            return None
        size = int.from_bytes(length, "big") if len(length) == 4 else -1
        sealed = _exactly(self._source, size) if TAG <= size <= CHUNK + TAG else None
        if sealed is None:
            raise DamagedArchive("The archive is damaged or cut short.")
        return sealed


def _exactly(source: BinaryIO, size: int) -> bytes | None:
    data = source.read(size)
    return data if len(data) == size else None


def _read_header(header: bytes) -> tuple[bytes, Cost, bytes]:
    try:
        fields = json.loads(header)
        salt, prefix = bytes.fromhex(fields["salt"]), bytes.fromhex(fields["nonce_prefix"])
        cost = Cost(int(fields["iterations"]), int(fields["memory_kib"]), int(fields["lanes"]))
        known = fields["kdf"] == "argon2id" and fields["cipher"] == "aes-256-gcm"
    except (ValueError, KeyError, TypeError):
        raise DamagedArchive("The archive's header is not readable.") from None
    within = (
        1 <= cost.iterations <= LIMITS.iterations
        and 8 * cost.lanes <= cost.memory_kib <= LIMITS.memory_kib
        and 1 <= cost.lanes <= LIMITS.lanes
    )
    if not known or not within or len(salt) < 16 or len(prefix) != 7:
        raise DamagedArchive("The archive was made with settings this version does not read.")
    return salt, cost, prefix
