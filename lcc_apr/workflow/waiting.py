"""Who a record waits for: the party whose step moves it on from its current state.

Optional steps (share, take back, revise, amend, moving a capability case on) are the
acting person's choice, so a record never waits for them; the steps below are what a
record in that state is waiting for. HR's intake (accept or return) has its own screen
(lcc_apr.ops.intake), so a completed record does not wait in 'Needs my action'.
"""

from __future__ import annotations

from lcc_apr.models import RecordKind

from .definitions import WORKFLOWS
from .model import Party

AWAITED_STEPS = frozenset(
    {
        "respond",
        "send_preparation",
        "employee_sign",
        "manager_sign",
        "refer_to_hr",
        "hr_close",
        "decide_hearing",
        "decide_appeal",
        "reissue",
        "resubmit",
    }
)


def waiting_for(kind: RecordKind, status: str) -> frozenset[Party]:
    """The parties a record of `kind` in state `status` waits for (none when it waits for
    nobody: a draft, a final state)."""
    found: set[Party] = set()
    for step in WORKFLOWS[kind].steps_from(status):
        if step.name in AWAITED_STEPS:
            found |= step.parties
    return frozenset(found)


def states_waiting_for(party: Party) -> dict[RecordKind, frozenset[str]]:
    """For each kind, the states in which its records wait for `party`."""
    return {
        kind: frozenset(s.name for s in flow.states if party in waiting_for(kind, s.name))
        for kind, flow in WORKFLOWS.items()
    }
