"""Server settings: defaults, then a TOML file (`--config`), then LCC_APR_SERVER_* variables.

Later sources win: an environment variable overrides the file, which overrides
the defaults; keyword arguments (tests) override everything. Any setting may also come
from LCC_APR_SERVER_<NAME>_FILE, naming a file that holds the value (Docker secrets,
systemd credentials); an LCC_APR_SERVER_* variable that names no setting is refused
(`load_settings`). The signing secret is never in the code: given in the settings, or
generated once and kept in a file only the server's user can read (0600) in the data folder.
"""

from __future__ import annotations

import difflib
import json
import os
import secrets
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from lcc_apr.paths import data_dir
from lcc_apr.sync.protocol import PAGE_LIMIT

ENV_PREFIX = "LCC_APR_SERVER_"
FILE_SUFFIX = "_FILE"  # LCC_APR_SERVER_<NAME>_FILE: the value is that file's contents
MASK = "**********"
SECRET_FILE = "server-secret.key"
CA_CERT_FILE = "signing-ca.pem"
PURGE_LEDGER_FILE = "purged-records.jsonl"
CA_KEY_FILE = "signing-ca.key"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'server.db'}"


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    database_url: str = Field(default_factory=default_database_url)
    secret_key: SecretStr | None = None  # None: generated once into secret_key_file
    secret_key_file: Path | None = None  # None: <data dir>/server-secret.key
    token_audience: str = "lcc-apr"
    access_token_minutes: float = 15
    refresh_token_days: float = 14
    # a spent refresh token presented again this soon, before its successor was used, gets
    # the same successor back (its reply was lost); later it is taken for theft
    refresh_grace_seconds: float = Field(default=60, ge=0)
    lockout_attempts: int = 5
    lockout_minutes: float = 15
    # failed sign-ins from one address (whatever the names) before it waits (429), per
    # worker process; offices behind one NAT address share it, so keep it generous
    sign_in_failures_per_address: int = Field(default=50, ge=1)
    sign_in_throttle_seconds: float = Field(default=300, gt=0)
    indirect_reports: bool = False  # managers also see their reports' reports
    page_limit: int = PAGE_LIMIT
    idempotency_days: int = 30  # how long a push reply is kept for retries
    max_request_mb: int = 32  # larger request bodies are refused (413)
    # Per worker: database connections kept open (twice as many more may be borrowed), the
    # requests handled at once (None: pool_size; more get 429 at once: more at once only
    # wait longer for the CPU and the sequence lock, bench/load.py), and the least
    # Retry-After of a 429 (longer under load), or of a 503 when the database stayed busy.
    pool_size: int = 10
    workers: int = 1  # server processes of `serve` (--workers), each with its own pool
    max_in_flight: int | None = None
    busy_retry_seconds: int = 2
    host: str = "127.0.0.1"
    port: int = 8443
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    forwarded_allow_ips: str | None = None  # behind a TLS proxy: the proxy's addresses
    allow_plain_http: bool = False  # serve without TLS on a non-loopback address
    allow_root: bool = False  # serve as root: only on a test machine that runs all as root
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    log_level: str = "info"
    # HR's ready-made cache (lcc_apr.server.ready_cache): built by `serve` when stale (off:
    # HR's laptops load by snapshot parts), kept in this folder (default: the data folder's)
    ready_caches: bool = True
    ready_cache_dir: Path | None = None
    # The organisation's signing authority (lcc_apr.server.ca): its certificate and its
    # private key (0600), by default in the data folder; made by `init-ca` or on first serve.
    ca_cert_file: Path | None = None
    ca_key_file: Path | None = None
    organisation_name: str = "Leicestershire County Council"
    certificate_days: int = 730  # how long a personal signing certificate lasts
    # The authority's key is kept encrypted (lcc_apr.server.cakey): its passphrase is the
    # first line of this file (LCC_APR_SERVER_CA_PASSPHRASE_FILE), or asked at start on a
    # terminal. Or it is held in an HSM through PKCS#11 (lcc_apr.server.hsm): the module
    # (.so), the token's and the key's labels, and a file holding the user PIN.
    ca_passphrase_file: Path | None = None
    ca_pkcs11_module: Path | None = None
    ca_pkcs11_token: str | None = None
    ca_pkcs11_key: str = "lcc-apr-signing-ca"
    ca_pkcs11_pin_file: Path | None = None
    # Single sign-on with the council's OpenID Connect provider (docs/admin-guide.md section
    # 5), off while oidc_issuer is None. The issuer exactly as the provider names itself
    # (its discovery document is at <issuer>/.well-known/openid-configuration); the client
    # id the app is registered under (the ID token's audience); which ID-token claim names
    # the person (oidc_claim) and which employee field it matches (oidc_match: the work
    # email or the payroll number from the HR import).
    oidc_issuer: str | None = Field(default=None, max_length=255)
    oidc_client_id: str | None = None
    oidc_claim: str = Field(default="email", min_length=1, max_length=100)
    oidc_match: Literal["email", "payroll_number"] = "email"
    oidc_scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])
    oidc_jwks_cache_seconds: int = Field(default=3600, ge=0)  # the provider's keys, kept
    oidc_leeway_seconds: int = Field(default=60, ge=0, le=600)  # clock skew allowed
    # Nonces (POST /auth/sso/nonce, which needs no sign-in) given to one address within
    # oidc_nonce_throttle_seconds, per worker process; more wait (429). People sign in with
    # their council account about once a fortnight, so an office behind one NAT address
    # starts far fewer sign-ins a minute than this.
    oidc_nonces_per_address: int = Field(default=120, ge=1)
    oidc_nonce_throttle_seconds: float = Field(default=60, gt=0)
    # Trusted time (docs/admin-guide.md): the RFC 3161 timestamp authority (TSA) every
    # printed PDF and every sign-off reaching the server is timestamped by (None: none, so
    # PDFs say "no trusted time"); laptops learn it at sync (GET /certificates/trust).
    # The CA's revocation list lasts crl_days (product default: a week, so a laptop that
    # syncs weekly always embeds a current one).
    timestamp_authority_url: str | None = Field(default=None, max_length=500)
    # PEM file of the TSA's root certificate(s), when it does not chain to the signing
    # authority (a commercial TSA): laptops trust its timestamps and embed its chain.
    timestamp_authority_roots_file: Path | None = None
    timestamp_timeout_seconds: float = Field(default=10, gt=0, le=120)
    crl_days: int = Field(default=7, ge=1, le=366)
    # Retention (docs/retention.md): every purge is also written here, outside the
    # database and its backups, so a restore purges again what was purged after the
    # backup was made. None: <data dir>/purged-records.jsonl.
    purge_ledger_file: Path | None = None

    @field_validator(
        "page_limit",
        "lockout_attempts",
        "certificate_days",
        "pool_size",
        "workers",
        "max_in_flight",
        "busy_retry_seconds",
    )
    @classmethod
    def _positive(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("must be at least 1")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, FileVariables(settings_cls))

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        local = parts.hostname in {"127.0.0.1", "localhost", "::1"}
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError("must be an https:// address (plain http only on this computer)")
        if parts.query or parts.fragment:
            raise ValueError("must have no query or fragment")
        return value

    @field_validator("timestamp_authority_url")
    @classmethod
    def _tsa(cls, value: str | None) -> str | None:
        """http or https (a timestamp token is signed, so plain http is usual for TSAs)."""
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// address of an RFC 3161 service")
        return value.strip()

    @field_validator("oidc_scopes")
    @classmethod
    def _openid(cls, value: list[str]) -> list[str]:
        if "openid" not in value:
            raise ValueError('must include "openid"')
        return value

    @model_validator(mode="after")
    def _both_or_neither(self) -> ServerSettings:
        if (self.oidc_issuer is None) != (self.oidc_client_id is None):
            raise ValueError(
                "single sign-on needs both oidc_issuer and oidc_client_id (or neither, to "
                "turn it off)"
            )
        if (self.ca_pkcs11_module is None) != (self.ca_pkcs11_token is None):
            raise ValueError(
                "an HSM for the signing authority needs both ca_pkcs11_module and "
                "ca_pkcs11_token (or neither, to keep the key in an encrypted file)"
            )
        return self

    @property
    def single_sign_on(self) -> bool:
        """Whether sign-in with the council's identity provider is set up."""
        return self.oidc_issuer is not None and self.oidc_client_id is not None

    @property
    def in_flight_limit(self) -> int:
        """Requests one worker handles at once; beyond them, 429."""
        return self.max_in_flight or self.pool_size

    @property
    def tls(self) -> bool:
        return self.tls_cert_file is not None and self.tls_key_file is not None

    @property
    def ca_in_hsm(self) -> bool:
        """Whether the authority's key is held in an HSM (PKCS#11) rather than a file."""
        return self.ca_pkcs11_module is not None

    def ca_files(self) -> tuple[Path, Path]:
        """(certificate, private key) of the signing authority."""
        cert = self.ca_cert_file or data_dir() / CA_CERT_FILE
        key = self.ca_key_file or cert.with_name(CA_KEY_FILE)
        return cert, key

    def signing_key(self) -> str:
        """The token signing secret: from the settings, else the key file (made once)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return read_or_create_secret(self.secret_file())

    def purge_ledger(self) -> Path:
        """Where purges are written down (lcc_apr.server.purge_ledger)."""
        return self.purge_ledger_file or data_dir() / PURGE_LEDGER_FILE

    def secret_file(self) -> Path:
        """Where the token signing secret is kept when the settings do not give it."""
        return self.secret_key_file or data_dir() / SECRET_FILE


def read_or_create_secret(path: Path) -> str:
    """Read the secret file, or create it atomically with mode 0600 (two servers may race)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)  # fails if another process got there first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    value = path.read_text().strip()
    if len(value) < 32:
        raise ValueError(f"The secret key file {path} is too short; delete it to make a new one.")
    return value


