"""Who may see management information: kept apart from `ops.mi` so the main window can ask
without loading the measures (about 0.15 s) at start."""

from __future__ import annotations

from .user import CurrentUser


def may_see_mi(user: CurrentUser) -> bool:
    return user.is_hr or user.is_manager
