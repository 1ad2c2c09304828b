"""One row of an organisation file: one post held by one person, checked field by field.

PostRow.model_validate(cells, context=profile) reads raw cells (field name -> what the
file holds) through lcc_apr.hr.values; a cell that cannot be read fails with the rule
named in lcc_apr.hr.values. Equality fields are left out of repr() and of every message.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from lcc_apr.models.enums import (
    AgeBand,
    ContractType,
    Disability,
    Ethnicity,
    Religion,
    Sex,
    SexualOrientation,
)

from . import values
from .profiles import Profile

FTE_RANGE = (Decimal(0), Decimal(1))  # more than 0, at most 1
HOURS_RANGE = (Decimal(0), Decimal(60))  # more than 0, at most 60 a week
TEXT_LENGTH = 200

# pydantic's own error types, as rule names
_RULES = {"missing": "required", "string_too_long": "too-long"}

Text = Annotated[str, StringConstraints(max_length=TEXT_LENGTH)]


class PostRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    row: int  # the row number in the sheet (1 is the first line of the file)
    payroll: str
    post: str | None = None
    first_name: Text
    last_name: Text
    preferred_name: Text | None = None
    email: str | None = None
    department: Text
    section: Text | None = None
    job_title: Text
    grade: Annotated[str, StringConstraints(max_length=20)]
    manager_payroll: str | None = None
    manager_post: str | None = None
    contract_type: ContractType | None = None
    fte: Decimal | None = None
    weekly_hours: Decimal | None = None
    start_date: date
    probation_end_date: date | None = None
    leaving_date: date | None = None
    staff_group: Text | None = None
    primary: bool | None = None
    # Equality monitoring: None when the file holds no answer. Never shown in repr().
    sex: Sex | None = Field(default=None, repr=False)
    ethnicity: Ethnicity | None = Field(default=None, repr=False)
    disability: Disability | None = Field(default=None, repr=False)
    age_band: AgeBand | None = Field(default=None, repr=False)
    date_of_birth: date | None = Field(default=None, repr=False)
    sexual_orientation: SexualOrientation | None = Field(default=None, repr=False)
    religion: Religion | None = Field(default=None, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """The HR system's permanent key for this post held: (payroll, post)."""
        return self.payroll, self.post or ""

    @field_validator("payroll", "manager_payroll", mode="before")
    @classmethod
    def _payroll(cls, value: object, info: ValidationInfo) -> str | None:
        return values.key(value, _profile(info).payroll_width)

    @field_validator("post", "manager_post", mode="before")
    @classmethod
    def _post(cls, value: object, info: ValidationInfo) -> str | None:
        return values.key(value, _profile(info).post_width)

    @field_validator(
        "first_name",
        "last_name",
        "preferred_name",
        "department",
        "section",
        "job_title",
        "grade",
        "staff_group",
        mode="before",
    )
    @classmethod
    def _text(cls, value: object) -> str | None:
        return values.text(value)

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: object) -> str | None:
        return values.email(value)

    @field_validator("fte", mode="before")
    @classmethod
    def _fte(cls, value: object) -> Decimal | None:
        return values.number(value, "fte-range", *FTE_RANGE)

    @field_validator("weekly_hours", mode="before")
    @classmethod
    def _hours(cls, value: object) -> Decimal | None:
        return values.number(value, "hours-range", *HOURS_RANGE)

    @field_validator(
        "start_date", "probation_end_date", "leaving_date", "date_of_birth", mode="before"
    )
    @classmethod
    def _date(cls, value: object, info: ValidationInfo) -> date | None:
        return values.day(value, _profile(info).date_formats)

    @field_validator("primary", mode="before")
    @classmethod
    def _primary(cls, value: object, info: ValidationInfo) -> bool | None:
        return values.flag(value, _profile(info))

    @field_validator(
        "contract_type",
        "sex",
        "ethnicity",
        "disability",
        "age_band",
        "sexual_orientation",
        "religion",
        mode="before",
    )
    @classmethod
    def _code(cls, value: object, info: ValidationInfo) -> str | None:
        assert info.field_name is not None
        return values.code(value, info.field_name, _profile(info))


def _profile(info: ValidationInfo) -> Profile:
    profile = info.context
    if not isinstance(profile, Profile):
        raise TypeError("PostRow.model_validate needs context=<Profile>")
    return profile


# A cell problem as the row model sees it: (field, rule, message).
CellProblem = tuple[str, str, str]


def read_row(
    number: int, cells: dict[str, Any], profile: Profile
) -> tuple[PostRow | None, list[CellProblem]]:
    """The checked row, or None and each cell's problem. cells holds no empty cell, so a
    required field with an empty cell fails as 'required'."""
    data: dict[str, Any] = {**cells, "row": number}
    try:
        return PostRow.model_validate(data, context=profile), []
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False, include_input=False):
            field = str(item["loc"][0]) if item["loc"] else "row"
            rule = _RULES.get(item["type"], item["type"])
            message = "a value is needed" if rule == "required" else item["msg"]
            problems.append((field, rule, message))
        return None, problems
