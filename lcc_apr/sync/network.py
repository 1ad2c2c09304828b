"""How the app reaches the organisation's servers: whose certificates it trusts, which
public keys are pinned, and which proxy it goes through (organisation.toml's keys).

`Network.of(org)` turns the organisation's settings into one; `client_options()` gives
the httpx.Client arguments every connection to the organisation uses (the sync
Connection and the update feed). Runs on whichever thread builds the client.

- `ca_bundle`: an ssl.SSLContext trusting only the certificates in that PEM file (in
  place of the usual authorities); without one, httpx's usual authorities (certifi).
- `pins`: SHA-256 digests of SubjectPublicKeyInfo. Checked during the TLS handshake,
  before any request is sent: the connection goes ahead only when the leaf certificate
  or any certificate of the chain OpenSSL verified (intermediates, the root) has a pinned
  key. PinMismatch (an ssl error) stops it otherwise.
- `proxy`: "system" = the environment's and the system's proxy settings (httpx
  trust_env: HTTPS_PROXY, NO_PROXY; on Windows also the Internet Options proxy, not
  PAC/WPAD); "none" = straight to the server, whatever the environment says; an address =
  through that proxy (HTTP CONNECT), except for the `no_proxy` hosts (each host and its
  sub-domains), reached directly.
"""

from __future__ import annotations

import hashlib
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

if TYPE_CHECKING:
    from lcc_apr.orgconfig import OrgSettings

PINNED = (
    "The server's certificate is not the one your organisation pinned, so the connection "
    "was stopped and nothing was sent. Your work is saved on this computer. Tell your IT "
    "team: the server's certificate may have changed, or something on the network is "
    "intercepting the connection."
)


class PinMismatch(ssl.SSLCertVerificationError):
    """No certificate the server showed has a pinned public key."""

    def __init__(self) -> None:
        super().__init__(PINNED)


def spki_sha256(certificate_der: bytes) -> bytes:
    """The SHA-256 digest of a DER certificate's SubjectPublicKeyInfo (what a pin holds)."""
    key = x509.load_der_x509_certificate(certificate_der).public_key()
    return hashlib.sha256(
        key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    ).digest()


def _chain(connection: ssl.SSLSocket | ssl.SSLObject) -> list[bytes]:
    """The DER certificates the handshake verified: the leaf first, then up to the root."""
    leaf = connection.getpeercert(binary_form=True)
    found = [leaf] if leaf else []
    public = getattr(connection, "get_verified_chain", None)  # Python 3.13 and later
    if public is not None:
        return found + [bytes(c) for c in public()]
    inner = getattr(connection, "_sslobj", None)  # 3.10 to 3.12: the same, not yet public
    verified = getattr(inner, "get_verified_chain", None)
    if verified is not None:
        from _ssl import ENCODING_DER

        found += [c.public_bytes(ENCODING_DER) for c in verified() or []]
    return found


def check_pins(connection: ssl.SSLSocket | ssl.SSLObject, pins: frozenset[bytes]) -> None:
    """PinMismatch unless a certificate of the verified chain has a pinned key."""
    if not any(spki_sha256(der) in pins for der in _chain(connection)):
        raise PinMismatch()


def pinned_context(context: ssl.SSLContext, pins: frozenset[bytes]) -> ssl.SSLContext:
    """The same context, checking the pins after every handshake it makes (sockets, and
    TLS objects for a connection through an https proxy)."""

    class PinnedSocket(ssl.SSLSocket):
        def do_handshake(self, block: bool = False) -> None:
            super().do_handshake(block)
            check_pins(self, pins)

    class PinnedObject(ssl.SSLObject):
        def do_handshake(self) -> None:
            super().do_handshake()
            check_pins(self, pins)

    context.sslsocket_class = PinnedSocket
    context.sslobject_class = PinnedObject
    return context


def ssl_context(
    ca_bundle: Path | None = None, pins: frozenset[bytes] = frozenset()
) -> ssl.SSLContext:
    """A verifying context: trusting only `ca_bundle`'s certificates when given (else the
    usual authorities), and checking `pins` when there are any."""
    if ca_bundle is not None:
        context = ssl.create_default_context(cafile=str(ca_bundle))
    else:
        import httpx

        context = httpx.create_ssl_context()
    return pinned_context(context, pins) if pins else context


def no_proxy_pattern(host: str) -> str:
    """httpx's mount pattern for a no-proxy host: an address or localhost alone, a name
    with its sub-domains ('.council.gov.uk' and 'council.gov.uk' alike)."""
    name = host.strip().lower().lstrip(".")
    try:
        address = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return f"all://{name}" if name == "localhost" else f"all://*{name}"
    return f"all://[{address}]" if address.version == 6 else f"all://{address}"


@dataclass(frozen=True)
class Network:
    """The organisation's network settings; `Network()` is today's behaviour (usual
    authorities, no pins, the system's proxy)."""

    ca_bundle: Path | None = None
    pins: frozenset[bytes] = frozenset()
    proxy: str = "system"  # "system", "none" or the proxy's address
    no_proxy: tuple[str, ...] = ()

    @classmethod
    def of(cls, org: OrgSettings | None) -> Network:
        if org is None:
            return cls()
        return cls(ca_bundle=org.ca_bundle, pins=org.pins, proxy=org.proxy, no_proxy=org.no_proxy)

    def public(self) -> Network:
        """The same proxy with the usual authorities and no pins: for hosts outside the
        organisation (an identity provider such as Entra ID)."""
        return Network(proxy=self.proxy, no_proxy=self.no_proxy)

    def verify(self) -> ssl.SSLContext | bool:
        """httpx's `verify=`: True (its usual context) when nothing is set."""
        if self.ca_bundle is None and not self.pins:
            return True
        return ssl_context(self.ca_bundle, self.pins)

    def client_options(self) -> dict[str, Any]:
        """The httpx.Client keyword arguments for these settings: verify, trust_env and,
        with a proxy address, the transports (through the proxy, or direct for no_proxy)."""
        import httpx

        verify = self.verify()
        if self.proxy == "system":
            return {"verify": verify, "trust_env": True}
        if self.proxy == "none":
            return {"verify": verify, "trust_env": False}
        mounts: dict[str, httpx.BaseTransport | None] = {
            "all://": httpx.HTTPTransport(verify=verify, proxy=self.proxy)
        }
        for host in self.no_proxy:
            mounts[no_proxy_pattern(host)] = None  # None: the client's own, direct transport
        return {
            "verify": verify,
            "trust_env": False,
            "transport": httpx.HTTPTransport(verify=verify),
            "mounts": mounts,
        }
