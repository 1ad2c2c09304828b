"""What reading an organisation file reports: problems, skipped rows, and refusals."""

from __future__ import annotations

from dataclasses import dataclass


class ReadRefused(Exception):
    """The file cannot be read at all; the message names the file and says why, in plain
    words, and quotes no cell."""


class ReadCancelled(Exception):
    """The reader's cancel callable said stop."""


@dataclass(frozen=True)
class Problem:
    """One row's problem. value is the cell as the file holds it, or None for an equality
    field (never echoed) or a missing value."""

    sheet: str
    row: int
    column: str  # "D (Surname)": the column letter and its heading in the file
    rule: str  # a rule name from docs/hr-import.md: "fte-range", "unknown-manager"...
    value: str | None
    message: str = ""  # plain words, never quoting a value

    def words(self) -> str:
        shown = "" if self.value is None else f" {self.value!r}"
        return (
            f"{self.sheet} row {self.row}, column {self.column}: {self.rule}{shown}: {self.message}"
        )


@dataclass(frozen=True)
class Skipped:
    """A row that is not a post: blank, a title, a group heading, a total or a footer."""

    sheet: str
    row: int
    reason: str
