"""Workflow state machines for the four record kinds, taking their steps, and who may
start, delete or bring back a record."""

from .definitions import WORKFLOWS
from .engine import (
    StepCheck,
    active_signatures,
    available_steps,
    check_step,
    is_locked,
    take_step,
    workflow_for,
)
from .model import (
    PARTY_ROLE,
    PARTY_SIGN_OFF_ROLE,
    SIGN_OFF_PARTY,
    Actor,
    Lifecycle,
    Party,
    State,
    Transition,
    Workflow,
    WorkflowError,
    fill_names,
)
from .rights import (
    apply_step,
    check_delete,
    check_restore,
    check_start,
    ever_shared,
    may_delete,
    may_restore,
    may_start,
    state_before_amendment,
)
from .waiting import AWAITED_STEPS, states_waiting_for, waiting_for

__all__ = [
    "AWAITED_STEPS",
    "PARTY_ROLE",
    "PARTY_SIGN_OFF_ROLE",
    "SIGN_OFF_PARTY",
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
    "apply_step",
    "available_steps",
    "check_delete",
    "check_restore",
    "check_start",
    "check_step",
    "ever_shared",
    "fill_names",
    "is_locked",
    "may_delete",
    "may_restore",
    "may_start",
    "state_before_amendment",
    "states_waiting_for",
    "take_step",
    "waiting_for",
    "workflow_for",
]
