"""Management information for HR and managers: the dashboards' figures, their exports and
the committee pack, within the asker's area (HR: the council; a manager: the people they
manage; staff: none). Every export is audited with the view, the filters and the file's
SHA-256, never a figure or a name. Any worker thread; no Qt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lcc_apr.mi import measures
from lcc_apr.mi.config import MiConfig, load_mi_config
from lcc_apr.mi.shape import area_choices
from lcc_apr.mi.table import KINDS, YEARS_SHOWN, Dashboard, Filters, Table
from lcc_apr.models import Employee
from lcc_apr.policy import Policy
from lcc_apr.schedule.cycles import cycle_of
from lcc_apr.store import Store

from .audit import audit
from .mi_access import may_see_mi
from .profiles import in_scope
from .user import CurrentUser

MI_EXPORTED = "mi_exported"


class MiRefused(PermissionError):
    """The asker has no management information (staff), or asked outside their area."""


@dataclass(frozen=True)
class MiChoices:
    """What the dashboards' filters offer this user."""

    areas: tuple[tuple[int | None, str], ...]  # (department id or None for all, label)
    years: tuple[int, ...]  # cycle years, newest first (2025 is 2025/26)
    kinds: tuple[tuple[str, str], ...]  # (key, label); equality only for HR
    council: bool  # True for HR: the whole council; False: a manager's own area


def _check(user: CurrentUser) -> None:
    if not may_see_mi(user):
        raise MiRefused("Management information is for HR and managers.")


def mi_choices(store: Store, *, user: CurrentUser, policy: Policy, today: date) -> MiChoices:
    """Read: the areas, years and kinds this user may choose."""
    _check(user)
    newest = cycle_of(today, policy).year
    years = tuple(range(newest, newest - YEARS_SHOWN, -1))
    if not user.is_hr:
        kinds = tuple(k for k in KINDS if k[0] != "equality")
        return MiChoices(((None, "My area"),), years, kinds, council=False)
    with store.session() as session:
        areas = area_choices(session)
    return MiChoices(areas, years, KINDS, council=True)


def dashboard(
    store: Store,
    *,
    user: CurrentUser,
    filters: Filters,
    policy: Policy,
    today: date,
    config: MiConfig | None = None,
) -> Dashboard:
    """Read: every view for `filters`, within the user's area, through disclosure control."""
    _check(user)
    if filters.kind == "equality" and not user.is_hr:
        raise MiRefused("Equality monitoring is for HR.")
    if filters.department_id is not None and not user.is_hr:
        raise MiRefused("A manager sees their own area only.")
    config = config or load_mi_config()
    with store.session() as session:
        people = None if user.is_hr else in_scope(session, user, policy)
        # A manager's capability and attendance count their direct reports only, as on the
        # server (the laptop holds no one else's cases, interviews or absences).
        direct = None if user.is_hr else direct_reports(session, user.employee_id)
        return measures.dashboard(
            session,
            filters=filters,
            policy=policy,
            config=config,
            today=today,
            people=people,
            exclude_id=None if user.is_hr else user.employee_id,
            cases_of=direct,
        )


def direct_reports(session: Session, manager_id: int | None) -> set[int]:
    """The people whose line manager is `manager_id`. The caller's thread and session."""
    if manager_id is None:
        return set()
    found = session.scalars(select(Employee.id).where(Employee.line_manager_id == manager_id))
    return set(found) - {manager_id}


def export_view(
    store: Store, *, user: CurrentUser, table: Table, fmt: str, path: Path, filters: Filters
) -> str:
    """Write one view's chart (png, svg, pdf) or table (csv, xlsx); audited. Returns the
    file's SHA-256."""
    _check(user)
    from lcc_apr.mi import files  # matplotlib: loaded when first needed, not with the window

    if fmt in files.CHART_FORMATS:
        digest = files.write_chart(table, path, fmt)
    elif fmt in files.TABLE_FORMATS:
        digest = files.write_table(table, path, fmt)
    else:
        raise ValueError(f"Unknown format: {fmt}")
    audit(store, user, MI_EXPORTED, view=table.key, format=fmt, sha256=digest, **filters.describe())
    return digest


def export_pack(
    store: Store,
    *,
    user: CurrentUser,
    board: Dashboard,
    path: Path,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> str:
    """Write the committee pack (every view of `board` in one PDF); audited."""
    _check(user)
    from lcc_apr.mi import pack  # reportlab and matplotlib: loaded when first needed

    digest = pack.write_pack(
        board, path, made_by=user.display_name, progress=progress, cancelled=cancelled
    )
    audit(
        store,
        user,
        MI_EXPORTED,
        view="pack",
        format="pdf",
        sha256=digest,
        **board.filters.describe(),
    )
    return digest
