"""What an editing session offers to do next (lcc_apr.editing): the workflow steps a person
could take now, as buttons show them, and the record's signatures in words. Read only;
the session takes the steps and signs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lcc_apr.edit_options import StepOption
from lcc_apr.forms import Template
from lcc_apr.models import Record
from lcc_apr.workflow import (
    Actor,
    Lifecycle,
    WorkflowError,
    available_steps,
    check_step,
    fill_names,
    workflow_for,
)
from lcc_apr.workflow.model import PREVIOUS

COUNTERSIGN = "countersign"  # HR's countersignature: a signature with no workflow step


def step_options(
    record: Record,
    *,
    actor: Actor,
    template: Template,
    names: tuple[str, str],
    signers: Any,
) -> list[StepOption]:
    """The steps `actor` could take now on `record` (its working answers), each with the
    answers it still needs. Steps that lock the record are signatures (with the decisions
    open to them); HR's countersignature of a closed capability case or attendance review
    is offered as COUNTERSIGN unless HR (`signers`: (user id, role) pairs) signed it.
    `names`: the employee's and the manager's, for the labels."""
    from lcc_apr.signing.decision import allowed_decisions, form_answer, form_reason
    from lcc_apr.signing.signoff import is_signing_step, may_countersign, role_for

    employee_name, manager_name = names
    workflow = workflow_for(record)
    options = []
    for step in available_steps(record, actor, template):
        try:
            check = check_step(record, step.name, actor, template)
        except WorkflowError:
            continue  # e.g. a step for another outcome
        signs = is_signing_step(workflow, step)
        role = role_for(step.parties & actor.parties()) if signs else None
        decisions = allowed_decisions(template, record.answers, role) if role else ()
        employee = role == "employee"
        options.append(
            StepOption(
                name=step.name,
                label=fill_names(step.label, employee=employee_name, manager=manager_name),
                missing=tuple(check.problems),
                needs_reason=step.needs_reason,
                reason_prompt=step.reason_prompt if step.needs_reason else "",
                voids_signatures=step.voids_signatures,
                locks=step.target != PREVIOUS
                and workflow.state(step.target).lifecycle is Lifecycle.LOCKED,
                signs=signs,
                decisions=tuple(str(d) for d in decisions),
                decided=form_answer(template, record.answers) if employee else "",
                reason=form_reason(template, record.answers) if employee else "",
            )
        )
    if (
        not any(o.signs for o in options)
        and may_countersign(record.kind, record.status, actor.parties())
        and (actor.user_id, "hr") not in signers
    ):
        options.append(
            StepOption(
                COUNTERSIGN, "Countersign as HR", (), False, False, signs=True,
                decisions=("confirm",),
            )
        )  # fmt: skip
    return options


def signature_lines(session: Session, record: Record) -> list[str]:
    """Each sign-off of `record` and whether it holds, in words (oldest first), checked
    against the organisation's certificates as this computer last fetched them, with its
    trusted time (the server's timestamp token, checked) when it has one."""
    from lcc_apr.signing.signoff import signature_states
    from lcc_apr.signing.timetoken import time_words
    from lcc_apr.signing.trust import load_trust

    trust = load_trust(session)
    states = signature_states(session, record, trust)
    lines = []
    for sign_off, state in zip(record.sign_offs, states, strict=True):
        time = time_words(sign_off, trust)
        lines.append(f"{state.text} {time}" if time else state.text)
    return lines
