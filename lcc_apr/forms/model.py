"""What a form template is, once loaded: frozen dataclasses, no behaviour beyond lookups.

A template is declared in TOML under resources/forms/ (see docs/forms.md);
lcc_apr.forms.loader turns it into these objects and reports every mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from lcc_apr.models import RecordKind, Role


class FieldType(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    DATE = "date"
    NUMBER = "number"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    RATING = "rating"
    GROUP = "group"
    GUIDANCE = "guidance"


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Scale:
    """A named rating scale, best first (e.g. exceeds / meets / partly / not)."""

    key: str
    label: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Condition:
    """Visible only when another field (a sibling in a group, else top level) ...

    equals a value, is one of several, or is set at all. Declarative, never code.
    """

    field: str
    equals: Any = None
    one_of: tuple[Any, ...] | None = None
    is_set: bool | None = None

    def holds(self, value: Any) -> bool:
        if self.is_set is not None:
            return _is_set(value) == self.is_set
        if self.one_of is not None:
            return value in self.one_of
        return bool(value == self.equals)


@dataclass(frozen=True)
class WarnBelow:
    """A warning, never an error, when a number is below a limit HR sets in policy.

    `setting` names the limit (e.g. "supervision.minimum_session_minutes"); the caller
    hands the limits that apply to this record, and an absent one means no warning.
    `message` may hold {limit}.
    """

    setting: str
    message: str


@dataclass(frozen=True)
class Field:
    key: str
    type: FieldType
    label: str
    help: str = ""
    required: bool = False  # needed before any step that checks completeness
    required_at: frozenset[str] = frozenset()  # needed only before these workflow steps
    editable_by: frozenset[Role] | None = None  # None: as the enclosing group, else manager
    visible_when: tuple[Condition, ...] = ()
    prints: bool = True
    exports: bool = True  # a column of the HR system export (lcc_apr.hr.export)
    editable_after_signoff: bool = False
    sign_off_decision: bool = False  # the employee's agree/disagree, which their sign-off gives
    max_length: int | None = None
    min_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    earliest_days: int | None = None  # date window, relative to the record's date
    latest_days: int | None = None
    options: tuple[Option, ...] = ()
    scale: Scale | None = None
    fields: tuple[Field, ...] = ()  # a group's own fields
    min_items: int = 0
    max_items: int | None = None
    text: str = ""  # guidance shown read-only
    warn_below: WarnBelow | None = None

    @property
    def holds_answer(self) -> bool:
        return self.type is not FieldType.GUIDANCE

    def choices(self) -> tuple[Option, ...]:
        return self.scale.options if self.scale else self.options

    def label_of(self, value: Any) -> str:
        for option in self.choices():
            if option.value == value:
                return option.label
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[Field, ...]
    guidance: str = ""
    visible_when: tuple[Condition, ...] = ()
    # Workflow states in which its fields may change (empty: any the workflow allows).
    # A state a section names is that section's alone: no other field changes in it.
    editable_in: frozenset[str] = frozenset()
    # Workflow states in which only those who may write it see it (the employee's
    # self-assessment while they prepare: their manager sees it once sent).
    private_in: frozenset[str] = frozenset()


HEADER_ITEMS = ("grade", "post", "date_in_post", "period_covered")  # print_header's choices


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    kind: RecordKind
    title: str
    sections: tuple[Section, ...]
    description: str = ""
    source: str = ""
    scales: dict[str, Scale] = field(default_factory=dict)
    path: Path | None = None
    print_header: tuple[str, ...] = ()  # extra details the PDF's header prints (HEADER_ITEMS)

    def fields(self) -> list[Field]:
        """Every top-level field in order, across sections."""
        return [f for s in self.sections for f in s.fields]

    def field(self, key: str) -> Field:
        for candidate in self.fields():
            if candidate.key == key:
                return candidate
        raise KeyError(f"{self.id} v{self.version} has no field {key!r}")

    def decision_field(self) -> Field | None:
        """The top-level answer holding the employee's sign-off decision, if the form has one."""
        return next((f for f in self.fields() if f.sign_off_decision), None)

    def reserved_states(self) -> frozenset[str]:
        """The workflow states some section keeps to itself (its `editable_in`)."""
        return frozenset(state for s in self.sections for state in s.editable_in)

    def changes_in(self, section: Section, statuses: frozenset[str]) -> bool:
        """Whether `section`'s fields may change at any of `statuses` (as far as the
        template says; the workflow and the field's editors have their say too)."""
        if section.editable_in:
            return bool(section.editable_in & statuses)
        return bool(statuses - self.reserved_states())

    def section_of(self, key: str) -> Section:
        for section in self.sections:
            if any(f.key == key for f in section.fields):
                return section
        raise KeyError(key)


def _is_set(value: Any) -> bool:
    return value not in (None, "", [], {})


def is_visible(conditions: tuple[Condition, ...], *scopes: dict[str, Any]) -> bool:
    """All conditions hold, each looked up in the nearest scope that has its field."""
    for condition in conditions:
        value = next((s[condition.field] for s in scopes if condition.field in s), None)
        if not condition.holds(value):
            return False
    return True