class FileVariables(PydanticBaseSettingsSource):
    """Settings from LCC_APR_SERVER_<NAME>_FILE variables: each names a file holding the
    value (its last line break dropped). A name that is a setting's own (`secret_key_file`,
    `tls_key_file`...) is that setting, read by the environment source."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads them all

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in self.settings_cls.model_fields:
            variable = f"{ENV_PREFIX}{name.upper()}{FILE_SUFFIX}"
            path = _environment().get(variable)
            if path is None or name.upper() + FILE_SUFFIX in _field_names(self.settings_cls):
                continue
            try:
                found[name] = Path(path).read_text().removesuffix("\n").removesuffix("\r")
            except OSError as err:
                raise ValueError(
                    f"{variable} names {path}, which cannot be read ({err.strerror}): "
                    "correct the path or the file's permissions."
                ) from None
        return found


def _environment() -> dict[str, str]:
    """The LCC_APR_SERVER_* variables, by their upper-case names."""
    return {k.upper(): v for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)}


def _field_names(settings_cls: type[BaseSettings]) -> set[str]:
    return {name.upper() for name in settings_cls.model_fields}


def check_environment() -> None:
    """Refuse an LCC_APR_SERVER_* variable that names no setting, and a setting given both
    directly and by a _FILE variable (pydantic-settings would ignore the first silently)."""
    fields = _field_names(ServerSettings)
    for variable in sorted(_environment()):
        name = variable.removeprefix(ENV_PREFIX)
        if name in fields:
            continue
        if name.endswith(FILE_SUFFIX) and name.removesuffix(FILE_SUFFIX) in fields:
            if ENV_PREFIX + name.removesuffix(FILE_SUFFIX) in _environment():
                raise ValueError(
                    f"Both {ENV_PREFIX}{name.removesuffix(FILE_SUFFIX)} and {variable} are "
                    "set: keep one of them."
                )
            continue
        close = difflib.get_close_matches(name, fields, n=1)
        hint = f" (did you mean {ENV_PREFIX}{close[0]}?)" if close else ""
        raise ValueError(
            f"{variable} is not a setting of the server{hint}: correct or remove it. "
            "`lcc-apr-server check-config` lists the settings."
        )


def effective(settings: ServerSettings) -> list[str]:
    """The settings as TOML lines, secrets masked: SecretStr values and any password in
    the database address. A setting without a value is a comment."""
    lines = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            lines.append(f"# {name}: not set")
            continue
        if isinstance(value, SecretStr):
            value = MASK
        elif name == "database_url":
            value = masked_url(value)
        elif isinstance(value, Path):
            value = str(value)
        lines.append(f"{name} = {json.dumps(value)}")
    return lines


def masked_url(url: str) -> str:
    """A database address with its password (also one given as a query parameter) masked."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "(not a database address)"
    hidden = "MASKED" + secrets.token_hex(8)  # url-safe, replaced once rendered
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": hidden})
    if parsed.password is not None:
        parsed = parsed.set(password=hidden)
    return parsed.render_as_string(hide_password=False).replace(hidden, MASK)


def load_settings(config: Path | None = None, **overrides: Any) -> ServerSettings:
    """ServerSettings from defaults, the TOML file (if any), the environment and `overrides`.

    An unknown LCC_APR_SERVER_* variable raises ValueError naming it."""
    check_environment()
    if config is None:
        return ServerSettings(**overrides)
    if not config.is_file():
        raise FileNotFoundError(f"No settings file at {config}")

    class FileSettings(ServerSettings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (
                init_settings,
                env_settings,
                FileVariables(settings_cls),
                TomlConfigSettingsSource(settings_cls, config),
            )

    return FileSettings(**overrides)
