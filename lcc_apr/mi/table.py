"""What a view shows: a table of cells already through disclosure control, the chart drawn
from it, and the words defining it. Everything downstream (screen, tooltips, CSV, XLSX,
charts, the PDF pack) reads only these values, so a withheld figure cannot leak."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

WITHHELD = "withheld"  # a rate whose numerator or denominator is under the threshold
NOT_APPLICABLE = "-"


@dataclass(frozen=True)
class Cell:
    """One released figure: `text` as shown everywhere ("12", "<10", "withheld", "45.2%");
    `value` the number behind it, None when nothing may be released (suppressed, withheld,
    not applicable). A chart plots `value` only."""

    text: str
    value: float | None = None

    @property
    def hidden(self) -> bool:
        return self.value is None


class ChartKind(StrEnum):
    BAR = "bar"  # one bar per row (horizontal, labels readable)
    LINE = "line"  # rows are years: a trend


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    column: int  # which column's values are plotted
    axis_label: str  # "Completed (%)"
    percent: bool = False  # the axis runs 0-100
    band: tuple[float, float] | None = None  # a shaded band (relative likelihood: 0.8-1.25)


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    total: bool = False  # a margin row (the council total)
    flagged: bool = False  # outside the band (equality views)


@dataclass(frozen=True)
class Table:
    """One view: `key` names it in exports and the audit ("apr_completion")."""

    key: str
    title: str
    stub: str  # the heading of the label column ("Department", "Year", "Ethnicity")
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: Chart
    definition: str  # what is counted, from resources/mi/measures.toml
    disclosure: str  # the rule applied ("Counts 1-9 shown as <10; ...") or "None"
    message: str = ""  # a plain message instead of figures ("No staff in this area")
    notes: tuple[str, ...] = field(default=())  # sources, misprints, configuration

    @property
    def empty(self) -> bool:
        return bool(self.message) or not self.rows


class Area(StrEnum):
    COUNCIL = "council"
    DEPARTMENT = "department"
    SECTION = "section"


KINDS = (  # the kinds of view a dashboard may be narrowed to: (key, label)
    ("apr", "Annual Performance Reviews"),
    ("supervision", "Supervisions"),
    ("probation", "Probation"),
    ("capability", "Capability"),
    ("attendance", "Attendance"),
    ("equality", "Equality monitoring"),
)
YEARS_SHOWN = 5  # the years the filters offer, the current cycle's first


@dataclass(frozen=True)
class Filters:
    """What a dashboard shows: an area (None: the whole council, or a manager's own area),
    a cycle year (the APR year starting 1 April: 2025 is 2025/26), and a kind of view."""

    year: int
    department_id: int | None = None  # a department or a section
    kind: str | None = (
        None  # "apr" | "supervision" | "probation" | "capability" | "attendance" | "equality"
    )

    def describe(self) -> dict[str, str | int]:
        """For the audit: ids and the year, never names."""
        return {
            "year": self.year,
            "department_id": self.department_id or 0,
            "kind": self.kind or "all",
        }


@dataclass(frozen=True)
class Dashboard:
    """Every view for one set of filters, in the order shown."""

    filters: Filters
    area_title: str  # "Leicestershire County Council", "Corporate Resources", "My area"
    tables: tuple[Table, ...]
