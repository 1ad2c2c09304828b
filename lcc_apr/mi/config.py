"""HR's management-information settings (resources/mi/config.toml) and the measures'
definitions (resources/mi/measures.toml), read and checked once. A wrong file is refused
with the file, the key and what is wrong."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lcc_apr.paths import resources_dir


class MiConfigError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Disclosure(_Strict):
    threshold: int = 10
    round_to: int = 0

    @field_validator("threshold")
    @classmethod
    def _at_least_5(cls, value: int) -> int:
        if value < 5:
            raise ValueError("the disclosure threshold is never below 5")
        return value

    @field_validator("round_to")
    @classmethod
    def _rounding(cls, value: int) -> int:
        if value not in (0, 5):
            raise ValueError("round_to is 0 (no rounding) or 5")
        return value


class AprRules(_Strict):
    starter_days: int = Field(default=90, ge=0)
    deadline_grace_days: int = Field(default=0, ge=0)
    long_absence_days: int = Field(default=90, ge=1)
    monitored_ratings: tuple[str, ...] = ("partly_meets", "does_not_meet")
    monitored_ratings_label: str = "Rated below 'meets expectations'"


class Grace(_Strict):
    grace_days: int = Field(default=7, ge=0)


class Grades(_Strict):
    senior_from: int = 13


class Target(_Strict):
    label: str
    characteristic: str
    groups: tuple[str, ...]
    percent: float = Field(ge=0, le=100)
    source: str


class Equality(_Strict):
    band: tuple[float, float] = (0.8, 1.25)
    targets: tuple[Target, ...] = ()

    @field_validator("band")
    @classmethod
    def _band(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 < value[0] < 1 < value[1]:
            raise ValueError("the band runs from below 1 to above 1, e.g. [0.8, 1.25]")
        return value


class MiConfig(_Strict):
    disclosure: Disclosure = Disclosure()
    apr: AprRules = AprRules()
    supervision: Grace = Grace()
    probation: Grace = Grace()
    grades: Grades = Grades()
    equality: Equality = Equality()


class Definition(_Strict):
    title: str
    definition: str
    axis: str = ""


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MiConfigError(f"{path}: cannot be read: {exc}") from exc


def _problems(path: Path, exc: ValidationError) -> MiConfigError:
    lines = [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    return MiConfigError("\n".join(lines))


def load_mi_config(path: Path | None = None) -> MiConfig:
    path = path or resources_dir() / "mi" / "config.toml"
    try:
        return MiConfig.model_validate(_read(path))
    except ValidationError as exc:
        raise _problems(path, exc) from exc


@cache
def definitions(path: Path | None = None) -> dict[str, Definition]:
    """Each view's title, definition and axis label, by view key."""
    path = path or resources_dir() / "mi" / "measures.toml"
    try:
        return {k: Definition.model_validate(v) for k, v in _read(path).items()}
    except ValidationError as exc:
        raise _problems(path, exc) from exc
