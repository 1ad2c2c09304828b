"""Benchmark: the trusted-time job's scan for sign-offs without a token
(lcc_apr/server/timestamp_job.missing, a run's first read) over 500,000 sign-offs on
SQLite (the server's tables, migrated as in production), with 0, 50 and 5,000 missing,
with the partial index ix_sign_offs_no_time_token (s0011) and without it. Each sign-off
carries a signature (72 bytes), a certificate (600) and, unless missing, a token (2,000):
the sizes this server's rows have. Medians of RUNS reads of one batch (LIMIT + 1).

Writes bench/results/time_tokens.json. Run: `.venv/bin/python bench/time_tokens.py`
(a minute or so to fill the table; about 1.5 GB in a temporary folder).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lcc_apr.server.db import make_engine, prepare_database  # noqa: E402
from lcc_apr.server.timestamp_job import LIMIT, missing  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "time_tokens.json"
ROWS = 500_000
MISSING = (0, 50, 5_000)
RUNS = 9
INDEX = "ix_sign_offs_no_time_token"


def fill(path: Path) -> None:
    """ROWS sign-offs, every one with a token, by sqlite3's executemany (foreign keys off:
    the records they name are not needed for the scan)."""
    rng = random.Random(18)
    signature, certificate, token = rng.randbytes(72), rng.randbytes(600), rng.randbytes(2000)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = OFF")
    sql = (
        "INSERT INTO sign_offs (record_id, user_id, role, decision, signed_at, content_hash,"
        " signature, certificate, covers, time_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    with connection:
        for start in range(0, ROWS, 10_000):
            connection.executemany(
                sql,
                [
                    (
                        f"record-{n // 2:08d}",
                        1 + n % 5000,
                        "employee" if n % 2 == 0 else "manager",
                        "agree" if n % 2 == 0 else "confirm",
                        "2026-01-01 09:00:00.000000",
                        "0" * 64,
                        signature,
                        certificate,
                        "[]",
                        token,
                    )
                    for n in range(start, min(start + 10_000, ROWS))
                ],
            )
    connection.close()


def set_missing(engine, count: int) -> None:
    """`count` sign-offs without a token: the newest ones (a TSA down lately)."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE sign_offs SET time_token = x'00' WHERE time_token IS NULL"))
        connection.execute(
            text("UPDATE sign_offs SET time_token = NULL WHERE id > :top"), {"top": ROWS - count}
        )


def timed(engine, count: int) -> float:
    times = []
    for _ in range(RUNS):
        with Session(engine) as session:
            began = time.perf_counter()
            found = missing(session, LIMIT + 1)
            times.append((time.perf_counter() - began) * 1000)
        assert len(found) == min(count, LIMIT + 1)
    return round(statistics.median(times), 2)


def plan(engine) -> str:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id, signature FROM sign_offs WHERE time_token IS NULL"
            " AND signature IS NOT NULL ORDER BY id LIMIT 201"
        ).all()
    return "; ".join(str(r[-1]) for r in rows)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "server.db"
        engine = make_engine(f"sqlite:///{path}")
        prepare_database(engine)
        began = time.perf_counter()
        fill(path)
        filled = time.perf_counter() - began
        size = os.path.getsize(path)
        results: dict[str, object] = {
            "rows": ROWS,
            "limit": LIMIT,
            "database_mb": round(size / 1e6),
            "fill_seconds": round(filled, 1),
            "load": os.getloadavg()[0],
        }
        for label in ("with_index", "without_index"):
            if label == "without_index":
                with engine.begin() as connection:
                    connection.exec_driver_sql(f"DROP INDEX {INDEX}")
            results[f"plan_{label}"] = plan(engine)
            for count in MISSING:
                set_missing(engine, count)
                with engine.begin() as connection:
                    connection.exec_driver_sql("ANALYZE")
                results[f"{label}_missing_{count}_ms"] = timed(engine, count)
                print(label, count, results[f"{label}_missing_{count}_ms"], "ms", flush=True)
        engine.dispose()
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
