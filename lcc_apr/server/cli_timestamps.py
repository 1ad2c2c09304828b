"""`lcc-apr-server timestamps [--limit N]`: trusted time for the sign-offs kept without it
(the timestamp authority did not answer when they arrived), now, as the serve process
does every few minutes (lcc_apr/server/timestamp_job.py). Counts only, no names.

Exit codes: 0 none missing, or all found were stamped; 1 no TSA configured, or it is down.
"""

from __future__ import annotations

import argparse

from sqlalchemy import Engine

from . import timestamp_job
from .settings import ServerSettings

EXIT_OK, EXIT_PROBLEM = 0, 1


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("--limit must be 1 or more")
    return value


def add_parsers(sub: argparse._SubParsersAction) -> None:
    command = sub.add_parser("timestamps", help="add trusted time to sign-offs still without it")
    command.add_argument(
        "--limit",
        type=_positive,
        default=timestamp_job.LIMIT,
        help=f"sign-offs to ask for in this run (default {timestamp_job.LIMIT})",
    )


def cmd_timestamps(settings: ServerSettings, engine: Engine, args: argparse.Namespace) -> int:
    run = timestamp_job.add_missing(settings, engine, limit=args.limit, route="cli")
    if not run.configured:
        print(
            "No timestamp authority is configured (timestamp_authority_url): "
            "sign-offs cannot be given trusted time."
        )
        return EXIT_PROBLEM
    if not run.found:
        print("Every digitally signed sign-off has its trusted time.")
        return EXIT_OK
    print(f"Trusted time added to {run.added} sign-off(s).")
    if run.tsa_down:
        print(
            f"The timestamp authority did not answer: {run.not_stamped} sign-off(s) still "
            "wait; the server tries again later."
        )
    elif run.more:
        print("More sign-offs are waiting: run it again, or let the server go on.")
    return EXIT_PROBLEM if run.tsa_down else EXIT_OK


COMMANDS = {"timestamps": cmd_timestamps}
