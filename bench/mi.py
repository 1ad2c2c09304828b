"""Benchmark: management information (issue 16) on the full demo's encrypted cache.

Times, medians of --runs after one warm-up run each:

- every dashboard's figures: `lcc_apr.mi.measures.dashboard` for the whole council, year
  2025/26, all kinds (HR's view), each run in its own store session;
- the baseline: the same aggregates in hand-written SQL on the same store session
  (bench/mi_sql.py: GROUP BY and window functions, no disclosure control), the least
  work the database must do for those figures;
- the committee's PDF pack of that dashboard (`lcc_apr.mi.pack.write_pack`) to a file.

Every figure the dashboard releases is checked against the SQL's; a mismatch is printed.
Goals: the dashboard at most 2x the SQL and under 1 s; the pack under 5 s. Writes
bench/results/mi.json (--out elsewhere).
Run: `.venv/bin/python bench/mi.py [--runs 5]` builds the full demo into a temporary
encrypted store first (as bench/hr.py, a few minutes); `--store DB --ring PICKLE` uses a
built one (the ring: a pickled tests.conftest.MemoryKeyring's __dict__), opened read-only
in spirit (nothing is written to it).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import mi_sql  # noqa: E402
from bench.store_build import BenchKeyring  # noqa: E402
from lcc_apr.attendance.policy import default_attendance_policy  # noqa: E402
from lcc_apr.demo import build_organisation, generate_history, load_demo  # noqa: E402
from lcc_apr.demo.build import open_demo_store  # noqa: E402
from lcc_apr.mi import measures  # noqa: E402
from lcc_apr.mi.config import load_mi_config  # noqa: E402
from lcc_apr.mi.table import Dashboard, Filters  # noqa: E402
from lcc_apr.policy import load_policy  # noqa: E402
from lcc_apr.store import open_store  # noqa: E402
from lcc_apr.store.store import Store  # noqa: E402

AS_OF = date(2026, 11, 30)
YEAR = 2025
RESULT = Path(__file__).resolve().parent / "results" / "mi.json"
GOAL_RATIO, GOAL_DASHBOARD_S, GOAL_PACK_S = 2.0, 1.0, 5.0


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """One warm-up run, then `runs` timed ones: the times and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def build_store(folder: Path, size: int) -> Store:
    """The full demo built as bench/hr.py builds it, then closed and opened again: the cache
    as the app finds it when it starts (write-ahead log checkpointed)."""
    keyring = BenchKeyring()
    store = open_store(folder / "demo.db", keyring_backend=keyring)
    org = build_organisation(seed=2020, size=size, as_of=AS_OF)
    with store.session() as s:
        load_demo(s, org, generate_history(org, seed=2020, as_of=AS_OF))
    store.analyse()
    store.close()
    return open_store(folder / "demo.db", keyring_backend=keyring)


def prebuilt_store(path: Path, ring: Path) -> Store:
    keyring = BenchKeyring()
    with ring.open("rb") as handle:
        keyring.__dict__.update(pickle.load(handle))
    return open_demo_store(path, keyring_backend=keyring)


def compare(board: Dashboard, figures: mi_sql.Figures) -> tuple[int, list[str]]:
    """Every released figure of the dashboard against the SQL's (a row the SQL has not:
    an area with nothing counted, zeros). The number compared, and the mismatches."""
    compared, wrong = 0, []
    for table in board.tables:
        if table.key not in figures:
            wrong.append(f"{table.key}: not computed by the SQL")
            continue
        mine = figures[table.key]
        for row in table.rows:
            theirs = mine.get(row.label, [0] * len(row.cells))
            for column, cell, value in zip(table.columns, row.cells, theirs, strict=False):
                if cell.value is None or value is None:
                    continue
                compared += 1
                if abs(cell.value - value) > 0.051:  # rates shown to one decimal
                    wrong.append(
                        f"{table.key} / {row.label} / {column}: dashboard {cell.text}, SQL {value}"
                    )
        for label in set(mine) - {r.label for r in table.rows}:
            if table.rows and any(mine[label]):
                wrong.append(f"{table.key} / {label}: only in the SQL ({mine[label]})")
    return compared, wrong


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in load] if load else None,
    }


