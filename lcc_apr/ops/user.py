"""The signed-in person, as every op that depends on who asks receives it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lcc_apr.models import Role

if TYPE_CHECKING:
    from lcc_apr.models import User


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in person."""

    user_id: int
    display_name: str
    roles: frozenset[Role]
    employee_id: int | None = None  # None for accounts with no staff record (admin)

    @property
    def is_manager(self) -> bool:
        return Role.MANAGER in self.roles

    @property
    def is_hr(self) -> bool:
        return Role.HR in self.roles

    @classmethod
    def from_user(cls, user: User) -> CurrentUser:
        return cls(user.id, user.display_name, frozenset(user.roles), user.employee_id)

    @classmethod
    def from_server(cls, user: Mapping[str, Any]) -> CurrentUser:
        """From the user the server's sign-in returns."""
        roles = frozenset(Role(r) for r in user.get("roles", []))
        name = user.get("display_name") or user["username"]
        return cls(user["id"], name, roles, user.get("employee_id"))
