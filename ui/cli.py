"""`lcc-apr` and `python main.py`: the window by default, the core's commands otherwise."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from lcc_apr import cli
from lcc_apr.paths import data_dir


def main(argv: Sequence[str] | None = None) -> int:
    args = cli.parser().parse_args(argv)
    if getattr(args, "func", cli.cmd_run) is not cli.cmd_run:
        return cli.main(argv)
    from .start import run_app

    try:
        return run_app(
            data_dir(),
            demo_role=getattr(args, "demo", None),
            quit_after=getattr(args, "quit_after", None),
        )
    except KeyboardInterrupt:
        return cli.EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
