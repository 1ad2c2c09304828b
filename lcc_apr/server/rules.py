"""May this user make this change? Field rights, workflow steps, deletion; in plain words.

Each check raises `PushRefused` with a category (for the audit log) and a reason
(for the person). A status change is accepted when a path of workflow steps
this user may take leads from the stored status to the pushed one, each step
allowed for the pushed answers (usually one step; an offline user may have
taken two of their own in a row). Who may start, delete and restore, the state
before an amendment and writing a step are the workflow's own (lcc_apr.workflow.rights).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from lcc_apr.forms import Template, edit_problems, validate
from lcc_apr.models import RecordKind
from lcc_apr.workflow import (
    WORKFLOWS,
    Actor,
    Lifecycle,
    Transition,
    WorkflowError,
    check_step,
    fill_names,
)
from lcc_apr.workflow.model import PREVIOUS

MAX_STEPS = 4
SHOWN_PROBLEMS = 5
SHOWN_CHARS = 300  # of each problem at most, whatever it quotes of what was sent


class PushRefused(Exception):
    """A pushed record refused: `category` for the audit log, `reason` for the person."""

    def __init__(self, category: str, reason: str) -> None:
        super().__init__(reason)
        self.category = category
        self.reason = reason


@dataclass(frozen=True)
class Draft:
    """What check_step needs to know about a record: its state and the pushed answers."""

    kind: RecordKind
    status: str
    answers: dict[str, Any]
    record_date: date | None


def _listed(problems: list[Any]) -> str:
    shown = "; ".join(_short(str(p)) for p in problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    return shown + (f"; and {more} more" if more > 0 else "")


def _short(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def is_locked_state(kind: RecordKind, status: str) -> bool:
    return WORKFLOWS[kind].state(status).lifecycle is Lifecycle.LOCKED


def check_state(kind: RecordKind, status: str) -> None:
    try:
        WORKFLOWS[kind].state(status)
    except KeyError:
        raise PushRefused(
            "status", f"{status!r} is not a stage a {kind.value} record can be at."
        ) from None


def step_path(
    draft: Draft,
    target: str,
    actor: Actor,
    template: Template,
    previous: str | None,
) -> list[tuple[Transition, str]]:
    """The shortest path of steps this actor may take from draft.status to `target`."""
    workflow = WORKFLOWS[draft.kind]
    check_state(draft.kind, target)
    mine = actor.parties()
    paths: dict[str, list[tuple[Transition, str]]] = {draft.status: []}
    queue = deque([draft.status])
    while queue:
        state = queue.popleft()
        if len(paths[state]) >= MAX_STEPS:
            continue
        for step in workflow.steps_from(state):
            goes_to = previous if step.target == PREVIOUS else step.target
            if goes_to is None or goes_to in paths or not step.parties & mine:
                continue
            try:
                ok = check_step(_at(draft, state), step.name, actor, template).ok  # type: ignore[arg-type]
            except WorkflowError:
                continue
            if not ok:
                continue
            paths[goes_to] = [*paths[state], (step, goes_to)]
            if goes_to == target:
                return paths[goes_to]
            queue.append(goes_to)
    raise PushRefused("step", _why_not(draft, target, actor, template))


def _at(draft: Draft, status: str) -> Draft:
    return Draft(draft.kind, status, draft.answers, draft.record_date)


def _why_not(draft: Draft, target: str, actor: Actor, template: Template) -> str:
    workflow = WORKFLOWS[draft.kind]
    here, there = workflow.state(draft.status).label, workflow.state(target).label
    for step in workflow.steps_from(draft.status):
        if step.target != target:
            continue
        try:
            check = check_step(draft, step.name, actor, template)  # type: ignore[arg-type]
        except WorkflowError as err:
            return str(err)
        if not check.ok:
            return (
                f"'{fill_names(step.label)}' needs more answers first: {_listed(check.problems)}."
            )
    return f"A {draft.kind.value} record cannot go from '{here}' to '{there}' in one go."


def check_reason(steps: list[tuple[Transition, str]], reason: str | None) -> None:
    for step, _target in steps:
        if step.needs_reason and not (reason and reason.strip()):
            raise PushRefused("reason", f"{step.reason_prompt.rstrip('.')} (step_reason).")


def check_answers(
    template: Template,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    roles: Any,
    locked: bool,
    reference: date,
    statuses: Iterable[str],
    stage: str = "",
) -> None:
    """Field rights first (who may change what, at this stage), then the answers' own
    validity. `stage`: why the person may not edit at this stage, when that is why;
    `statuses`: every state the push passes through."""
    problems = edit_problems(template, before, after, roles=roles, locked=locked, statuses=statuses)
    if problems:
        why = f"{stage} " if stage else ""
        raise PushRefused("fields", f"{why}You may not make these changes: {_listed(problems)}.")
    invalid = validate(template, after, reference=reference, strict=False)
    if invalid:
        raise PushRefused("invalid", f"Some answers are not valid: {_listed(invalid)}.")


@contextmanager
def refused_as(category: str) -> Iterator[None]:
    """A WorkflowError raised inside (a workflow right refused) becomes PushRefused."""
    try:
        yield
    except WorkflowError as err:
        raise PushRefused(category, str(err)) from None
