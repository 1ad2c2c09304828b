"""Network helpers for tests: certificate authorities made with `cryptography`, a small
HTTPS server answering /version on 127.0.0.1, a threaded HTTP CONNECT proxy that records
what it tunnelled, and a plain HTTP server for a folder (the update feed)."""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
import json
import select
import socket
import socketserver
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lcc_apr.sync.protocol import MIN_PROTOCOL, PROTOCOL

PEM = serialization.Encoding.PEM


@dataclass(frozen=True)
class Issued:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(PEM)

    @property
    def pin(self) -> str:
        """base64 SHA-256 of the SubjectPublicKeyInfo: what organisation.toml pins."""
        spki = self.certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def _issue(name: str, *, issuer: Issued | None, ca: bool, hosts: tuple[str, ...] = ()) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    else:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    signer = issuer.key if issuer else key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def make_ca(name: str = "Test Council Root CA") -> Issued:
    return _issue(name, issuer=None, ca=True)


def make_intermediate(root: Issued, name: str = "Test Council Issuing CA") -> Issued:
    return _issue(name, issuer=root, ca=True)


def make_server_cert(issuer: Issued, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> Issued:
    return _issue(hosts[0], issuer=issuer, ca=False, hosts=hosts)


def write_pem(path: Path, *certificates: Issued) -> Path:
    path.write_bytes(b"".join(c.pem for c in certificates))
    return path


class _VersionHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        body = json.dumps(
            {
                "server_version": "test",
                "protocol": PROTOCOL,
                "min_protocol": MIN_PROTOCOL,
                "templates": [],
                "epoch": "test-epoch",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _VersionHandler)

    def get_request(self):  # type: ignore[no-untyped-def]
        sock, address = self.socket.accept()
        # the handshake happens in the handler's thread, on its first read
        return self.context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False
        ), address

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        pass  # a client that refuses our certificate is what some tests want


@contextmanager
def https_server(leaf: Issued, *chain: Issued) -> Iterator[_TlsServer]:
    """An HTTPS server on 127.0.0.1 presenting `leaf` (and `chain`, the intermediates)
    that answers GET /version; `.requests` lists the paths it was asked for."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        cert = write_pem(Path(folder) / "cert.pem", leaf, *chain)
        key = Path(folder) / "key.pem"
        key.write_bytes(
            leaf.key.private_bytes(
                PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        context.load_cert_chain(cert, key)
    server = _TlsServer(context)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def plain_server() -> Iterator[ThreadingHTTPServer]:
    """A plain HTTP server on 127.0.0.1 answering GET /version (the demo's kind)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _VersionHandler)
    server.requests = []  # type: ignore[attr-defined]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def url_of(server: socketserver.TCPServer, host: str = "127.0.0.1", scheme: str = "https") -> str:
    return f"{scheme}://{host}:{server.server_address[1]}"


class _ConnectHandler(socketserver.BaseRequestHandler):
    """CONNECT host:port -> a tunnel to it; anything else -> 405."""

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = self.request.recv(4096)
            if not data:
                return
            head += data
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, target, _ = line.split(" ", 2)
        if method != "CONNECT":
            self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        self.server.tunnels.append(target)  # type: ignore[attr-defined]
        host, port = target.rsplit(":", 1)
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        except OSError:
            self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with upstream:
            _pipe(self.request, upstream)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    while True:
        ready, _, broken = select.select(sockets, [], sockets, 5)
        if broken or not ready:
            return
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)


class ConnectProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.tunnels: list[str] = []  # "host:port" of every CONNECT it served
        super().__init__(("127.0.0.1", 0), _ConnectHandler)


@contextmanager
def connect_proxy() -> Iterator[ConnectProxy]:
    """A threaded HTTP CONNECT proxy on 127.0.0.1; `.tunnels` records each CONNECT."""
    proxy = ConnectProxy()
    thread = threading.Thread(target=proxy.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()


@contextmanager
def folder_server(folder: Path) -> Iterator[ThreadingHTTPServer]:
    """A plain HTTP server for `folder` on 127.0.0.1 (quiet)."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
