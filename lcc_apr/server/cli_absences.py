"""`lcc-apr-server absence-import FILE [--profile NAME] [--dry-run] [--as-of YYYY-MM-DD]`:
HR's absence export applied all or nothing (lcc_apr.server.absence_import). Prints counts
and each problem's row, column and rule, never a reason or a name.

Exit codes: 0 applied (or a clean dry run); 1 problems or a refusal, nothing applied.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from .settings import ServerSettings

EXIT_OK, EXIT_PROBLEM = 0, 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    command = sub.add_parser("absence-import", help="absences from an HR system's export")
    command.add_argument("file", type=Path, help="CSV or XLSX")
    command.add_argument("--profile", default="generic", help="the absence profile")
    command.add_argument("--as-of", type=date.fromisoformat, help="today, for the checks")
    command.add_argument("--dry-run", action="store_true", help="check only; apply nothing")


def cmd_absence_import(settings: ServerSettings, engine: Engine, args: argparse.Namespace) -> int:
    from lcc_apr.attendance.policy import default_attendance_policy
    from lcc_apr.hr import ProfileError, ReadRefused

    from .absence_import import import_absences

    try:
        run = import_absences(
            engine,
            args.file,
            policy=default_attendance_policy(),
            today=args.as_of or date.today(),
            profile=args.profile,
            dry_run=args.dry_run,
        )
    except (ReadRefused, ProfileError) as err:
        print(f"{args.file.name} {err}")
        return EXIT_PROBLEM
    print(f"{run.rows} row(s): {run.adds} absence(s) to add, {run.changes} to change.")
    for problem in run.problems:
        where = f", {problem.column}" if problem.column else ""
        print(f"Row {problem.row}{where}: {problem.message}")
    if run.problems:
        print("Nothing was applied: correct the rows named and import the whole file again.")
        return EXIT_PROBLEM
    if run.refused:
        print(run.refused)
        return EXIT_PROBLEM
    print("Applied." if run.applied else "Dry run: nothing was applied.")
    return EXIT_OK


COMMANDS = {"absence-import": cmd_absence_import}
