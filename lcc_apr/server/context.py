"""Everything one running app needs, made once in create_app and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lcc_apr.forms import Catalogue

from .ca import AuthorityHolder
from .db import session_factory
from .lockout import AddressThrottle
from .oidc import OidcProvider
from .security import Passwords, TokenIssuer
from .settings import ServerSettings


@dataclass
class ServerContext:
    settings: ServerSettings
    engine: Engine
    sessions: sessionmaker[Session]
    passwords: Passwords
    tokens: TokenIssuer
    catalogue: Catalogue
    authority: AuthorityHolder  # the signing authority, read from its files when first needed
    throttle: AddressThrottle  # failed sign-ins per client address
    provider: OidcProvider | None  # the council's sign-in service (None: no single sign-on)
    nonce_throttle: AddressThrottle  # single sign-on nonces given per client address

    @classmethod
    def build(cls, settings: ServerSettings, engine: Engine) -> ServerContext:
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            passwords=Passwords(settings),
            tokens=TokenIssuer(settings),
            catalogue=Catalogue.load(),
            authority=AuthorityHolder(settings),
            throttle=AddressThrottle(
                settings.sign_in_failures_per_address, settings.sign_in_throttle_seconds
            ),
            provider=_provider(settings),
            nonce_throttle=AddressThrottle(
                settings.oidc_nonces_per_address, settings.oidc_nonce_throttle_seconds
            ),
        )


def _provider(settings: ServerSettings) -> OidcProvider | None:
    if settings.oidc_issuer is None or settings.oidc_client_id is None:
        return None
    return OidcProvider(
        settings.oidc_issuer,
        settings.oidc_client_id,
        cache_seconds=settings.oidc_jwks_cache_seconds,
        leeway=settings.oidc_leeway_seconds,
    )
