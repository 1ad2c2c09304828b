"""The server under test as a real process (`lcc-apr-server serve`, through standby.py)
that can be stopped politely (SIGTERM), killed (SIGKILL, mid-push) and started again on
its port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.server.harness import CHEAP_ARGON2, SECRET, signing_authority_files

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.url: str | None = None  # the database
        self.process: subprocess.Popen[bytes] | None = None
        self.waiting: subprocess.Popen[bytes] | None = None  # the next server, imported
        self.log = home / "server.log"

    def env(self) -> dict[str, str]:
        files = signing_authority_files()
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "LCC_APR_HOME": str(self.home),
            "LCC_APR_SERVER_SECRET_KEY": SECRET,
            "LCC_APR_SERVER_LOG_LEVEL": "warning",
            "LCC_APR_SERVER_CA_CERT_FILE": str(files["ca_cert_file"]),
            "LCC_APR_SERVER_CA_KEY_FILE": str(files["ca_key_file"]),
            "LCC_APR_SERVER_CA_PASSPHRASE_FILE": str(files["ca_passphrase_file"]),
            **{f"LCC_APR_SERVER_{k.upper()}": str(v) for k, v in CHEAP_ARGON2.items()},
        }

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _standby(self) -> subprocess.Popen[bytes]:
        """A process with the server imported, waiting to be told its port and database."""
        command = [sys.executable, "-m", "tests.reliability.standby"]
        with self.log.open("ab") as out:
            return subprocess.Popen(
                command, env=self.env(), cwd=ROOT, stdin=subprocess.PIPE, stdout=out, stderr=out
            )

    def start(self) -> None:
        """`lcc-apr-server serve` on the port and database (a process started ahead)."""
        assert not self.running and self.url
        for _attempt in range(3):
            process, self.waiting = self.waiting or self._standby(), None
            assert process.stdin
            process.stdin.write(f"{self.port} {self.url}\n".encode())
            process.stdin.close()
            self.process = process
            if self._healthy():
                self.waiting = self._standby()
                return
            self.kill()
            self.port = free_port()  # the old port was not free again yet
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def close(self) -> None:
        self.stop()
        if self.waiting is not None:
            self.waiting.kill()
            self.waiting.wait()
            self.waiting = None

    def _healthy(self) -> bool:
        deadline = time.monotonic() + 30
        assert self.process
        with httpx.Client(verify=False, timeout=1) as client:  # plain HTTP: no TLS set-up
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    return False
                try:
                    if client.get(f"http://127.0.0.1:{self.port}/health").status_code == 200:
                        return True
                except httpx.HTTPError:
                    time.sleep(0.02)
        return False

    def stop(self) -> None:
        """SIGTERM: uvicorn finishes what it is doing, then exits."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no answer, no clean-up; an open transaction is simply lost."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process = None