def run(store: Store, runs: int, pack: bool) -> dict[str, Any]:
    policy, config = load_policy(), load_mi_config()
    filters = Filters(year=YEAR)

    def board() -> Dashboard:
        with store.session() as s:
            return measures.dashboard(s, filters=filters, policy=policy, config=config, today=AS_OF)

    years = mi_sql.years_of(YEAR, policy, config, AS_OF, measures.TREND_YEARS)
    rtw_within = default_attendance_policy().rtw_due_within_days

    def sql() -> mi_sql.Figures:
        with store.session() as s:
            return mi_sql.all_figures(s, years, policy, config, AS_OF, rtw_within)

    dash_times, dashboard = timed(board, runs)
    sql_times, figures = timed(sql, runs)
    compared, wrong = compare(dashboard, figures)
    dash_s, sql_s = statistics.median(dash_times), statistics.median(sql_times)
    result: dict[str, Any] = {
        "dashboard_s": round(dash_s, 3),
        "sql_s": round(sql_s, 3),
        "ratio_dashboard_to_sql": round(dash_s / sql_s, 2),
        "views": len(dashboard.tables),
        "figures_compared": compared,
        "mismatches": wrong,
        "dashboard_times_s": [round(t, 3) for t in dash_times],
        "sql_times_s": [round(t, 3) for t in sql_times],
    }
    if pack:
        from lcc_apr.mi.pack import write_pack

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "pack.pdf"

            def make() -> None:
                write_pack(dashboard, path, made_by="Benchmark", made_on=AS_OF)

            pack_times, _ = timed(make, runs)
            result["pack_s"] = round(statistics.median(pack_times), 3)
            result["pack_times_s"] = [round(t, 3) for t in pack_times]
            result["pack_bytes"] = path.stat().st_size
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=6087)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--store", type=Path, help="a built full demo store (not written to)")
    ap.add_argument("--ring", type=Path, help="its keyring: a pickled MemoryKeyring __dict__")
    ap.add_argument("--no-pack", action="store_true", help="the figures only")
    ap.add_argument("--out", type=Path, default=RESULT)
    args = ap.parse_args()
    if bool(args.store) != bool(args.ring):
        ap.error("--store and --ring go together")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        if args.store:
            store = prebuilt_store(args.store, args.ring)
        else:
            store = build_store(Path(folder), args.size)
        with store.session() as s:
            count = s.connection().exec_driver_sql
            people = count("SELECT count(*) FROM employees").scalar()
            records = count("SELECT count(*) FROM records").scalar()
        before = machine()
        figures = run(store, args.runs, not args.no_pack)
        store.close()
    result = {
        "date": date.today().isoformat(),
        "mode": f"demo {people:,} people, {records:,} records, encrypted cache (SQLCipher); "
        f"whole council, year {YEAR}/{(YEAR + 1) % 100:02d}, all kinds; medians of "
        f"{args.runs} runs after one warm-up",
        "command": "bench/mi.py"
        + (" --store ... --ring ..." if args.store else f" --size {args.size}")
        + f" --runs {args.runs}",
        "goals": {
            "ratio": f"dashboard at most {GOAL_RATIO}x the hand-written SQL",
            "dashboard": f"under {GOAL_DASHBOARD_S} s",
            "pack": f"under {GOAL_PACK_S} s",
        },
        "machine": {**before, "load_after": [round(x, 2) for x in os.getloadavg()]},
        **figures,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    report(result)


def report(r: dict[str, Any]) -> None:
    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(r["mode"])
    print(
        f"  dashboard {r['dashboard_s']} s   goal < {GOAL_DASHBOARD_S} s: "
        f"{mark(r['dashboard_s'] < GOAL_DASHBOARD_S)}"
    )
    print(f"  SQL       {r['sql_s']} s")
    print(
        f"  ratio     {r['ratio_dashboard_to_sql']}x   goal <= {GOAL_RATIO}x: "
        f"{mark(r['ratio_dashboard_to_sql'] <= GOAL_RATIO)}"
    )
    if "pack_s" in r:
        print(
            f"  pack      {r['pack_s']} s ({r['pack_bytes']:,} bytes)   goal < {GOAL_PACK_S} s: "
            f"{mark(r['pack_s'] < GOAL_PACK_S)}"
        )
    print(
        f"  {r['figures_compared']:,} released figures of {r['views']} views checked "
        f"against the SQL: {len(r['mismatches'])} mismatches"
    )
    for line in r["mismatches"]:
        print("   ", line)


if __name__ == "__main__":
    main()
