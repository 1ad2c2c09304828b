"""Who may see management information: apart from `ops.mi`, so the main window asks
without loading the measures at start."""

from __future__ import annotations

from .user import CurrentUser


def may_see_mi(user: CurrentUser) -> bool:
    return user.is_hr or user.is_manager
