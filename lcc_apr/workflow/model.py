"""Workflow state machines: states, transitions, and who may take each one.

Each kind's states sit on one small lifecycle shared by all kinds: a record
is editable, locked (signed, or closed), or being amended (which voids its
signatures, kept in the history). Parties: the subject's line manager, the
subject (the employee), and HR. A manager may never act on their own record.
Step labels name people as {employee} and {manager}; `fill_names` fills them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lcc_apr.forms import Condition, Problem
from lcc_apr.models import RecordKind, Role, SignOffRole

PREVIOUS = "@previous"  # a target meaning: the state before the last amendment
ACCEPTED = "accepted"  # HR has taken the record into its register (HR's intake)
RETURNED = "returned"  # HR has sent the record back to the manager with a note
AMEND_PROMPT = "Say why the record is being amended; the reason is kept in its history."


class Lifecycle(StrEnum):
    EDITABLE = "editable"
    LOCKED = "locked"


class Party(StrEnum):
    MANAGER = "manager"  # the subject's line manager
    EMPLOYEE = "employee"  # the subject of the record
    HR = "hr"


# The user role a party acts in (whose fields it edits); the role it signs as; and back.
PARTY_ROLE: dict[Party, Role] = {
    Party.MANAGER: Role.MANAGER,
    Party.EMPLOYEE: Role.EMPLOYEE,
    Party.HR: Role.HR,
}
PARTY_SIGN_OFF_ROLE: dict[Party, SignOffRole] = {
    p: SignOffRole(r.value) for p, r in PARTY_ROLE.items()
}
SIGN_OFF_PARTY: dict[SignOffRole, Party] = {r: p for p, r in PARTY_SIGN_OFF_ROLE.items()}


class WorkflowError(Exception):
    """A step, start, deletion or restore refused; the message says why in plain words."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


@dataclass(frozen=True)
class Actor:
    """The person acting, as seen from one record."""

    user_id: int
    roles: frozenset[Role]
    is_subject: bool = False  # the record is about them
    is_line_manager: bool = False  # they manage the subject

    def parties(self) -> frozenset[Party]:
        found = set()
        if self.is_subject:
            found.add(Party.EMPLOYEE)
        if self.is_line_manager and Role.MANAGER in self.roles and not self.is_subject:
            found.add(Party.MANAGER)
        if Role.HR in self.roles and not self.is_subject:
            found.add(Party.HR)
        return frozenset(found)


def fill_names(label: str, *, employee: str = "the employee", manager: str = "the manager") -> str:
    """A step label with its {employee} and {manager} filled in (by default in plain words)."""
    return label.replace("{employee}", employee).replace("{manager}", manager)


@dataclass(frozen=True)
class State:
    name: str
    label: str
    lifecycle: Lifecycle = Lifecycle.EDITABLE
    shared: bool = True  # visible to the employee in this state
    final: bool = False
    # The parties who may change answers at this stage (each only the fields the template
    # gives them); None: every party. What a party who may not is told (names as in labels).
    editors: frozenset[Party] | None = None
    waiting: tuple[tuple[Party, str], ...] = ()

    def may_edit(self, party: Party) -> bool:
        return self.editors is None or party in self.editors

    def waiting_for(self, parties: frozenset[Party]) -> str:
        """Why these parties cannot change the record now, in words; "" when they can."""
        if any(self.may_edit(p) for p in parties):
            return ""
        return next((text for party, text in self.waiting if party in parties), "")


@dataclass(frozen=True)
class Transition:
    name: str  # also the "step" templates use in required_at
    label: str  # button text; {employee} and {manager} are filled in
    sources: tuple[str, ...]
    target: str
    parties: frozenset[Party]
    complete: bool = True  # the record must pass strict validation for this step
    when: tuple[Condition, ...] = ()  # answers that must hold (e.g. outcome is fail)
    needs_reason: bool = False  # a written reason is recorded (amendments, HR's returns)
    voids_signatures: bool = False
    # A step into a locked state is taken by signing, except a step with signs=False
    # (HR's acceptance into its register: a decision about the record, not its content).
    signs: bool = True
    reason_prompt: str = AMEND_PROMPT  # what a step that needs a reason asks for
    # Offered only when the record's template keeps the target state to a section of its
    # own (`editable_in`): an optional stage older template versions do not have.
    template_stage: bool = False
    # Strict validation of only the sections the source state is kept for (a step that
    # ends such a stage), rather than of the whole record.
    completes_stage: bool = False


@dataclass(frozen=True)
class Workflow:
    kind: RecordKind
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]

    def state(self, name: str) -> State:
        for state in self.states:
            if state.name == name:
                return state
        raise KeyError(f"{self.kind.value} records have no state {name!r}")

    def transition(self, name: str) -> Transition:
        for transition in self.transitions:
            if transition.name == name:
                return transition
        raise KeyError(f"{self.kind.value} records have no step {name!r}")

    def steps_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]
