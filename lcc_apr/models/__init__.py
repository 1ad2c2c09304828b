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
from .organisation import Department, Employee, User, UserRole
from .records import Record, RecordChange, SignOff

__all__ = [
    "AgeBand",
    "Base",
    "ChangeAction",
    "ContractType",
    "Department",
    "Disability",
    "Employee",
    "Ethnicity",
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
    "User",
    "UserRole",
    "now_utc",
]
