"""Benchmark: what checking the cache against the server (lcc_apr.sync.evidence) adds to a
sync, on the full demo (6,087 people, ~241k records for HR), against a real server process.

1. Loads the demo into a server database (SQLite file) with `lcc-apr-server demo` and
   serves it with `lcc-apr-server serve` on 127.0.0.1 (this checkout's code).
2. HR's and a manager's first sync (snapshot, then the check at its end).
3. Later syncs with nothing new, alternately with and without the check, `--rounds` each:
   medians side by side; and the check alone, split into the server's range digests
   (GET /sync/digests), its hash pages (GET /sync/hashes, only for ranges that differ) and
   this computer's listing from its covering index.
Writes bench/out/evidence.json. Run: `.venv/bin/python bench/evidence.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402

from bench.sync_pull import BIN, free_port  # noqa: E402
from lcc_apr.forms import Catalogue  # noqa: E402
from lcc_apr.models import Employee, Role, User, UserRole  # noqa: E402
from lcc_apr.store import open_store  # noqa: E402
from lcc_apr.sync import evidence  # noqa: E402
from lcc_apr.sync.engine import SyncEngine  # noqa: E402
from lcc_apr.sync.evidence import Findings  # noqa: E402
from lcc_apr.sync.transport import Connection, Tokens  # noqa: E402
from tests.conftest import MemoryKeyring  # noqa: E402


def device(url: str, username: str, folder: Path, name: str) -> SyncEngine:
    ring = MemoryKeyring()
    store = open_store(folder / f"{name}.db", keyring_backend=ring)
    connection = Connection(url, tokens=Tokens(ring), allow_plain_local=True, timeout=300)
    connection.login(username, "demo")
    return SyncEngine(store, connection, Catalogue.load())


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def split_check(engine: SyncEngine, rehash: int | None) -> dict:
    """The check alone (`rehash` copies read in full; None: all), and its parts: the
    server's digests and pages, this computer's listing from its covering index."""
    digests_s: list[float] = []
    server_s: list[float] = []
    local_s: list[float] = []
    digests, hashes = engine.connection.digests, engine.connection.hashes
    rows, listing = evidence._light_rows, evidence._listing

    def timing(action, into: list[float]):
        def run(*args, **kw):
            seconds, value = timed(lambda: action(*args, **kw))
            into.append(seconds)
            return value

        return run

    engine.connection.digests = timing(digests, digests_s)  # type: ignore[method-assign]
    engine.connection.hashes = timing(hashes, server_s)  # type: ignore[method-assign]
    evidence._light_rows = timing(rows, local_s)  # type: ignore[assignment]
    evidence._listing = timing(listing, local_s)  # type: ignore[assignment]
    try:
        seconds, found = timed(
            lambda: evidence.check_against_server(engine.store, engine.connection, rehash=rehash)
        )
    finally:
        del engine.connection.digests, engine.connection.hashes
        evidence._light_rows, evidence._listing = rows, listing
    assert isinstance(found, Findings)
    return {
        "seconds": round(seconds, 2),
        "server_digests_s": round(sum(digests_s), 2),
        "server_pages_s": round(sum(server_s), 2),
        "pages": len(server_s),
        "local_listing_s": round(sum(local_s), 2),
        "read_in_full": found.rehashed,
        "checked": found.checked,
        "changed": found.changed,
    }


def later_syncs(engine: SyncEngine, rounds: int) -> dict:
    """Syncs with nothing new, with and without the check, alternately."""
    with_check, without = [], []
    real = engine.against_server
    for _ in range(rounds):
        with_check.append(timed(lambda: engine.run())[0])
        engine.against_server = lambda cancel: Findings(skipped="bench")  # type: ignore[method-assign]
        without.append(timed(lambda: engine.run())[0])
        engine.against_server = real  # type: ignore[method-assign]
    return {
        "with_check_s": [round(s, 2) for s in with_check],
        "without_check_s": [round(s, 2) for s in without],
        "median_with_s": round(statistics.median(with_check), 2),
        "median_without_s": round(statistics.median(without), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=6087)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "LCC_APR_HOME": str(folder),
            "LCC_APR_SERVER_DATABASE_URL": f"sqlite:///{folder / 'server.db'}",
            "LCC_APR_SERVER_PORT": str(free_port()),
            "LCC_APR_SERVER_LOG_LEVEL": "warning",
            "LCC_APR_SERVER_ALLOW_ROOT": str(os.geteuid() == 0),
        }
        load_s, _ = timed(
            lambda: subprocess.run(
                [BIN / "lcc-apr-server", "demo", "--size", str(args.size), "--as-of", "2026-11-30"],
                env=env,
                check=True,
                capture_output=True,
            )
        )
        engine = create_engine(f"sqlite:///{folder / 'server.db'}")
        with engine.connect() as c:
            hr = c.scalar(select(User.username).join(UserRole).where(UserRole.role == Role.HR))
            spans = Counter(c.scalars(select(Employee.line_manager_id)))
            boss = min((m for m in spans if m), key=lambda m: (abs(spans[m] - 12), m))
            manager = c.scalar(select(User.username).where(User.employee_id == boss))
        engine.dispose()
        url = f"http://127.0.0.1:{env['LCC_APR_SERVER_PORT']}"
        server = subprocess.Popen([BIN / "lcc-apr-server", "serve"], env=env)
        result: dict = {"employees": args.size, "server_demo_load_s": round(load_s, 1)}
        try:
            for _ in range(150):
                try:
                    httpx.get(url + "/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            for name, username in (("manager", manager), ("hr", hr)):
                sync = device(url, username, folder, name)
                first_s, first = timed(lambda sync=sync: sync.run())
                result[name] = {
                    "records": first.received,  # type: ignore[attr-defined]
                    "first_sync_s": round(first_s, 1),
                    "first_sync_check": first.evidence.summary(),  # type: ignore[attr-defined]
                    "check_in_a_sync": split_check(sync, evidence.REHASH_PER_SYNC),
                    "check_on_demand_all": split_check(sync, None),
                    "later_syncs": later_syncs(sync, args.rounds),
                    "load_average": os.getloadavg(),
                }
                sync.connection.close()
                sync.store.close()
        finally:
            server.terminate()
            server.wait()
    out = Path(__file__).with_name("out")
    out.mkdir(exist_ok=True)
    (out / "evidence.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
