"""read_organisation: an HR system's organisation export, read into checked rows.

Nothing here writes anywhere or logs anything: the Reading holds every row, every problem
and every skipped row, for a dry run to show and an import to apply.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lcc_apr.progress import Step

from . import values
from .checks import check_rows
from .layout import Numbered, classify
from .profiles import EQUALITY, Profile, load_profile
from .report import Problem, ReadCancelled, ReadRefused, Skipped
from .rows import PostRow, read_row
from .sources import open_table

EVERY = 1000  # rows between two progress reports (and cancel checks)
STEP = "Reading the organisation file"


@dataclass
class Reading:
    file: str  # the file's name
    profile: str
    sheet: str  # the sheet read, or the CSV file's name
    encoding: str | None  # a CSV's encoding as found ("UTF-8", "Windows-1252"...); None: XLSX
    header_rows: tuple[int, ...]
    columns: dict[str, str]  # field -> "D (Surname)", for each column read
    rows: list[PostRow] = field(default_factory=list)  # the rows that passed their own checks
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # payroll numbers of rows that failed their own checks: in the file, though not in rows
    failed_payrolls: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_organisation(
    path: Path | str,
    profile: str | Path | Profile = "generic",
    *,
    sheet: str | None = None,
    progress: Callable[[Step], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    known_payrolls: Collection[str] = (),
    known_posts: Collection[str] = (),
) -> Reading:
    """Read and check an organisation file (CSV or XLSX) with an HR system's profile.

    ReadRefused (its message starts with the file's name) when the file cannot be read at
    all; ProfileError for a broken profile; ReadCancelled when cancelled() says so (it is
    asked every EVERY rows). known_payrolls and known_posts are people already held, whom
    rows may name as their manager."""
    path = Path(path)
    chosen = profile if isinstance(profile, Profile) else load_profile(profile)
    try:
        return _read(path, chosen, sheet, progress, cancelled, known_payrolls, known_posts)
    except ReadRefused as refused:
        raise ReadRefused(f"{path.name}: {refused}") from None


def _read(
    path: Path,
    profile: Profile,
    sheet: str | None,
    progress: Callable[[Step], None] | None,
    cancelled: Callable[[], bool] | None,
    known_payrolls: Collection[str],
    known_posts: Collection[str],
) -> Reading:
    with open_table(path, profile, sheet) as table:
        header = table.header
        reading = Reading(
            path.name, profile.name, table.sheet, table.encoding, header.rows, header.labels
        )
        reading.skipped.extend(table.above)
        payrolls, posts = set(known_payrolls), set(known_posts)
        count = 0
        watched = _Watched(table.rows, table.total, progress, cancelled)
        for item in classify(table.sheet, watched, header, profile):
            if isinstance(item, Skipped):
                reading.skipped.append(item)
                continue
            number, cells = item
            count += 1
            row, problems = read_row(number, cells, profile)
            if row is not None:
                reading.rows.append(row)
                continue
            failed = _keep_keys(cells, profile, payrolls, posts)
            if failed is not None:
                reading.failed_payrolls.add(failed)
            for name, rule, message in problems:
                reading.problems.append(
                    Problem(
                        table.sheet,
                        number,
                        header.labels.get(name, name),
                        rule,
                        _shown(name, cells.get(name)),
                        message,
                    )
                )
        if count == 0:
            where = "" if table.encoding else f"sheet {table.sheet!r} "
            raise ReadRefused(f"{where}has a header (row {header.rows[0]}) but no rows of people")
    reading.skipped.sort(key=lambda s: s.row)
    reading.problems.extend(
        check_rows(
            reading.rows,
            reading.sheet,
            header.labels,
            known_payrolls=payrolls,
            known_posts=posts,
        )
    )
    reading.problems.sort(key=lambda p: p.row)
    if progress is not None:
        progress(Step(STEP, watched.number, table.total))
    return reading


class _Watched:
    """The file's rows, reporting progress and asking cancelled() every EVERY rows."""

    def __init__(
        self,
        rows: Iterator[Numbered],
        total: int | None,
        progress: Callable[[Step], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self.rows, self.total, self.progress, self.cancelled = rows, total, progress, cancelled
        self.number = 0

    def __iter__(self) -> Iterator[Numbered]:
        last = 0
        for number, row in self.rows:
            self.number = number
            if number - last >= EVERY:
                last = number
                if self.cancelled is not None and self.cancelled():
                    raise ReadCancelled(STEP)
                if self.progress is not None:
                    self.progress(Step(STEP, number, self.total))
            yield number, row


def _keep_keys(
    cells: dict[str, object], profile: Profile, payrolls: set[str], posts: set[str]
) -> str | None:
    """A failed row's payroll and post numbers, so that rows naming it as their manager
    are not also reported as having an unknown manager. Returns its payroll number."""
    payroll = None
    for name, width, found in (
        ("payroll", profile.payroll_width, payrolls),
        ("post", profile.post_width, posts),
    ):
        try:
            number = values.key(cells.get(name), width)
        except ValueError:
            continue
        if number is not None:
            found.add(number)
            payroll = number if name == "payroll" else payroll
    return payroll


def _shown(name: str, value: object) -> str | None:
    """A cell as a problem shows it: never an equality field's."""
    if name in EQUALITY or values.empty(value):
        return None
    return str(value).strip()
