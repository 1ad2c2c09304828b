"""The domain model (SQLAlchemy 2 typed ORM), shared by the desktop cache and the server."""

from .base import Base, now_utc
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
from .hr import HrExport, HrRegisterEntry
from .organisation import Department, Employee, Post, PostHistory, User, UserRole
from .records import Record, RecordChange, SignOff
from .signing import OwnCertificate, TrustAnchor, TrustRevocation
from .sync import Conflict, Purge, PushBatch, SyncState

__all__ = [
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
    "TrustRevocation",
    "User",
    "UserRole",
    "now_utc",
]
