"""Management information's wire shapes (GET /mi/choices and GET /mi/dashboard, HR and
managers), gathered into lcc_apr.sync.protocol with the rest; docs/sync-protocol.md has a
table for each.

A dashboard travels as `lcc_apr.mi.table.Dashboard` is: every figure already through
disclosure control (a cell's `value` is null whenever its text is "<10", "withheld" or
"-"), so nothing hidden on the desktop can be read from the wire.
"""

from __future__ import annotations

from typing import Literal

from .wirebase import Wire

MiKind = Literal["apr", "supervision", "probation", "capability", "attendance", "equality"]


class MiAreaWire(Wire):
    id: int | None  # a department or section; None: the whole council or "My area"
    label: str


class MiKindWire(Wire):
    key: MiKind
    label: str


class MiChoicesReply(Wire):
    """GET /mi/choices: what the dashboards' filters offer this user."""

    areas: list[MiAreaWire]
    years: list[int]  # cycle years, newest first (2025 is 2025/26)
    kinds: list[MiKindWire]  # equality for HR only
    council: bool  # HR: the whole council; a manager: their own area


class MiCellWire(Wire):
    text: str  # as shown: "12", "<10", "withheld", "45.2%", "-"
    value: float | None = None  # None: nothing may be released


class MiRowWire(Wire):
    label: str
    cells: list[MiCellWire]
    total: bool = False  # a margin row
    flagged: bool = False  # outside the band (equality views)


class MiChartWire(Wire):
    kind: Literal["bar", "line"]
    column: int  # which column's values are plotted
    axis_label: str
    percent: bool = False
    band: tuple[float, float] | None = None


class MiTableWire(Wire):
    key: str
    title: str
    stub: str
    columns: list[str]
    rows: list[MiRowWire]
    chart: MiChartWire
    definition: str
    disclosure: str
    message: str = ""
    notes: list[str] = []


class MiDashboardReply(Wire):
    """GET /mi/dashboard: every view for the filters, in the order shown."""

    year: int
    department_id: int | None
    kind: MiKind | None
    area_title: str
    tables: list[MiTableWire]
