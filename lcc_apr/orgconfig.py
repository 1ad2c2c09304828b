"""The organisation's settings (`organisation.toml`), set by the council's IT team.

Where the file is: lcc_apr.paths.organisation_file() (the install folder on Windows,
/etc/lcc-apr on Linux, or LCC_APR_ORGANISATION_FILE). No file means no organisation
settings (None): the app behaves as it always has. This module loads pydantic, so the
composition root imports it only when there is a file (about 80 ms of start-up saved).

Every key is flat (docs/admin-guide.md section 3, installer/organisation.toml.example):
`server_url`, `ca_bundle`, `spki_sha256_pins`, `proxy`, `no_proxy`, `sign_in`,
`update_feed`, `update_root`, `offer_demo`. A key the file sets is locked in the app's
settings. An unknown key or a wrong value raises OrgConfigError, whose message names the
file, the key and the fix; main.py shows it and the app does not start.

Loaded once by the composition root (main.py) and handed in; Qt-free, httpx-free.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from .paths import ORGANISATION_ENV, organisation_file
from .sync.address import AddressError, check_server_url

ROOT_FILE_NAME = "update-root.json"  # the update feed's trusted root, beside the file
GUIDE = "section 3 of the administrator's guide (docs/admin-guide.md) lists every key"

# How to write each key: the second half of every message about it.
FIXES = {
    "server_url": "Write the server's https address in double quotes, for example "
    'server_url = "https://apr.council.gov.uk".',
    "ca_bundle": "Write the path of a PEM file holding the organisation's CA certificates, "
    'for example ca_bundle = "council-ca.pem" (a relative path is read from this file\'s '
    "folder).",
    "spki_sha256_pins": "Write a list of base64 SHA-256 hashes of certificates' public keys, "
    'for example spki_sha256_pins = ["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="].',
    "proxy": 'Write "system" (the computer\'s proxy settings), "none" (connect directly) or '
    'the proxy\'s address, for example proxy = "http://proxy.council.gov.uk:8080".',
    "no_proxy": "Write a list of host names reached without the proxy, for example "
    'no_proxy = ["apr.council.gov.uk", ".internal.council.gov.uk"], and set proxy to an '
    "address.",
    "sign_in": 'Write sign_in = "password" or sign_in = "single-sign-on".',
    "update_feed": "Write the update feed's https address, for example "
    'update_feed = "https://apr.council.gov.uk/updates".',
    "update_root": "Write the path of the update feed's trusted root file, for example "
    f'update_root = "{ROOT_FILE_NAME}" (a relative path is read from this file\'s folder).',
    "offer_demo": "Write offer_demo = true or offer_demo = false, without quotes.",
}


class OrgConfigError(ValueError):
    """The organisation file cannot be used; str(err) names the file, the key and the fix."""


class OrgSettings(BaseModel):
    """What the organisation set; a key it left out has today's default. `file` is where
    it came from (None: no organisation file) and `set_keys` which keys it set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server_url: str | None = None
    ca_bundle: Path | None = None  # trusted instead of the usual certificate authorities
    spki_sha256_pins: tuple[str, ...] = ()
    proxy: str = "system"  # "system", "none" or the proxy's address
    no_proxy: tuple[str, ...] = ()
    sign_in: Literal["password", "single-sign-on"] = "password"
    update_feed: str | None = None
    update_root: Path | None = None  # default: update-root.json beside the file
    offer_demo: StrictBool = True

    _file: Path | None = PrivateAttr(default=None)
    _keys: frozenset[str] | None = PrivateAttr(default=None)

    @property
    def file(self) -> Path | None:
        return self._file

    @property
    def set_keys(self) -> frozenset[str]:
        return self._keys if self._keys is not None else frozenset(self.model_fields_set)

    @property
    def pins(self) -> frozenset[bytes]:
        """The SPKI SHA-256 pins as digests."""
        return frozenset(base64.b64decode(pin) for pin in self.spki_sha256_pins)

    @field_validator("server_url")
    @classmethod
    def _server(cls, value: str | None) -> str | None:
        return None if value is None else _address(value)

    @field_validator("update_feed")
    @classmethod
    def _feed(cls, value: str | None) -> str | None:
        # signed metadata: plain http is refused all the same, except on this computer
        return None if value is None else _address(value, allow_plain_local=True)

    @field_validator("ca_bundle", "update_root", mode="before")
    @classmethod
    def _path(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("it must be a path in double quotes")
        path = Path(value.strip()).expanduser()
        folder = (info.context or {}).get("folder")
        if not path.is_absolute() and folder is not None:
            path = Path(folder) / path
        if not path.is_file():
            raise ValueError(f"there is no file at {path}")
        return path

    @field_validator("ca_bundle")
    @classmethod
    def _certificates(cls, path: Path | None) -> Path | None:
        if path is not None:
            _read_certificates(path)
        return path

    @field_validator("spki_sha256_pins")
    @classmethod
    def _pins(cls, pins: tuple[str, ...]) -> tuple[str, ...]:
        for pin in pins:
            try:
                digest = base64.b64decode(pin, validate=True)
            except ValueError:
                digest = b""
            if len(digest) != 32:
                raise ValueError(f"{pin!r} is not a base64 SHA-256 hash (44 characters)")
        return pins

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str) -> str:
        value = value.strip()
        return value if value in ("system", "none") else _proxy_address(value)

    @field_validator("no_proxy")
    @classmethod
    def _no_proxy(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        for host in hosts:
            if not host.strip() or any(c in host for c in "/:@ *,"):
                raise ValueError(f"{host!r} is not a host name (no scheme, port or wildcard)")
        return tuple(h.strip().lower() for h in hosts)


def _address(value: str, *, allow_plain_local: bool = False) -> str:
    try:
        return check_server_url(value, allow_plain_local=allow_plain_local)
    except AddressError as err:
        raise ValueError(str(err).rstrip(".")) from None


def _proxy_address(value: str) -> str:
    """A proxy's address: http or https, a host and maybe a port; no user or password (the
    file is readable by everyone)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (reading it checks the port)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f'{value!r} is not "system", "none" or a proxy address')
    if parts.username or parts.password:
        raise ValueError("the proxy address must not hold a user name or password")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ValueError(f"{value!r} has more than a scheme, host and port")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _read_certificates(path: Path) -> list[Any]:
    from cryptography import x509

    try:
        found = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError):
        found = []
    if not found:
        raise ValueError(f"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    return found


def read_organisation() -> OrgSettings | None:
    """The organisation's settings from the file lcc_apr.paths.organisation_file() finds;
    None when there is none. OrgConfigError when it cannot be used."""
    path = organisation_file()
    return None if path is None else load_organisation(path)


def load_organisation(path: Path) -> OrgSettings:
    """The organisation's settings in the file at `path`; OrgConfigError when it is missing
    or cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OrgConfigError(
            f"The organisation file {path} (named by {ORGANISATION_ENV}) does not exist, so "
            f"LCC APR cannot start. Create it, or unset {ORGANISATION_ENV}."
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or "it is not UTF-8 text"
        raise OrgConfigError(
            f"The organisation file {path} cannot be read ({reason}), so LCC APR cannot "
            "start. Ask your IT team to make it readable by everyone (it holds no secret)."
        ) from None
    return parse_organisation(text, path)


def parse_organisation(text: str, path: Path) -> OrgSettings:
    """The settings in `text`, read from `path` (relative paths in it are read from its
    folder); OrgConfigError naming the file, the key and the fix."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _error(
            path,
            [
                f"it is not valid TOML ({err}). Write each setting on its own line as "
                "key = value, text in double quotes, lists in [ ]."
            ],
        ) from None
    try:
        settings = OrgSettings.model_validate(data, context={"folder": path.parent})
    except ValidationError as err:
        raise _error(path, [_problem(e) for e in err.errors()]) from None
    problems = _together(settings, path.parent)
    if problems:
        raise _error(path, problems)
    keys = frozenset(settings.model_fields_set)
    if settings.update_feed is not None and settings.update_root is None:
        settings = settings.model_copy(update={"update_root": path.parent / ROOT_FILE_NAME})
    settings._file, settings._keys = path, keys
    return settings


def _together(settings: OrgSettings, folder: Path) -> list[str]:
    """Problems between keys, each naming the key to change."""
    problems = []
    if settings.no_proxy and settings.proxy in ("system", "none"):
        problems.append(
            f"`no_proxy`: it only applies with a proxy address, and proxy is "
            f"{settings.proxy!r}. {FIXES['no_proxy']}"
        )
    root = folder / ROOT_FILE_NAME
    if settings.update_feed is not None and settings.update_root is None and not root.is_file():
        problems.append(
            f"`update_root`: update_feed is set but the feed's trusted root is not at {root}. "
            f"Put it there (the feed tool makes it), or {FIXES['update_root'][0].lower()}"
            f"{FIXES['update_root'][1:]}"
        )
    return problems


def _problem(error: Any) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "the file"
    name = str(error["loc"][0]) if error["loc"] else ""
    if error["type"] == "extra_forbidden":
        known = ", ".join(OrgSettings.model_fields)
        return (
            f"`{key}` is not a key LCC APR knows: check its spelling, or remove it. "
            f"Known keys: {known}."
        )
    cause = error.get("ctx", {}).get("error")
    what = str(cause) if cause is not None else error["msg"]
    if error["type"] == "literal_error" or name not in FIXES:
        what = what.replace("Input should be", "it should be")
    fix = FIXES.get(name, "")
    return f"`{key}`: {what}. {fix}".rstrip()


def _error(path: Path, problems: list[str]) -> OrgConfigError:
    lines = "\n".join(f"- {p}" for p in problems)
    return OrgConfigError(
        f"The organisation file {path} is not right, so LCC APR cannot start:\n{lines}\n"
        f"Ask your IT team to correct it: {GUIDE}."
    )
