"""`lcc-apr` and `python main.py`: the window by default, the core's commands otherwise."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from lcc_apr import cli
from lcc_apr.paths import data_dir


def main(argv: Sequence[str] | None = None) -> int:
    args = cli.parser().parse_args(argv)
    if getattr(args, "func", cli.cmd_run) is not cli.cmd_run:
        return cli.main(argv)
    if _no_display():
        print(
            "lcc-apr: no display found, so the window cannot open. Run it on a desktop, "
            "under xvfb-run, or with QT_QPA_PLATFORM=offscreen; `lcc-apr demo`, `summary` "
            "and `check` work without one.",
            file=sys.stderr,
        )
        return cli.EXIT_PROBLEM
    from .start import run_app

    try:
        return run_app(
            data_dir(),
            demo_role=getattr(args, "demo", None),
            quit_after=getattr(args, "quit_after", None),
        )
    except KeyboardInterrupt:
        return cli.EXIT_INTERRUPTED


def _no_display() -> bool:
    """On Linux, Qt aborts the process when it finds no screen: say so plainly instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


if __name__ == "__main__":
    sys.exit(main())
