"""Management information on the server (GET /mi/choices, GET /mi/dashboard): the desktop's
views (lcc_apr.mi), counted on the server's database within the caller's scope.

- HR: the whole council, any department or section, and equality monitoring.
- A manager: the people scope.py says they see (never themselves; their reports' reports
  only with `indirect_reports`, and never those people's capability cases); no
  department, no equality monitoring.
- Anyone else: 403.

Each dashboard read and each refusal is audited: the user id, the route with the filters
(year, department id, kind) as its query, and the outcome. Never a name or a figure.
Called by lcc_apr/server/routes/mi.py on a request's thread.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lcc_apr.mi import measures
from lcc_apr.mi.config import load_mi_config
from lcc_apr.mi.shape import area_choices
from lcc_apr.mi.table import KINDS, YEARS_SHOWN, Dashboard, Filters
from lcc_apr.models import Department, Employee, Role, now_utc
from lcc_apr.policy import load_policy
from lcc_apr.schedule.cycles import cycle_of
from lcc_apr.uk_time import uk_time

from . import audit
from .errors import ApiError
from .scope import Viewer

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the cycle years a dashboard may be asked for
CHOICES, DASHBOARD = "mi_choices", "mi_dashboard"  # audit events
MI_ONLY = "Management information is for HR and managers."
OWN_AREA = "A manager sees their own area only: ask without a department."
EQUALITY_HR = "Equality monitoring is for HR."
NO_AREA = "There is no department or section with that id."


def server_today() -> date:
    """Today in the UK, by the server's clock (`now_utc`)."""
    return uk_time(now_utc())[0].date()


def may_see_mi(viewer: Viewer) -> bool:
    return viewer.is_hr or Role.MANAGER in viewer.roles


def audited_route(route: str, filters: Filters) -> str:
    """The route with the filters as its query: "/mi/dashboard?year=2025&department_id=0&
    kind=all" (ids and the year only; at most 70 characters)."""
    return f"{route}?{urlencode(filters.describe())}"


class MiAudit:
    """One request's audit entry: `record` an outcome, or `refuse` (audited, then raised).
    The session's read is ended first: on SQLite the entry's own write transaction must not
    wait behind it."""

    def __init__(self, session: Session, engine: Engine, user_id: int, event: str, route: str):
        self.session, self.engine = session, engine
        self.user_id, self.event, self.route = user_id, event, route

    def record(self, outcome: str) -> None:
        self.session.rollback()
        audit.write(self.engine, self.user_id, self.event, self.route, outcome)

    def refuse(self, status: int, detail: str, code: str) -> ApiError:
        self.record(f"refused:{code}")
        return ApiError(status, detail, code=code)


def choices(session: Session, viewer: Viewer, *, entry: MiAudit, today: date) -> dict[str, Any]:
    """GET /mi/choices: the areas, years and kinds this user may choose (as ops.mi_choices)."""
    if not may_see_mi(viewer):
        raise entry.refuse(403, MI_ONLY, "mi_refused")
    newest = cycle_of(today, load_policy()).year
    years = list(range(newest, newest - YEARS_SHOWN, -1))
    areas = area_choices(session) if viewer.is_hr else ((None, "My area"),)
    kinds = [k for k in KINDS if viewer.is_hr or k[0] != "equality"]
    return {
        "areas": [{"id": i, "label": label} for i, label in areas],
        "years": years,
        "kinds": [{"key": k, "label": label} for k, label in kinds],
        "council": viewer.is_hr,
    }


def dashboard(
    session: Session, viewer: Viewer, *, filters: Filters, entry: MiAudit, today: date
) -> dict[str, Any]:
    """GET /mi/dashboard: every view for `filters` within the viewer's scope, audited."""
    if not may_see_mi(viewer):
        raise entry.refuse(403, MI_ONLY, "mi_refused")
    if not viewer.is_hr and filters.department_id is not None:
        raise entry.refuse(403, OWN_AREA, "own_area_only")
    if not viewer.is_hr and filters.kind == "equality":
        raise entry.refuse(403, EQUALITY_HR, "hr_only")
    if filters.department_id is not None and session.get(Department, filters.department_id) is None:
        raise entry.refuse(404, NO_AREA, "no_such_area")
    people = None if viewer.is_hr else Employee.id.in_(sorted(viewer.sees_people()))
    try:
        board = measures.dashboard(
            session,
            filters=filters,
            policy=load_policy(),
            config=load_mi_config(),
            today=today,
            people=people,
            exclude_id=None if viewer.is_hr else viewer.employee_id,
            cases_of=None if viewer.is_hr else viewer.direct,
        )
    except Exception:
        entry.record("error")
        raise
    entry.record("ok")
    return dashboard_wire(board)


def dashboard_wire(board: Dashboard) -> dict[str, Any]:
    """A Dashboard as MiDashboardReply's dict: the released cells only, as on the desktop."""
    tables = []
    for table in board.tables:
        row = asdict(table)
        row["chart"]["kind"] = table.chart.kind.value
        tables.append(row)
    f = board.filters
    return {
        "year": f.year,
        "department_id": f.department_id,
        "kind": f.kind,
        "area_title": board.area_title,
        "tables": tables,
    }
