"""The one rule for a server's address, used by the connection and by the settings.

HTTPS to a named host; plain HTTP only to this computer, and only when the caller
allows it (the demo server inside the app). No user name or password in the address.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from .errors import SyncError

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
EXAMPLE = "https://apr.example.gov.uk"


class AddressError(SyncError, ValueError):
    """Not an address the app may use; str(err) is a sentence for the person."""


def check_server_url(url: str, *, allow_plain_local: bool = False) -> str:
    """The address, normalised (spaces and a trailing slash dropped, scheme and host in
    lower case), or AddressError saying what is wrong with it."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018  (reading it checks the port is a number in range)
    except ValueError:
        raise AddressError(_not_an_address(url)) from None
    if parts.scheme not in {"http", "https"} or not host:
        raise AddressError(_not_an_address(url))
    if parts.username is not None or parts.password is not None:
        raise AddressError(
            "Leave your user name and password out of the server address: "
            "the app asks for them when you sign in."
        )
    if parts.query or parts.fragment:
        raise AddressError(_not_an_address(url))
    if parts.scheme == "http" and not (allow_plain_local and host in LOCAL_HOSTS):
        raise AddressError(
            "The server address must start with https:// so your records travel encrypted "
            f"(for example {EXAMPLE})."
        )
    netloc = parts.netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def _not_an_address(url: str) -> str:
    return f"{url.strip()!r} is not a server address (it should look like {EXAMPLE})."
