"""Password hashing (argon2id), access tokens (JWT HS256) and opaque refresh tokens.

Refresh tokens are strings the server keeps only as SHA-256 hashes: random at
sign-in, then each derived from the one it replaces with the server's key;
access tokens are short-lived JWTs naming the user (`sub`), the session they
belong to (`sid`, the refresh family) and carrying `aud`, `exp` and `jti`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .settings import ServerSettings

ALGORITHM = "HS256"
ISSUER = "lcc-apr-server"
LEEWAY_SECONDS = 5


class Passwords:
    """argon2id hashing with the server's cost settings."""

    def __init__(self, settings: ServerSettings) -> None:
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self.hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def waste_time(self, password: str) -> None:
        """Verify against a throwaway hash, so an unknown user costs as long as a known one."""
        if self._dummy is None:
            self._dummy = self.hash(secrets.token_urlsafe(16))
        self.verify(self._dummy, password)


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: str
    token_id: str


class TokenIssuer:
    """Issues and reads the short-lived access tokens (JWT HS256) of this server."""

    def __init__(self, settings: ServerSettings) -> None:
        self._key = settings.signing_key()
        self.audience = settings.token_audience
        self.access_lifetime = timedelta(minutes=settings.access_token_minutes)
        self.refresh_lifetime = timedelta(days=settings.refresh_token_days)

    def access_token(self, user_id: int, session_id: str, now: datetime) -> str:
        claims = {
            "sub": str(user_id),
            "sid": session_id,
            "aud": self.audience,
            "iss": ISSUER,
            "iat": int(now.timestamp()),
            "exp": int((now + self.access_lifetime).timestamp()),
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def read_access(self, token: str) -> AccessClaims | None:
        """The claims of a valid, unexpired token of ours; None for anything else."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub", "aud", "jti", "iss"]},
            )
            return AccessClaims(int(claims["sub"]), str(claims["sid"]), str(claims["jti"]))
        except (jwt.InvalidTokenError, KeyError, ValueError, TypeError):
            return None

    def successor(self, refresh_token: str) -> str:
        """The refresh token that replaces this one: derived from it with the server's key
        (HMAC-SHA256), so a refresh whose reply was lost can be answered again identically
        while the server keeps only hashes."""
        digest = hmac.new(self._key.encode(), b"refresh:" + refresh_token.encode(), "sha256")
        return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()

    @property
    def access_seconds(self) -> int:
        return int(self.access_lifetime.total_seconds())


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
