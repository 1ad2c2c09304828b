"""Departments, employees, users and roles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, intpk, str200, utc
from .enums import (
    AgeBand,
    ContractType,
    Disability,
    Ethnicity,
    Religion,
    Role,
    Sex,
    SexualOrientation,
)


def enum_type(cls: type[StrEnum]) -> Enum:
    """A portable string column holding an enum's values (no native PG enum)."""
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def full_name(first_name: str, preferred_name: str | None, last_name: str) -> str:
    """How a person is named on every screen and in every list: the name they go by (the
    preferred name, else the legal first name), then the surname."""
    return f"{preferred_name or first_name} {last_name}"


class Department(Base):
    """A department or a section within one (parent_id)."""

    __tablename__ = "departments"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str200]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    parent: Mapped[Department | None] = relationship(remote_side="Department.id")


class Employee(Base):
    __tablename__ = "employees"

    id: Mapped[intpk]
    payroll_number: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str200]
    last_name: Mapped[str] = mapped_column(String(200), index=True)
    preferred_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    job_title: Mapped[str200]
    grade: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    contract_type: Mapped[ContractType] = mapped_column(enum_type(ContractType))
    fte: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    probation_end_date: Mapped[date | None] = mapped_column(Date)
    leaving_date: Mapped[date | None] = mapped_column(Date)
    # Equality monitoring: optional; NULL means no return held.
    sex: Mapped[Sex | None] = mapped_column(enum_type(Sex))
    age_band: Mapped[AgeBand | None] = mapped_column(enum_type(AgeBand))
    ethnicity: Mapped[Ethnicity | None] = mapped_column(enum_type(Ethnicity))
    disability: Mapped[Disability | None] = mapped_column(enum_type(Disability))
    sexual_orientation: Mapped[SexualOrientation | None] = mapped_column(
        enum_type(SexualOrientation)
    )
    religion: Mapped[Religion | None] = mapped_column(enum_type(Religion))

    department: Mapped[Department] = relationship()
    line_manager: Mapped[Employee | None] = relationship(remote_side="Employee.id")

    @property
    def display_name(self) -> str:
        return full_name(self.first_name, self.preferred_name, self.last_name)

    @property
    def full_time(self) -> bool:
        return self.fte >= 1


class Post(Base):
    """A post held by an employee, as the HR system knows it: its key is the employee's
    payroll number and the post (assignment) number, "" when the HR system gives none.
    One person may hold several; the primary one is what the employee row mirrors (job
    title, grade, department, line manager, contract and FTE)."""

    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("employee_id", "post_number"),)

    id: Mapped[intpk]
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    post_number: Mapped[str] = mapped_column(String(20))
    is_primary: Mapped[bool] = mapped_column(Boolean)
    job_title: Mapped[str200]
    grade: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    contract_type: Mapped[ContractType | None] = mapped_column(enum_type(ContractType))
    fte: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))
    weekly_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 3))
    staff_group: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # the last day held


class PostHistory(Base):
    """What a post was from `valid_from` until the day before `valid_to` (None: still):
    its job title, grade, department and line manager. A change opens a new row."""

    __tablename__ = "post_history"
    __table_args__ = (Index("ix_post_history_post_from", "post_id", "valid_from"),)

    id: Mapped[intpk]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    job_title: Mapped[str200]
    grade: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))

    post: Mapped[Post] = relationship()


class User(Base):
    """Someone who signs in. Staff users link to their employee row."""

    __tablename__ = "users"

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(100), unique=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), unique=True)
    display_name: Mapped[str200]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[utc]

    employee: Mapped[Employee | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    def __init__(self, *, roles: tuple[Role, ...] = (), **kw: Any) -> None:
        super().__init__(**kw)
        self.role_rows = [UserRole(role=r) for r in roles]


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_type(Role), primary_key=True)
