"""The domain model (SQLAlchemy 2 typed ORM), shared by the desktop cache and the server.

The enums load at once; the ORM classes (and SQLAlchemy) when one is first asked for, all
together: the main window's frame shows before SQLAlchemy has loaded (ui.app).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .enums import (
    AgeBand,
    ChangeAction,
    ContractType,
    Disability,
    Ethnicity,
    RecordKind,
    Religion,
    Role,
    Sex,
    SexualOrientation,
    SignOffDecision,
    SignOffRole,
)

if TYPE_CHECKING:
    from .absence import Absence
    from .base import Base, now_utc
    from .hr import HrExport, HrRegisterEntry
    from .organisation import Department, Employee, Post, PostHistory, User, UserRole
    from .records import Record, RecordChange, SignOff
    from .signing import OwnCertificate, TrustAnchor, TrustMaterial, TrustRevocation
    from .sync import Conflict, Purge, PushBatch, RecordEvent, SyncState

_ORM = {  # module -> the names it gives
    "absence": ("Absence",),
    "base": ("Base", "now_utc"),
    "hr": ("HrExport", "HrRegisterEntry"),
    "organisation": ("Department", "Employee", "Post", "PostHistory", "User", "UserRole"),
    "records": ("Record", "RecordChange", "SignOff"),
    "signing": ("OwnCertificate", "TrustAnchor", "TrustRevocation", "TrustMaterial"),
    "sync": ("Conflict", "Purge", "PushBatch", "RecordEvent", "SyncState"),
}


def __getattr__(name: str) -> Any:
    """An ORM class: every model module loads (the metadata is whole), then the name."""
    if not any(name in names for names in _ORM.values()):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module, names in _ORM.items():
        loaded = import_module(f".{module}", __name__)
        globals().update({n: getattr(loaded, n) for n in names})
    return globals()[name]


__all__ = [
    "Absence",
    "AgeBand",
    "Base",
    "ChangeAction",
    "Conflict",
    "ContractType",
    "Department",
    "Disability",
    "Employee",
    "Ethnicity",
    "HrExport",
    "HrRegisterEntry",
    "OwnCertificate",
    "Post",
    "PostHistory",
    "Purge",
    "PushBatch",
    "RecordEvent",
    "Record",
    "RecordChange",
    "RecordKind",
    "Religion",
    "Role",
    "Sex",
    "SexualOrientation",
    "SignOff",
    "SignOffDecision",
    "SignOffRole",
    "SyncState",
    "TrustAnchor",
    "TrustMaterial",
    "TrustRevocation",
    "User",
    "UserRole",
    "now_utc",
]
