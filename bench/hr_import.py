"""Benchmark: the organisation import of the whole demo council against a bare read.

The full demo sample (resources/hr/samples/successfactors.xlsx, 6,087 people) is read,
checked, planned (the dry run) and applied to an empty server database (SQLite file),
and compared with a bare openpyxl read-only pass over the same file's cells: the goal
is at most 3x. Writes bench/results/hr-import.json.
Run: `.venv/bin/python bench/hr_import.py`.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import load_workbook  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from lcc_apr.hr import read_organisation  # noqa: E402
from lcc_apr.hr.plan import plan_import  # noqa: E402
from lcc_apr.hr.samples import SAMPLES_AS_OF  # noqa: E402
from lcc_apr.paths import resources_dir  # noqa: E402
from lcc_apr.server.db import make_engine, prepare_database  # noqa: E402
from lcc_apr.server.orgimport import apply_plan  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = resources_dir() / "hr" / "samples" / "successfactors.xlsx"
GOAL = 3.0


def bare_read(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    cells = sum(1 for sheet in book for row in sheet.iter_rows(values_only=True) for _ in row)
    book.close()
    return time.perf_counter() - started, cells


def import_all(path: Path, folder: Path) -> dict[str, float | int]:
    engine = make_engine(f"sqlite:///{folder / 'server.db'}")
    prepare_database(engine)
    times: dict[str, float | int] = {}
    started = time.perf_counter()
    reading = read_organisation(path, "successfactors")
    times["read_s"] = time.perf_counter() - started
    with Session(engine) as session, session.begin():
        at = time.perf_counter()
        plan = plan_import(session, reading, complete=True, as_of=SAMPLES_AS_OF)
        times["dry_run_s"] = time.perf_counter() - at
        assert not plan.errors, plan.errors[:3]
        at = time.perf_counter()
        applied = apply_plan(session, plan)
        times["apply_s"] = time.perf_counter() - at
    times["total_s"] = time.perf_counter() - started
    times["posts"] = len(reading.rows)
    times["accounts"] = applied.accounts
    engine.dispose()
    return times


def main() -> None:
    bare_s, cells = bare_read(SAMPLE)
    with tempfile.TemporaryDirectory() as folder:
        figures = import_all(SAMPLE, Path(folder))
    total = float(figures["total_s"])
    result = {
        "file": SAMPLE.name,
        "cells": cells,
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()},
        "bare_openpyxl_read_s": round(bare_s, 3),
        "ratio_to_bare_read": round(total / bare_s, 2),
        "goal_ratio": GOAL,
        "date": date.today().isoformat(),
        "mode": "2 cores, SQLite server database, one run",
    }
    out = ROOT / "bench" / "results" / "hr-import.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
