"""The import half of bench/hr.py: the organisation import of the whole demo council
against a bare read (no script of its own: `bench/hr.py` runs both halves in one run).

The full demo sample (resources/hr/samples/successfactors.xlsx, 6,087 people; for a
smaller --size, the same export made for that demo) is read, checked, planned (the dry
run) and applied to an empty server database (SQLite file), and compared with a bare
openpyxl read-only pass over the same file's cells: the goal is at most 3x.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from lcc_apr.demo import build_organisation
from lcc_apr.hr import read_organisation
from lcc_apr.hr.plan import plan_import
from lcc_apr.hr.samples import (
    SAMPLES_AS_OF,
    organisation_rows,
    successfactors_xlsx,
)
from lcc_apr.paths import resources_dir
from lcc_apr.server.db import make_engine, prepare_database
from lcc_apr.server.orgimport import apply_plan

SAMPLE = resources_dir() / "hr" / "samples" / "successfactors.xlsx"
SAMPLE_SIZE = 6087  # the people in SAMPLE
GOAL = 3.0


def sample_for(size: int, folder: Path) -> Path:
    """The successfactors export of the demo of `size` people (the shipped one at full size)."""
    if size == SAMPLE_SIZE:
        return SAMPLE
    org = build_organisation(seed=2020, size=size, as_of=SAMPLES_AS_OF)
    path = folder / f"successfactors-{size}.xlsx"
    path.write_bytes(successfactors_xlsx(organisation_rows(org)))
    return path


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


def import_half(size: int = SAMPLE_SIZE, runs: int = 3) -> dict[str, Any]:
    """The import's times, the bare read's, and their ratio (goal: at most GOAL): medians of
    `runs`, each run a bare read then an import into a fresh database, so that what else
    the machine does weighs on both sides of a pair; the ratio is the median of the pairs'."""
    pairs: list[tuple[float, dict[str, float | int]]] = []
    with tempfile.TemporaryDirectory() as folder:
        sample = sample_for(size, Path(folder))
        for run in range(runs):
            bare_s, cells = bare_read(sample)
            place = Path(folder) / f"run{run}"
            place.mkdir()
            pairs.append((bare_s, import_all(sample, place)))
    middle = sorted(pairs, key=lambda pair: float(pair[1]["total_s"]))[len(pairs) // 2][1]
    ratios = [float(figures["total_s"]) / bare_s for bare_s, figures in pairs]
    return {
        "file": sample.name,
        "cells": cells,
        "runs": runs,
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in middle.items()},
        "bare_openpyxl_read_s": round(statistics.median(b for b, _ in pairs), 3),
        "ratios": [round(r, 2) for r in ratios],
        "ratio_to_bare_read": round(statistics.median(ratios), 2),
        "goal_ratio": GOAL,
    }
