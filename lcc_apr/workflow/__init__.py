"""Workflow state machines for the four record kinds, and taking their steps."""

from .definitions import WORKFLOWS
from .engine import (
    Actor,
    StepCheck,
    WorkflowError,
    active_signatures,
    available_steps,
    check_step,
    is_locked,
    take_step,
    workflow_for,
)
from .model import Lifecycle, Party, State, Transition, Workflow

__all__ = [
    "WORKFLOWS",
    "Actor",
    "Lifecycle",
    "Party",
    "State",
    "StepCheck",
    "Transition",
    "Workflow",
    "WorkflowError",
    "active_signatures",
    "available_steps",
    "check_step",
    "is_locked",
    "take_step",
    "workflow_for",
]
