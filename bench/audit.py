"""Benchmark: HR's audit viewer over 2,000,000 audit entries on SQLite (the server's
tables, migrated as in production). A page of 200 by keyset over (at, id) with each
filter (none, person, user, record, event, a date range, person and dates), at the
first page and far down the list (the cursor of an entry half-way), and the OFFSET
query it replaces, for comparison. Medians of RUNS reads each. The route's own work
(auditview.page) is timed, not HTTP.

Writes bench/results/audit.json. Run: `.venv/bin/python bench/audit.py` (about a minute
to fill the table).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lcc_apr.server.auditview import AuditFilters, page  # noqa: E402
from lcc_apr.server.db import make_engine, prepare_database  # noqa: E402
from lcc_apr.server.tables import AuditEntry  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "audit.json"
ROWS = 2_000_000
PEOPLE, USERS, RECORDS = 10_000, 2_000, 200_000
EVENTS = ["viewed", "push", "sign_off", "login", "printed", "exported", "refresh"]
RUNS = 15
START = datetime(2020, 1, 1, tzinfo=UTC)


def fill(engine) -> None:
    """ROWS entries, a minute or so apart, by the driver's executemany (the ORM's bulk
    insert takes ten times as long to fill the table)."""
    rng = random.Random(18)
    sql = (
        "INSERT INTO audit_log (at, user_id, event, route, outcome, record_id, subject_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    with engine.begin() as connection:
        batch: list[tuple[object, ...]] = []
        for n in range(ROWS):
            record = rng.randrange(RECORDS)
            at = START + timedelta(seconds=n * 60 + rng.randrange(60))
            batch.append(
                (
                    at.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f"),
                    rng.randrange(1, USERS),
                    rng.choice(EVENTS),
                    "/sync/push",
                    "ok",
                    f"{record:08x}-0000-4000-8000-000000000000",
                    1 + record % PEOPLE,
                )
            )
            if len(batch) == 50_000 or n == ROWS - 1:
                connection.connection.driver_connection.executemany(sql, batch)
                batch.clear()


def timed(action) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def offset_page(session: Session, filters: AuditFilters, offset: int) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(*filters.where())
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return list(session.scalars(stmt.offset(offset).limit(200)))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/server.db")
        prepare_database(engine)
        started = time.perf_counter()
        fill(engine)
        filled = round(time.perf_counter() - started, 1)
        middle = START + timedelta(minutes=ROWS // 2)
        cases = {
            "none": AuditFilters(),
            "person": AuditFilters(person=77),
            "user": AuditFilters(user=77),
            "record": AuditFilters(record=f"{1234:08x}-0000-4000-8000-000000000000"),
            "event": AuditFilters(event="printed"),
            "dates (a month)": AuditFilters(
                date_from=middle.date(), date_to=(middle + timedelta(days=30)).date()
            ),
            "person and dates": AuditFilters(
                person=77, date_from=START.date(), date_to=middle.date()
            ),
        }
        figures: dict[str, dict[str, float | int]] = {}
        with Session(engine) as session:
            for name, filters in cases.items():
                first = page(session, filters)
                deep = (middle, ROWS // 2 + 1)  # a cursor half-way down the whole log
                figures[name] = {
                    "rows_on_first_page": len(first["entries"]),
                    "first_page_ms": timed(lambda f=filters: page(session, f)),
                    "deep_page_ms": timed(lambda f=filters, d=deep: page(session, f, cursor=d)),
                }
            figures["none"]["offset_1000000_ms"] = timed(
                lambda: offset_page(session, AuditFilters(), ROWS // 2)
            )
        engine.dispose()
    result = {"rows": ROWS, "fill_seconds": filled, "page": 200, "runs": RUNS, **figures}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
