"""Taking workflow steps: who may, what each needs, and recording it.

Called by the UI (through a write op) and the server; never by a widget.
Every refusal is a WorkflowError whose message says why in plain words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from lcc_apr.forms import Problem, Template, is_visible, validate
from lcc_apr.models import Record, RecordChange, RecordKind, Role, SignOff

from .definitions import WORKFLOWS
from .model import (
    PARTY_ROLE,
    PREVIOUS,
    Actor,
    Lifecycle,
    Party,
    Transition,
    Workflow,
    WorkflowError,
    fill_names,
)
from .rights import apply_step, state_before_amendment


@dataclass(frozen=True)
class StepCheck:
    transition: Transition
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def workflow_for(record: Record) -> Workflow:
    return WORKFLOWS[record.kind]


def available_steps(record: Record, actor: Actor, template: Template) -> list[Transition]:
    """Steps this actor could take now with the record's template version (their button
    may still report missing answers)."""
    mine = actor.parties()
    return [
        t
        for t in workflow_for(record).steps_from(record.status)
        if t.parties & mine and (not t.template_stage or t.target in template.reserved_states())
    ]


def check_step(record: Record, name: str, actor: Actor, template: Template) -> StepCheck:
    """Raise WorkflowError if the step is not allowed at all; list missing answers if incomplete."""
    workflow = workflow_for(record)
    try:
        step = workflow.transition(name)
    except KeyError:
        raise WorkflowError(f"There is no step {name!r} for {record.kind.value} records.") from None
    state = workflow.state(record.status)
    if record.status not in step.sources:
        raise WorkflowError(
            f"'{fill_names(step.label)}' is not possible while the record is {state.label.lower()}."
        )
    if not step.parties & actor.parties():
        who = " or ".join(
            p.value.replace("employee", "employee the record is about")
            for p in sorted(step.parties)
        )
        raise WorkflowError(f"Only the {who} can '{fill_names(step.label)}'.")
    if step.when and not is_visible(step.when, record.answers):
        raise WorkflowError(f"'{fill_names(step.label)}' does not fit this record's outcome.")
    if step.template_stage and step.target not in template.reserved_states():
        raise WorkflowError(
            f"'{fill_names(step.label)}' is not part of version {template.version} of this form."
        )
    problems: list[Problem] = []
    if step.complete:
        reference = record.record_date or date.today()
        checked, answers = template, record.answers
        if step.completes_stage:  # only the sections this stage is for
            own = tuple(s for s in template.sections if set(step.sources) & s.editable_in)
            checked = replace(template, sections=own)
            answers = {f.key: answers[f.key] for f in checked.fields() if f.key in answers}
        problems = validate(checked, answers, reference=reference, strict=True, step=name)
    return StepCheck(step, problems)


def take_step(
    session: Session,
    record: Record,
    name: str,
    *,
    actor: Actor,
    template: Template,
    at: datetime,
    reason: str | None = None,
) -> RecordChange:
    """Move the record on by one step and record it in its history."""
    check = check_step(record, name, actor, template)
    if not check.ok:
        raise WorkflowError(
            f"'{fill_names(check.transition.label)}' needs {len(check.problems)} more answer(s).",
            check.problems,
        )
    step = check.transition
    if step.needs_reason and not (reason and reason.strip()):
        raise WorkflowError(step.reason_prompt)
    target = step.target
    if target == PREVIOUS:
        target = state_before_amendment(session, record_id=record.id) or record.status
    return apply_step(
        session, record, step=step, target=target, user_id=actor.user_id, at=at, reason=reason
    )


def editing_roles(
    kind: RecordKind, statuses: Iterable[str], parties: frozenset[Party]
) -> frozenset[Role]:
    """The roles whose fields these parties may change at any of `statuses` (a push that
    takes steps is checked against every stage it passes through)."""
    workflow = WORKFLOWS[kind]
    return frozenset(
        PARTY_ROLE[p] for status in statuses for p in parties if workflow.state(status).may_edit(p)
    )


def waiting_note(
    kind: RecordKind,
    status: str,
    parties: frozenset[Party],
    *,
    employee: str = "the employee",
    manager: str = "the manager",
) -> str:
    """Why these parties cannot change the record at this stage ("" when they can)."""
    text = WORKFLOWS[kind].state(status).waiting_for(parties)
    return fill_names(text, employee=employee, manager=manager)


def is_locked(record: Record) -> bool:
    return workflow_for(record).state(record.status).lifecycle is Lifecycle.LOCKED


def active_signatures(record: Record) -> list[SignOff]:
    return [s for s in record.sign_offs if s.superseded_at is None]
