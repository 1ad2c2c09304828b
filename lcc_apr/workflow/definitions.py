"""The seven workflows. Step names are the `required_at` names templates use.

Every kind ends in HR's intake: a record in a final state waits for HR, who accepts it
into the HR register (`hr_accept`: it is then exported to the HR system, see
lcc_apr.hr.export) or returns it to the manager with a note (`hr_return`: the
signatures are voided and kept, the manager corrects it and it goes round again).
"""

from __future__ import annotations

from lcc_apr.forms import Condition
from lcc_apr.models import RecordKind

from .model import (
    ACCEPTED,
    PREVIOUS,
    RETURNED,
    Lifecycle,
    Party,
    State,
    Transition,
    Workflow,
)

M, E, H = Party.MANAGER, Party.EMPLOYEE, Party.HR
LOCKED = Lifecycle.LOCKED
RETURN_PROMPT = (
    "Write a note for the manager saying what to correct; it is kept in the record's history."
)


def _amend(*sources: str) -> Transition:
    return Transition(
        "amend",
        "Amend (voids the signatures)",
        sources,
        "draft",
        frozenset({M, H}),
        complete=False,
        needs_reason=True,
        voids_signatures=True,
    )


def _intake(*sources: str) -> list[State | Transition]:
    """HR's intake of a record in one of `sources` (its final states): accept it into the
    HR register, or return it to the manager with a note."""
    return [
        State(ACCEPTED, "Accepted into the HR register", LOCKED, final=True),
        Transition(
            "hr_accept",
            "Accept into the HR register",
            sources,
            ACCEPTED,
            frozenset({H}),
            complete=False,
            signs=False,
        ),
        Transition(
            "hr_return",
            "Return to {manager} with a note",
            sources,
            RETURNED,
            frozenset({H}),
            complete=False,
            needs_reason=True,
            voids_signatures=True,
            reason_prompt=RETURN_PROMPT,
        ),
    ]


def _review(kind: RecordKind, *, respond: bool) -> list[State | Transition]:
    """Draft, shared with the employee, (responded,) signed by both, completed."""
    sign_from = "responded" if respond else "shared"
    asked = "their response" if respond else "their comments and signature"
    back = (
        "you can edit again once they send their response, or if you take it back to draft"
        if respond
        else "to change your answers, take it back to draft"
    )
    shared_waiting = (
        (M, f"Shared with {{employee}} for {asked}: {back}."),
        (H, f"Shared with {{employee}} for {asked}: only they can change it now."),
    )
    responded_waiting = (
        (
            E,
            "Your response has been sent to {manager}: you can change it again if they "
            "revise the review and share it with you again.",
        ),
        (
            M,
            "{employee} has sent their response: to change the review, use "
            "'Revise and share again'.",
        ),
        (H, "{employee} has sent their response to {manager}: it cannot change at this stage."),
    )
    states = [
        State("draft", "Draft", shared=False),
        *([_preparation_state()] if respond else []),
        State("shared", "Shared with the employee", editors=frozenset({E}), waiting=shared_waiting),
        *(
            [
                State(
                    "responded",
                    "Employee has responded",
                    editors=frozenset(),
                    waiting=responded_waiting,
                )
            ]
            if respond
            else []
        ),
        State("employee_signed", "Signed by the employee", LOCKED),
        State("completed", "Completed", LOCKED, final=True),
        State(
            RETURNED,
            "Returned by HR for correction",
            shared=False,
            waiting=(
                (H, "Returned to {manager} for correction: they share it again once corrected."),
            ),
        ),
    ]
    steps = [
        Transition(
            "share", "Share with {employee} for review", ("draft",), "shared", frozenset({M})
        ),
        Transition(
            "withdraw",
            "Take back to draft",
            ("shared", *(["preparation"] if respond else [])),
            "draft",
            frozenset({M}),
            complete=False,
        ),
        *(_preparation_steps() if respond else []),
        *(
            [
                Transition(
                    "respond",
                    "Send my response to {manager}",
                    ("shared",),
                    "responded",
                    frozenset({E}),
                ),
                Transition(
                    "revise",
                    "Revise and share again",
                    ("responded",),
                    "draft",
                    frozenset({M}),
                    complete=False,
                ),
            ]
            if respond
            else []
        ),
        Transition("employee_sign", "Sign off", (sign_from,), "employee_signed", frozenset({E})),
        Transition(
            "manager_sign",
            "Countersign and complete",
            ("employee_signed",),
            "completed",
            frozenset({M}),
        ),
        Transition(
            "resubmit",
            "Share the corrected record with {employee}",
            (RETURNED,),
            "shared",
            frozenset({M}),
        ),
        _amend("employee_signed", "completed", ACCEPTED),
        *_intake("completed"),
    ]
    return states + steps


def _preparation_state() -> State:
    """An APR shared before the meeting for the employee's self-assessment (templates
    from APR version 2: the section editable in it); only they write, only that section."""
    return State(
        "preparation",
        "Shared with the employee to prepare",
        editors=frozenset({E}),
        waiting=(
            (
                M,
                "Shared with {employee} to prepare their self-assessment: you see it and "
                "can edit the review again once they send it to you, or if you take it back "
                "to draft.",
            ),
            (H, "Shared with {employee} to prepare their self-assessment."),
        ),
    )


def _preparation_steps() -> list[Transition]:
    return [
        Transition(
            "prepare",
            "Share with {employee} to prepare",
            ("draft",),
            "preparation",
            frozenset({M}),
            complete=False,
            template_stage=True,
        ),
        Transition(
            "send_preparation",
            "Send my self-assessment to {manager}",
            ("preparation",),
            "draft",
            frozenset({E}),
            completes_stage=True,
        ),
    ]


