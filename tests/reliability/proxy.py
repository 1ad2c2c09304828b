"""A fault proxy between the laptops and the server: plain TCP on 127.0.0.1, threaded.

Requests from the client are read whole (request line, headers, Content-Length body:
what httpx sends), so a fault can be aimed at one route: the request cut after N
bytes, the reply cut after N bytes, either held back for a while (a stalled request
still reaches the server late, after the client gave up), or the server killed once
the request is in. Replies are relayed byte for byte. `settle()` waits for stalled
deliveries, so a late request never crosses into the next step.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

CUT_REQUEST, CUT_RESPONSE, STALL_REQUEST, STALL_RESPONSE, KILL = (
    "cut_request",
    "cut_response",
    "stall_request",
    "stall_response",
    "kill",
)


@dataclass
class Fault:
    kind: str
    path: str  # the route it hits: "/sync/push", "/sync/pull", "/auth/refresh", ...
    size: int = 0  # cut after this many bytes
    seconds: float = 0.0  # stall this long
    times: int = 1  # how many requests it hits
    on_fire: Callable[[], None] | None = None  # KILL: what kills the server

    def label(self) -> str:
        return f"{self.kind} {self.path} ({self.size or self.seconds})"


class _Closed(Exception):
    pass


class FaultProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._late = 0  # stalled requests still to be delivered
        self._links: set[_Link] = set()
        self.fired: Counter[str] = Counter()
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def disarm(self) -> list[Fault]:
        """Drop the faults not fired; returns them."""
        with self._lock:
            left, self._faults = self._faults, []
            return left

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every stalled request has been delivered (or given up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._late == 0:
                    return
            time.sleep(0.01)

    def drop_connections(self) -> None:
        """Close every open connection (the server went away)."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close()

    def close(self) -> None:
        self._listener.close()
        self.drop_connections()

    def _take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    self.fired[fault.kind] += 1
                    return fault
        return None

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
        except OSError:
            _close(client)  # the server is down: the client sees the connection closed
            return
        upstream.settimeout(None)
        link = _Link(client, upstream)
        with self._lock:
            self._links.add(link)
        threading.Thread(target=link.pump_back, daemon=True).start()
        reader = _Reader(client)
        try:
            while True:
                request = reader.request()
                if request is None:
                    return
                data, path = request
                self._forward(link, data, self._take(path))
        except (OSError, _Closed):
            pass
        finally:
            link.close()
            with self._lock:
                self._links.discard(link)

    def _forward(self, link: _Link, data: bytes, fault: Fault | None) -> None:
        if fault is None:
            link.upstream.sendall(data)
        elif fault.kind == CUT_REQUEST:
            link.upstream.sendall(data[: min(fault.size, len(data) - 1)])
            raise _Closed
        elif fault.kind == CUT_RESPONSE:
            link.budget = fault.size
            link.upstream.sendall(data)
        elif fault.kind == STALL_RESPONSE:
            link.hold = fault.seconds
            link.upstream.sendall(data)
        elif fault.kind == STALL_REQUEST:
            with self._lock:
                self._late += 1
            try:
                time.sleep(fault.seconds)  # the client may give up meanwhile: sent all the same
                link.upstream.sendall(data)
                link.wait_reply(10.0)
            finally:
                with self._lock:
                    self._late -= 1
        elif fault.kind == KILL:
            link.upstream.sendall(data)
            time.sleep(fault.seconds)  # a few ms: the server is somewhere inside the push
            if fault.on_fire is not None:
                fault.on_fire()
            raise _Closed


class _Reader:
    """Whole HTTP/1.1 requests from a socket (Content-Length bodies only)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buffer = sock, b""

    def _more(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def request(self) -> tuple[bytes, str] | None:
        while b"\r\n\r\n" not in self.buffer:
            if not self._more():
                return None
        head, _, _ = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1].split("?")[0]
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        total = len(head) + 4 + length
        while len(self.buffer) < total:
            if not self._more():
                return None
        data, self.buffer = self.buffer[:total], self.buffer[total:]
        return data, path


class _Link:
    """One client connection and its upstream; replies are relayed by `pump_back`."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client, self.upstream = client, upstream
        self.budget: int | None = None  # cut the next reply after this many bytes
        self.hold = 0.0  # hold the next reply this long
        self.replied = threading.Event()
        self.closed = False

    def wait_reply(self, timeout: float) -> None:
        self.replied.clear()
        self.replied.wait(timeout)

    def pump_back(self) -> None:
        try:
            while True:
                chunk = self.upstream.recv(65536)
                if not chunk:
                    return
                if self.hold:
                    time.sleep(self.hold)
                    self.hold = 0.0
                if self.budget is not None:
                    self._cut_reply(chunk, self.budget)
                    return
                self.replied.set()
                self.client.sendall(chunk)
        except OSError:
            return
        finally:
            self.replied.set()
            self.close()

    def _cut_reply(self, data: bytes, budget: int) -> None:
        """Relay the reply's first `budget` bytes, always short of the whole reply."""
        while b"\r\n\r\n" not in data:
            chunk = self.upstream.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, _ = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        keep = min(budget, len(head) + 4 + length - 1)
        while len(data) < keep:
            chunk = self.upstream.recv(65536)
            if not chunk:
                break
            data += chunk
        self.client.sendall(data[:keep])

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            _close(self.client)
            _close(self.upstream)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
