"""Does a demo record hold up as a real form record? Used by the tests and by hand.

A record's status must be a state of its kind's workflow. A record still in
the workflow's first state (a draft) must pass lenient validation; any other
record must pass strict validation for every completeness-checked step on the
shortest path from the first state to its status, taking only steps whose
conditions its answers meet (a probation not passed goes through HR).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from lcc_apr.forms import Catalogue, is_visible, validate
from lcc_apr.models import RecordKind
from lcc_apr.workflow.definitions import WORKFLOWS
from lcc_apr.workflow.model import PREVIOUS, Transition, Workflow


def path_to(workflow: Workflow, status: str, answers: Mapping[str, Any]) -> list[Transition] | None:
    """The steps from the first state to `status` (fewest first), or None if unreachable."""
    paths: dict[str, list[Transition]] = {workflow.initial: []}
    queue = deque([workflow.initial])
    while queue:
        state = queue.popleft()
        if state == status:
            return paths[state]
        for step in workflow.steps_from(state):
            if step.target == PREVIOUS or step.target in paths:
                continue
            if step.when and not is_visible(step.when, dict(answers)):
                continue
            paths[step.target] = [*paths[state], step]
            queue.append(step.target)
    return None


def record_problems(catalogue: Catalogue, record: Mapping[str, Any]) -> list[str]:
    """Every way a record row (as made by creation_rows) falls short, in plain words."""
    kind = RecordKind(record["kind"])
    workflow = WORKFLOWS[kind]
    template = catalogue.get(record["template_id"], record["template_version"])
    answers, status, day = record["answers"], record["status"], record["record_date"]
    problems = [f"{key}: is None (None removes a field)" for key, v in answers.items() if v is None]
    if template.kind is not kind:
        problems.append(f"template {template.id} is for {template.kind.value} records")
    if status not in {s.name for s in workflow.states}:
        return [*problems, f"status {status!r} is not a state of the {kind.value} workflow"]
    if status == workflow.initial:
        found = validate(template, answers, reference=day, strict=False)
        return problems + [f"(draft) {p}" for p in found]
    steps = path_to(workflow, status, answers)
    if steps is None:
        return [*problems, f"status {status!r} cannot be reached with these answers"]
    seen: set[str] = set()
    for step in steps:
        if not step.complete:
            continue
        for p in validate(template, answers, reference=day, strict=True, step=step.name):
            if str(p) not in seen:
                seen.add(str(p))
                problems.append(f"(at {step.name}) {p}")
    return problems
