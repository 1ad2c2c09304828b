"""How far a long job has come, in plain words: "Receiving records: 12,500 of about
241,000 — about 40 s left". The sign-in, the demo build and the sync report Steps;
the window shows the words and a bar (done of total) when the total is known."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    text: str  # what is happening, in plain words: "Receiving records"
    done: int | None = None
    total: int | None = None  # an estimate ("about"); None when not known
    seconds_left: float | None = None

    def words(self) -> str:
        if self.done is None:
            return self.text
        count = f"{self.done:,}"
        if self.total is not None:
            count += f" of about {max(self.total, self.done):,}"
        text = f"{self.text}: {count}"
        if self.seconds_left is not None:
            text += f" — {time_left(self.seconds_left)}"
        return text


def time_left(seconds: float) -> str:
    """'about 40 s left', 'about 3 min left', 'a few seconds left'."""
    if seconds < 8:
        return "a few seconds left"
    if seconds < 90:
        return f"about {round(seconds / 5) * 5} s left"
    return f"about {round(seconds / 60)} min left"


class Pace:
    """Seconds left, from how fast the count has gone up since the first report."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.first: tuple[float, int] | None = None

    def left(self, done: int, total: int | None) -> float | None:
        now = self.clock()
        if self.first is None:
            self.first = (now, done)
            return None
        start, done_then = self.first
        elapsed = now - start
        if total is None or elapsed < 1 or done <= done_then:
            return None
        return max(0.0, (total - done) * elapsed / (done - done_then))


class Echo:
    """Steps printed as plain lines on a stream (the terminal's stderr) as well as shown in
    the window: "lcc-apr: Receiving records: 12,500 of about 241,000 — about 40 s left".
    A line at a stage's first step, else at most one every `every` seconds.
    Only a Step's words are printed: stages and counts, never a name. Any thread may call."""

    def __init__(
        self,
        write: Callable[[str], object],
        *,
        every: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write, self.every, self.clock = write, every, clock
        self._last: float | None = None
        self._stages: set[str] = set()

    def __call__(self, step: Step | str) -> None:
        text = step.text if isinstance(step, Step) else step
        now = self.clock()
        new = text not in self._stages
        if not new and self._last is not None and now - self._last < self.every:
            return
        self._stages.add(text)
        self._last = now
        words = step.words() if isinstance(step, Step) else step
        self.write(f"lcc-apr: {words}\n")
