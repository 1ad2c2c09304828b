"""Retention on a demo server database: how long the daily listing and the server check
take (medians of 3), on SQLite; the check beside its first version (a query per record).

    PYTHONPATH=. .venv/bin/python bench/retention.py [--size 1000]

The demo is built once per size into bench/out/retention-template-SIZE.db (not kept in
git); the figures go to bench/results/retention-SIZE.json. The listing reads every
record's retention facts; the check reads every history.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lcc_apr.history import verify_history
from lcc_apr.models import Record, RecordChange
from lcc_apr.server import retention
from lcc_apr.server.db import make_engine, prepare_database
from lcc_apr.server.demo import load_server_demo
from lcc_apr.server.security import Passwords
from lcc_apr.server.settings import ServerSettings

OUT = Path(__file__).with_name("out")  # the demo databases (not in git)
RESULTS = Path(__file__).with_name("results")
AS_OF = date(2025, 11, 30)


def timed(work, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--size", type=int, default=1000)
    size = args.parse_args().size
    OUT.mkdir(exist_ok=True)
    path = OUT / f"retention-template-{size}.db"
    build = not path.exists()
    engine = make_engine(f"sqlite:///{path}")
    if build:
        prepare_database(engine)
        settings = ServerSettings(
            database_url=f"sqlite:///{path}",
            secret_key="bench-" + "x" * 40,
            argon2_time_cost=1,
            argon2_memory_kib=8192,
            argon2_parallelism=1,
        )
        load_server_demo(engine, Passwords(settings), size=size, seed=2020, as_of=AS_OF)
    with Session(engine) as s:
        records = s.scalar(select(func.count()).select_from(Record))
        changes = s.scalar(select(func.count()).select_from(RecordChange))

    def listing() -> None:
        with Session(engine) as s, s.begin():
            retention.list_due(s, AS_OF)
            s.rollback()

    def check() -> None:
        with Session(engine) as s:
            _checked, problems = retention.check(s)
            assert problems == []

    def check_per_record() -> None:  # the first version: one history query per record
        with Session(engine) as s:
            for record in s.scalars(select(Record)).yield_per(500):
                assert verify_history(s, record) == []

    result = {
        "size": size,
        "records": records,
        "history_entries": changes,
        "list_due_s": round(timed(listing), 3),
        "check_s": round(timed(check), 3),
        "check_one_query_per_record_s": round(timed(check_per_record), 3),
    }
    print(json.dumps(result, indent=2))
    (RESULTS / f"retention-{size}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
