"""The council's OpenID Connect provider as the server sees it: its discovery document,
its signing keys, and the check of an ID token against them (PyJWT).

The keys (JWKS, from the discovery document's `jwks_uri`) are kept for
`oidc_jwks_cache_seconds`; a token naming a key not among them makes one fetch
again (the provider rolled its keys), at most once every REFETCH_FLOOR seconds so
tokens with made-up key ids cannot make the server hammer the provider. Only
public-key algorithms are accepted (never `none`, never a shared secret). Called
from request threads: the cache is guarded by a lock.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from jwt import PyJWK, PyJWKSet

ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
PUBLIC_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})
REQUIRED = ["iss", "aud", "exp", "iat", "sub", "nonce"]
REFETCH_FLOOR = 10.0  # seconds between two fetches of the keys for unknown key ids
FETCH_TIMEOUT = 10.0
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DISCOVERY = "/.well-known/openid-configuration"


class ProviderUnreachable(Exception):
    """The provider's discovery document or keys could not be had (or made no sense)."""


class TokenRefused(Exception):
    """The ID token fails a check; `reason` is a short word for the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def usable_address(url: str) -> bool:
    """https, or plain http to this computer (a provider run for tests or a trial)."""
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS)


class OidcProvider:
    """One provider (issuer) and one client id (the audience ID tokens must name)."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        *,
        cache_seconds: float,
        leeway: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.cache_seconds = cache_seconds
        self.leeway = leeway
        self.clock = clock
        self._lock = threading.Lock()
        self._keys: PyJWKSet | None = None
        self._fetched_at = -float("inf")

    def check(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The claims of a valid ID token carrying `nonce`; TokenRefused (with its reason:
        bad_token, bad_signature, expired, wrong_issuer, wrong_audience, wrong_nonce)
        otherwise; ProviderUnreachable when the keys could not be had."""
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError:
            raise TokenRefused("bad_token") from None
        if header.get("alg") not in ALGORITHMS:
            raise TokenRefused("bad_token")
        key = self._key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=ALGORITHMS,
                audience=self.client_id,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": REQUIRED},
            )
        except jwt.InvalidSignatureError:
            raise TokenRefused("bad_signature") from None
        except jwt.ExpiredSignatureError:
            raise TokenRefused("expired") from None
        except jwt.InvalidIssuerError:
            raise TokenRefused("wrong_issuer") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused("wrong_audience") from None
        except jwt.PyJWTError:
            raise TokenRefused("bad_token") from None
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.client_id:
            raise TokenRefused("wrong_audience")  # OIDC Core 3.1.3.7: azp names us
        if not isinstance(claims["nonce"], str) or not hmac.compare_digest(
            claims["nonce"].encode(), nonce.encode()
        ):
            raise TokenRefused("wrong_nonce")
        return claims

    def _key(self, kid: Any) -> PyJWK:
        """The provider's public key named `kid` (the only key, when the token names none)."""
        with self._lock:
            now = self.clock()
            if self._keys is None or now - self._fetched_at > self.cache_seconds:
                self._fetch(now)
            found = self._find(kid)
            if found is None and now - self._fetched_at >= REFETCH_FLOOR:
                self._fetch(now)  # the provider may have rolled its keys
                found = self._find(kid)
        if found is None:
            raise TokenRefused("bad_signature")  # signed with a key the provider does not use
        return found

    def _find(self, kid: Any) -> PyJWK | None:
        assert self._keys is not None
        keys = [
            k
            for k in self._keys.keys
            if k.key_type in PUBLIC_KEY_TYPES and k.public_key_use in (None, "sig")
        ]
        if kid is None:
            return keys[0] if len(keys) == 1 else None
        return next((k for k in keys if k.key_id == kid), None)

    def _fetch(self, now: float) -> None:
        """Read the discovery document, then the keys it points at."""
        try:
            with httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=False) as http:
                meta = _json(http.get(self.issuer.rstrip("/") + DISCOVERY))
                if meta.get("issuer") != self.issuer:  # OpenID Connect Discovery 4.3
                    raise ProviderUnreachable("the discovery document names another issuer")
                jwks_uri = meta.get("jwks_uri")
                if not isinstance(jwks_uri, str) or not usable_address(jwks_uri):
                    raise ProviderUnreachable("the discovery document has no usable jwks_uri")
                self._keys = PyJWKSet.from_dict(_json(http.get(jwks_uri)))
        except (httpx.HTTPError, jwt.PyJWTError, ValueError) as exc:
            raise ProviderUnreachable(type(exc).__name__) from None
        self._fetched_at = now


def _json(response: httpx.Response) -> dict[str, Any]:
    response.raise_for_status()
    value = response.json()
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value
