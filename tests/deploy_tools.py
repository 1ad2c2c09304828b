"""The server deployed as an administrator would, for tests (and the frozen app's selftest).

- `build_wheelhouse`: the tarball `make wheelhouse` makes (installer/server/build-wheelhouse.sh).
- `install_offline`: a fresh venv from it with pip's `--no-index` (no index, no pip config).
- `deployment`: that venv's server running as `nobody` (no new privileges, writable-and-
  executable memory denied, as the systemd unit does) on a PostgreSQL schema of its own,
  holding the small demo organisation, behind a real nginx run from
  installer/server/nginx-lcc-apr.conf with TLS from a test CA. It yields a `Deployment`:
  the https URL, the CA file to trust and a demo login (password "demo").

Everything it makes lives under one folder that `nobody` can enter (0755), removed at the end.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
SERVER_FILES = ROOT / "installer" / "server"
SYSTEM_PYTHON = "/usr/bin/python3"  # readable by nobody (the project's may sit under /root)
NOBODY, NOGROUP = "nobody", "nogroup"
PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
# exec the command with writable-and-executable memory refused (MemoryDenyWriteExecute=yes)
DENY_WX = (
    "import ctypes, os, sys\n"
    "if ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0) != 0:\n"
    "    sys.exit('this kernel cannot refuse writable-and-executable memory (PR_SET_MDWE)')\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)
CHEAP_ARGON2 = {
    "LCC_APR_SERVER_ARGON2_TIME_COST": "1",
    "LCC_APR_SERVER_ARGON2_MEMORY_KIB": "8192",
    "LCC_APR_SERVER_ARGON2_PARALLELISM": "1",
}
DEMO_PASSWORD = "demo"


def open_folder(prefix: str) -> Path:
    """A new folder under /tmp that other users (nobody) may enter and read."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    folder.chmod(0o755)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(command: list[str], **options) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **options)
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, command))} exited {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def build_wheelhouse(out: Path) -> Path:
    """dist-like `out`/lcc-apr-server-wheelhouse-<version>.tar.gz, as `make wheelhouse`."""
    script = SERVER_FILES / "build-wheelhouse.sh"
    env = {**os.environ, "PYTHON": sys.executable}
    result = _run(["bash", str(script), "wheelhouse", str(out)], env=env, timeout=900)
    return Path(result.stdout.strip().splitlines()[-1])


def install_offline(tarball: Path, venv: Path) -> Path:
    """A fresh venv of the system Python with the server installed from the tarball alone
    (`--isolated`: no pip configuration or PIP_* variable adds an index or wheels);
    the venv's `lcc-apr-server`."""
    wheels = venv.with_name(venv.name + "-wheels")
    wheels.mkdir()
    with tarfile.open(tarball) as tar:
        # the "data" filter (no links out, no devices) exists from Python 3.11.4; Debian 12
        # has 3.11.2, where the names are checked here instead
        if hasattr(tarfile, "data_filter"):
            tar.extractall(wheels, filter="data")
        else:
            members = tar.getmembers()
            flat = [m for m in members if m.name not in (".", "./")]
            assert all(m.isfile() and "/" not in m.name.removeprefix("./") for m in flat), tarball
            tar.extractall(wheels, members=flat)  # noqa: S202 (checked just above)
    _run([SYSTEM_PYTHON, "-m", "venv", str(venv)])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--isolated", "--quiet"]
    _run([*pip, "--no-index", "--find-links", str(wheels), "lcc-apr"], env=env, timeout=600)
    shutil.rmtree(wheels)
    return venv / "bin" / "lcc-apr-server"


@dataclass(frozen=True)
class TestCA:
    ca_file: Path  # the CA certificate clients trust
    cert_file: Path  # the server's certificate (127.0.0.1 and localhost)
    key_file: Path


def make_test_ca(folder: Path) -> TestCA:
    """A throwaway CA and a server certificate it issued for 127.0.0.1 and localhost."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LCC APR test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    found = TestCA(folder / "test-ca.pem", folder / "server.pem", folder / "server.key")
    found.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    found.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    found.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    found.key_file.chmod(0o600)
    return found


def nginx_site(*, port: int, plain_port: int, upstream: int, tls: TestCA) -> str:
    """installer/server/nginx-lcc-apr.conf with its CHANGE lines pointed at this test."""
    site = (SERVER_FILES / "nginx-lcc-apr.conf").read_text()
    changes = {
        "listen 443 ssl http2;": f"listen 127.0.0.1:{port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{plain_port};",
        "listen [::]:80;": "",
        "server 127.0.0.1:8080;": f"server 127.0.0.1:{upstream};",
        "/etc/ssl/lcc-apr/fullchain.pem": str(tls.cert_file),
        "/etc/ssl/lcc-apr/privkey.pem": str(tls.key_file),
    }
    for old, new in changes.items():
        assert old in site, f"the example nginx config no longer has {old!r}"
        site = site.replace(old, new)
    return site


@contextmanager
def running_nginx(folder: Path, site: str, port: int) -> Iterator[Path]:
    """nginx in the foreground with `site` as its only server; yields its log folder."""
    folder.mkdir()
    temp = folder / "temp"
    temp.mkdir()
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(temp, NOBODY, NOGROUP)
    (folder / "site.conf").write_text(site)
    paths = "\n".join(
        f"    {kind}_temp_path {temp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        ("user nobody nogroup;\n" if as_root else "")
        + f"worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        + f"error_log {folder / 'error.log'} warn;\n"
        + "events { worker_connections 64; }\n"
        + f"http {{\n    access_log {folder / 'access.log'};\n{paths}\n"
        + f"    include {folder / 'site.conf'};\n}}\n"
    )
    command = ["nginx", "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf)]
    _run([*command, "-t"])
    process = subprocess.Popen([*command, "-g", "daemon off;"])
    try:
        _wait_for_port(port, process, folder / "error.log")
        yield folder
    finally:
        process.terminate()
        process.wait(10)


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}: {_tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port} after {seconds} s: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text()[-3000:] if log.exists() else "(no log)"


def as_nobody(command: list[str]) -> list[str]:
    """The command as nobody, without new privileges and with writable-and-executable memory
    refused (MemoryDenyWriteExecute), when this process may switch users (root)."""
    deny = [str(Path(command[0]).with_name("python")), "-c", DENY_WX, *command]
    if os.geteuid() != 0:
        return ["setpriv", "--no-new-privs", *deny]
    switch = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOGROUP}", "--clear-groups"]
    return [*switch, "--no-new-privs", *deny]


@dataclass(frozen=True)
class Deployment:
    url: str  # https through nginx
    ca_file: Path  # trust this CA to reach it
    username: str  # a demo manager
    password: str
    server_bin: Path
    data_dir: Path  # the server's data folder, owned by nobody
    database_url: str
    log: Path  # the server's output


def pg_schema_url(pg_url: str, schema: str) -> str:
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def deployment(server_bin: Path, folder: Path, pg_url: str) -> Iterator[Deployment]:
    """The venv's server as nobody on a new PostgreSQL schema with the small demo, behind
    nginx with TLS; `folder` must be enterable by nobody (open_folder)."""
    schema = f"t_deploy_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    database_url = pg_schema_url(pg_url, schema)
    data, secrets = folder / "data", folder / "credentials"
    for path in (data, secrets):
        path.mkdir(mode=0o700)
    (secrets / "database-url").write_text(database_url + "\n")
    (secrets / "secret-key").write_text(uuid.uuid4().hex * 2 + "\n")
    (secrets / "ca-passphrase").write_text(uuid.uuid4().hex + "\n")
    upstream, port = free_port(), free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(data),
        "LCC_APR_HOME": str(data),
        "LCC_APR_SERVER_DATABASE_URL_FILE": str(secrets / "database-url"),
        "LCC_APR_SERVER_SECRET_KEY_FILE": str(secrets / "secret-key"),
        "LCC_APR_SERVER_CA_PASSPHRASE_FILE": str(secrets / "ca-passphrase"),
        "LCC_APR_SERVER_PORT": str(upstream),
        "LCC_APR_SERVER_FORWARDED_ALLOW_IPS": "127.0.0.1",
        "LCC_APR_SERVER_LOG_LEVEL": "warning",
        **CHEAP_ARGON2,
    }
    if os.geteuid() == 0:
        for path in (data, secrets, *secrets.iterdir()):
            shutil.chown(path, NOBODY, NOGROUP)
    tls = make_test_ca(folder)
    server = [str(server_bin)]
    options = {"env": env, "cwd": data, "timeout": 300}
    _run(as_nobody([*server, "migrate"]), **options)
    _run(as_nobody([*server, "demo", "--small"]), **options)
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            as_nobody([*server, "serve"]), env=env, cwd=data, stdout=out, stderr=out
        )
    try:
        _wait_for_port(upstream, process, log, seconds=60)
        site = nginx_site(port=port, plain_port=free_port(), upstream=upstream, tls=tls)
        with running_nginx(folder / "nginx", site, port):
            url = f"https://127.0.0.1:{port}"
            reply = httpx.get(f"{url}/ready", verify=str(tls.ca_file), timeout=10)
            assert reply.status_code == 200, reply.text
            reader = create_engine(database_url)
            with reader.connect() as c:
                username = c.execute(
                    text(
                        "SELECT u.username FROM users u JOIN user_roles r ON r.user_id = u.id "
                        "WHERE r.role = 'manager' ORDER BY u.id LIMIT 1"
                    )
                ).scalar_one()
            reader.dispose()
            yield Deployment(
                url, tls.ca_file, username, DEMO_PASSWORD, server_bin, data, database_url, log
            )
    finally:
        process.terminate()
        process.wait(20)
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