def _workflow(
    kind: RecordKind, parts: list[State | Transition], initial: str = "draft"
) -> Workflow:
    return Workflow(
        kind=kind,
        initial=initial,
        states=tuple(p for p in parts if isinstance(p, State)),
        transitions=tuple(p for p in parts if isinstance(p, Transition)),
    )


APR = _workflow(RecordKind.APR, _review(RecordKind.APR, respond=True))
SUPERVISION = _workflow(RecordKind.SUPERVISION, _review(RecordKind.SUPERVISION, respond=False))

FAIL = (Condition("outcome", equals="fail"),)
NOT_FAIL = (Condition("outcome", one_of=(None, "pass", "extend")),)
_probation = _review(RecordKind.PROBATION, respond=False)
_probation = [p for p in _probation if not (isinstance(p, Transition) and p.name == "manager_sign")]
PROBATION = _workflow(
    RecordKind.PROBATION,
    _probation
    + [
        State("referred_to_hr", "Referred to HR (probation not passed)", LOCKED),
        Transition(
            "manager_sign",
            "Countersign and complete",
            ("employee_signed",),
            "completed",
            frozenset({M}),
            when=NOT_FAIL,
        ),
        Transition(
            "refer_to_hr",
            "Refer to HR: probation not passed",
            ("employee_signed",),
            "referred_to_hr",
            frozenset({M}),
            when=FAIL,
        ),
        Transition(
            "hr_close",
            "Record HR's decision and close",
            ("referred_to_hr",),
            "completed",
            frozenset({H}),
        ),
    ],
)

# Capability and attendance review (ACAS Code of Practice): an informal stage, then
# formal stages, each ending in an outcome; a final hearing; and an appeal against any
# formal outcome. States are the stage the case has reached.


def _case(
    *, informal: str, first: str, first_label: str, improved: str
) -> list[State | Transition]:
    """A staged case: informal, `first` (formal stage 1), final_warning (stage 2), a final
    hearing, an appeal; closed when `improved` (performance, attendance) or decided."""
    opened = ("informal", first, "final_warning")
    return [
        State("informal", f"Informal stage: {informal}"),
        State(first, "Formal stage 1: " + first_label),
        State("final_warning", "Formal stage 2: final written warning"),
        State("final_hearing", "Final hearing"),
        State("appeal", "Appeal lodged"),
        State("closed_improved", f"Closed: {improved} improved", LOCKED, final=True),
        State("closed_hearing", "Closed after the final hearing", LOCKED, final=True),
        State("appeal_decided", "Appeal decided", LOCKED, final=True),
        State("amending", "Being amended by HR"),
        State(RETURNED, "Returned by HR for correction"),
        Transition(
            f"issue_{first}",
            f"Move to formal stage 1: {first_label}",
            ("informal",),
            first,
            frozenset({M}),
        ),
        Transition(
            "issue_final_warning",
            "Move to formal stage 2: final written warning",
            (first,),
            "final_warning",
            frozenset({M}),
        ),
        Transition(
            "refer_to_hearing",
            "Refer to a final hearing",
            ("final_warning",),
            "final_hearing",
            frozenset({M}),
        ),
        Transition(
            "close_improved",
            f"Close: {improved} has improved",
            opened,
            "closed_improved",
            frozenset({M}),
        ),
        Transition(
            "decide_hearing",
            "Record the hearing's decision",
            ("final_hearing",),
            "closed_hearing",
            frozenset({M, H}),
        ),
        Transition(
            "lodge_appeal",
            "Lodge an appeal",
            (first, "final_warning", "closed_hearing"),
            "appeal",
            frozenset({E, H}),
        ),
        Transition(
            "decide_appeal",
            "Record the appeal outcome",
            ("appeal",),
            "appeal_decided",
            frozenset({H}),
        ),
        Transition(
            "amend",
            "Amend (voids the signatures)",
            ("closed_improved", "closed_hearing", "appeal_decided", ACCEPTED),
            "amending",
            frozenset({H}),
            complete=False,
            needs_reason=True,
            voids_signatures=True,
        ),
        Transition(
            "reissue",
            "Reissue the amended record",
            ("amending", RETURNED),
            PREVIOUS,
            frozenset({H}),
        ),
        *_intake("closed_improved", "closed_hearing", "appeal_decided"),
    ]


CAPABILITY = _workflow(
    RecordKind.CAPABILITY,
    _case(
        informal="improvement plan",
        first="improvement_note",
        first_label="improvement note",
        improved="performance",
    ),
    initial="informal",
)
# Attendance review (ACAS guidance on managing attendance): the same stages, with a
# first written warning at formal stage 1.
ATTENDANCE = _workflow(
    RecordKind.ATTENDANCE,
    _case(
        informal="attendance support",
        first="first_warning",
        first_label="first written warning",
        improved="attendance",
    ),
    initial="informal",
)
# A return-to-work interview: held after every absence, signed by both like a supervision.
RETURN_TO_WORK = _workflow(
    RecordKind.RETURN_TO_WORK, _review(RecordKind.RETURN_TO_WORK, respond=False)
)

# A welfare contact in long-term absence ("keeping in touch"): the same review, so the
# employee sees and signs what was written about them (PRODUCT DEFAULT, docs/attendance.md).
WELFARE_CONTACT = _workflow(
    RecordKind.WELFARE_CONTACT, _review(RecordKind.WELFARE_CONTACT, respond=False)
)

WORKFLOWS: dict[RecordKind, Workflow] = {
    w.kind: w
    for w in (
        APR,
        SUPERVISION,
        PROBATION,
        CAPABILITY,
        RETURN_TO_WORK,
        ATTENDANCE,
        WELFARE_CONTACT,
    )
}
