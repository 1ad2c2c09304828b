"""A real OpenID Connect provider on 127.0.0.1 for the single sign-on tests.

Authlib's authorization server (its Flask integration) with the OpenID Connect code
grant and PKCE, served by werkzeug in a thread: discovery, JWKS, /authorize (which
consents at once for the person set in `signed_in`, as a browser would after they
typed their password) and /token. Its RSA key is a joserfc key; `mint` signs a token
with it (or another key) through joserfc, for the negative cases. No JWT by hand.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, jsonify
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "lcc-apr-desktop"


@dataclass
class Person:
    """Someone with an account at the provider."""

    sub: str
    claims: dict[str, Any]


class Client(ClientMixin):
    """The LCC APR desktop: a public client whose redirect is the loopback, any port."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        parts = urlsplit(redirect_uri)  # RFC 8252 section 7.3: any port on the loopback
        return parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.path == "/"

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


class Provider:
    """The provider: `start()` gives its issuer URL; set `signed_in` to the person whose
    browser goes to /authorize next."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, {"kid": "key-1", "use": "sig"}, private=True)
        self.codes: dict[str, Code] = {}
        self.signed_in: Person | None = None
        self.issuer = ""
        self.app = self._app()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> str:
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread.start()
        return self.issuer

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    def mint(self, claims: dict[str, Any], key: RSAKey | None = None) -> str:
        """An ID token of these claims (over the defaults), signed by the provider's key
        or `key` (joserfc)."""
        now = int(time.time())
        signer = key or self.key
        defaults = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        header = {"alg": "RS256", "kid": signer.kid}
        return jwt.encode(header, {**defaults, **claims}, signer)

    def _app(self) -> Flask:
        app = Flask("test-oidc-provider")
        provider = self

        class Grant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["none"]

            def save_authorization_code(self, code: str, request: Any) -> None:
                data = request.payload.data
                provider.codes[code] = Code(
                    code=code,
                    client_id=request.client.get_client_id(),
                    redirect_uri=request.payload.redirect_uri,
                    scope=request.scope,
                    user=request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Person:
                return authorization_code.user

        class OpenID(OpenIDCode):
            def exists_nonce(self, nonce: str, request: Any) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.key

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": provider.issuer, "aud": [client.get_client_id()]}

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": provider.key.kid}

            def generate_user_info(self, user: Person, scope: str) -> UserInfo:
                return UserInfo(sub=user.sub, **user.claims)

        server = AuthorizationServer(
            app, query_client=lambda cid: Client(cid) if cid == CLIENT_ID else None
        )
        server.save_token = lambda token, request: None  # type: ignore[method-assign]
        server.register_grant(Grant, [OpenID(require_nonce=True), CodeChallenge(required=True)])

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify(
                issuer=provider.issuer,
                authorization_endpoint=f"{provider.issuer}/authorize",
                token_endpoint=f"{provider.issuer}/token",
                jwks_uri=f"{provider.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
            )

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify(keys=[provider.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize() -> Any:
            person = provider.signed_in
            try:
                grant = server.get_consent_grant(end_user=person)
            except OAuth2Error as error:
                return server.handle_error_response(None, error)
            return server.create_authorization_response(grant=grant, grant_user=person)

        @app.post("/token")
        def token() -> Any:
            return server.create_token_response()

        return app
