"""What an editing session offers and answers (lcc_apr.editing): the steps a person could
take now, and what a save wrote."""

from __future__ import annotations

from dataclasses import dataclass

from lcc_apr.forms import Problem


@dataclass(frozen=True)
class StepOption:
    """A workflow step the person could take now, as a button would show it."""

    name: str
    label: str  # with the employee's and manager's names filled in
    missing: tuple[Problem, ...]  # answers still needed (strict validation for the step)
    needs_reason: bool
    voids_signatures: bool
    locks: bool = False  # afterwards the record is signed or closed, and locked
    signs: bool = False  # taken by signing (EditSession.sign), never by take()
    decisions: tuple[str, ...] = ()  # for a signing step: "agree"/"disagree", or "confirm"
    decided: str = ""  # the employee's decision as the form words it, when the form asks it
    reason: str = ""  # why they disagree, as the form says it (the sign-off's reason to start)
    reason_prompt: str = ""  # what a step that needs a reason asks ("Write a note for...")

    @property
    def ready(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class SaveResult:
    written: tuple[str, ...] = ()  # top-level answers written to the store
    held_back: tuple[Problem, ...] = ()  # invalid answers kept in the working copy only
