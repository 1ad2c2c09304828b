"""The hook through which the editor writes: inline for now, the main window's runner later.

`run_write(op, on_done, on_error)` runs `op` (a plain core call that writes to the
store) and then calls `on_done(result)` or `on_error(exception)` on the UI thread.
The op never touches a widget. The main window passes its single-writer task
runner through `via_runner(runner.write)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RunWrite = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]], None]


def run_inline(
    op: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[Exception], None]
) -> None:
    """Run the write now, on the calling (UI) thread."""
    try:
        result = op()
    except Exception as error:  # reported to the caller, as a task runner would
        on_error(error)
        return
    on_done(result)


def via_runner(write: Callable[..., Any], name: str = "save record") -> RunWrite:
    """Adapt a task runner's `write(op(control), on_done=, on_error=, name=)` to RunWrite."""

    def run(
        op: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[Exception], None]
    ) -> None:
        write(lambda _control: op(), on_done=on_done, on_error=on_error, name=name)

    return run
