"""Benchmark: HR's import from and export to the HR system (issue 14), both halves in one
run, with both ratios in one result.

The import half (bench/hr_import.py), median of --runs: the whole demo council's sample XLSX
read, dry run and applied to an empty server database, against a bare openpyxl read-only
pass over the same file (goal: at most 3x).

The export half: builds the demo (6,087 people) into an encrypted store, has HR accept
every completed APR of the five most recent APR cycles (through lcc_apr.ops.intake, as the
intake screen does), then times, medians of --runs:

- the first export as HR makes it (taking the accepted records into the register, then
  writing), XLSX and CSV: the register is emptied between runs so each run does it all;
- making that export again (reading the register, writing: lcc_apr.hr.export.write_range);
- the bare baseline: the same cells (the same sheets, headers and rows, already in memory)
  written by openpyxl write-only to a file; and by csv.writer for CSV.

The goal: the XLSX export at most 2x the bare openpyxl write. Prints the ratios and writes
bench/results/hr.json (raw times and both ratios; --out elsewhere).
Run: `.venv/bin/python bench/hr.py [--size N] [--runs 3] [--out FILE]`; --size below the
full demo makes the import half's sample for that size (a quick check, not a figure).
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.hr_import import GOAL as IMPORT_GOAL  # noqa: E402
from bench.hr_import import import_half  # noqa: E402
from bench.store_build import BenchKeyring  # noqa: E402
from lcc_apr.demo import build_organisation, generate_history, load_demo  # noqa: E402
from lcc_apr.forms import Catalogue  # noqa: E402
from lcc_apr.hr import export as hr_export  # noqa: E402
from lcc_apr.models import HrExport, HrRegisterEntry, Record, RecordKind, Role, User  # noqa: E402
from lcc_apr.ops.hr_export import export_to_hr  # noqa: E402
from lcc_apr.ops.intake import accept  # noqa: E402
from lcc_apr.ops.user import CurrentUser  # noqa: E402
from lcc_apr.policy import load_policy  # noqa: E402
from lcc_apr.schedule.cycles import cycle_of  # noqa: E402
from lcc_apr.store import open_store  # noqa: E402

AS_OF = date(2026, 11, 30)
RESULT = Path(__file__).resolve().parent / "results" / "hr.json"
CYCLES = 5
GOAL = 2.0


def median_time(fn: Any, runs: int, before: Any = None) -> float:
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def five_cycles_of_aprs(store: Any, hr: CurrentUser) -> list[str]:
    """Completed APRs of the five most recent APR cycles (not HR's own)."""
    policy = load_policy()
    with store.session() as s:
        rows = s.execute(
            select(Record.id, Record.record_date).where(
                Record.kind == RecordKind.APR,
                Record.status == "completed",
                Record.subject_id != hr.employee_id,
                Record.record_date.is_not(None),
            )
        ).all()
    year = {rid: cycle_of(day, policy).year for rid, day in rows}
    chosen = sorted(Counter(year.values()))[-CYCLES:]
    return sorted(rid for rid, y in year.items() if y in chosen)


def same_cells(store: Any, catalogue: Catalogue, first: int, last: int, real_dates: bool):
    """The sheets (header, rows) the export writes for entries first..last, in memory."""
    tables: dict[tuple[str, int], list[hr_export.Table]] = {}
    sheets: dict[str, tuple[tuple[str, ...], list[list[Any]]]] = {}
    with store.session() as s:
        entries = s.scalars(
            select(HrRegisterEntry)
            .where(HrRegisterEntry.id.between(first, last))
            .order_by(HrRegisterEntry.id)
        )
        for entry in entries:
            key = (entry.template_id, entry.template_version)
            if key not in tables:
                tables[key] = hr_export.tables_of(catalogue.get(*key))
                for table in tables[key]:
                    sheets[table.sheet] = (table.header, [])
            for index, cells in hr_export.rows_of(entry, tables[key], real_dates=real_dates):
                sheets[tables[key][index].sheet][1].append(cells)
    return sheets


def bare_xlsx(sheets: dict[str, Any], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append(row)
    book.save(path)


def bare_csv(sheets: dict[str, Any], folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for title, (header, rows) in sheets.items():
        with (folder / f"{title}.csv").open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(["" if c is None else c for c in row] for row in rows)


def bare_figures(
    store: Any, catalogue: Catalogue, last: int, fmt: str, folder: Path, runs: int, got: dict
) -> dict[str, Any]:
    """The same cells written bare, and the export's ratios to that."""
    sheets = same_cells(store, catalogue, 1, last, real_dates=fmt == "xlsx")
    bare = folder / f"bare.{fmt}"
    writer = bare_xlsx if fmt == "xlsx" else bare_csv
    seconds = median_time(lambda: writer(sheets, bare), runs)
    return {
        "cells": sum(len(h) + sum(len(r) for r in rows) for h, rows in sheets.values()),
        f"{fmt}_bare_s": round(seconds, 3),
        f"{fmt}_first_ratio": round(got[f"{fmt}_first_s"] / seconds, 2),
        f"{fmt}_again_ratio": round(got[f"{fmt}_again_s"] / seconds, 2),
    }


def _bytes(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(f.stat().st_size for f in path.iterdir())


def export_half(size: int, runs: int) -> dict[str, Any]:
    catalogue = Catalogue.load()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = open_store(folder / "demo.db", keyring_backend=BenchKeyring())
        org = build_organisation(seed=2020, size=size, as_of=AS_OF)
        with store.session() as s:
            load_demo(s, org, generate_history(org, seed=2020, as_of=AS_OF))
        store.analyse()
        with store.session() as s:
            hr = next(
                CurrentUser.from_user(u) for u in s.scalars(select(User)) if Role.HR in u.roles
            )
        chosen = five_cycles_of_aprs(store, hr)
        at = datetime(2026, 11, 30, 12, tzinfo=UTC)
        started = time.perf_counter()
        for start in range(0, len(chosen), 1000):
            accept(
                store, user=hr, record_ids=chosen[start : start + 1000], catalogue=catalogue, at=at
            )
        accepting = time.perf_counter() - started
        figures["aprs"] = len(chosen)
        figures["accept_s"] = round(accepting, 2)
        figures["accept_per_s"] = round(len(chosen) / accepting)

        def forget() -> None:  # each run takes the accepted records in again
            with store.session() as s:
                s.execute(delete(HrExport))
                s.execute(delete(HrRegisterEntry))

        for fmt in ("xlsx", "csv"):
            out = folder / f"first-{fmt}"
            out.mkdir()
            figures[f"{fmt}_first_s"] = round(
                median_time(
                    lambda fmt=fmt, out=out: export_to_hr(
                        store, user=hr, folder=out, fmt=fmt, catalogue=catalogue, at=at
                    ),
                    runs,
                    before=forget,
                ),
                3,
            )
        with store.session() as s:
            last = s.scalar(select(func.max(HrRegisterEntry.id)))
            figures["rows"] = s.scalar(select(func.count(HrRegisterEntry.id)))
        for fmt in ("xlsx", "csv"):
            again = folder / f"again-{fmt}"
            again.mkdir()

            def write(fmt: str = fmt, again: Path = again) -> None:
                for old in again.iterdir():
                    hr_export._remove(old)
                hr_export.write_range(
                    store.session,
                    catalogue=catalogue,
                    first=1,
                    last=last,
                    fmt=fmt,
                    folder=again,
                    made_at=at,
                )

            figures[f"{fmt}_again_s"] = round(median_time(write, runs), 3)
            figures.update(bare_figures(store, catalogue, last, fmt, folder, runs, figures))
            figures[f"{fmt}_bytes"] = _bytes(next(again.iterdir()))
        store.close()
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=6087)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=RESULT)
    args = ap.parse_args()
    started = time.perf_counter()
    imported = import_half(args.size, args.runs)
    exported = export_half(args.size, args.runs)
    result = {
        "date": date.today().isoformat(),
        "mode": f"{platform.system()} {platform.machine()}, demo {args.size:,}; medians of "
        f"{args.runs} runs; import into a SQLite server database",
        "command": f"bench/hr.py --size {args.size} --runs {args.runs}",
        "goals": {
            "import": f"dry run + apply at most {IMPORT_GOAL}x a bare openpyxl read",
            "export": f"XLSX export at most {GOAL}x openpyxl write-only of the same cells",
        },
        "ratios": {
            "import_to_bare_read": imported["ratio_to_bare_read"],
            "xlsx_export_to_bare_write": exported["xlsx_first_ratio"],
        },
        "import": imported,
        "export": exported,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    print(
        f"import: {imported['total_s']} s, bare read {imported['bare_openpyxl_read_s']} s: "
        f"{imported['ratio_to_bare_read']}x (goal {IMPORT_GOAL}x)"
    )
    for fmt in ("xlsx", "csv"):
        f = {k.removeprefix(f"{fmt}_"): v for k, v in exported.items() if k.startswith(fmt)}
        print(
            f"{fmt} export: first {f['first_s']} s, again {f['again_s']} s, bare {f['bare_s']} s:"
            f" {f['first_ratio']}x ({f['again_ratio']}x again)"
            + (f" (goal {GOAL}x)" if fmt == "xlsx" else "")
        )


if __name__ == "__main__":
    main()
