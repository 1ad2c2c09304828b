"""Three-way merge of a record, field by field, against the base both sides started from.

Pure functions: no database, no clock. A field changed on one side only takes
that side; changed on both to the same value is fine; changed on both to
different values is a conflict the person resolves. A signed (locked) server
version cannot be changed by a merge: local edits to it become conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUS = "(status)"  # the pseudo-field for the workflow status in conflict lists


@dataclass(frozen=True)
class Merge:
    answers: dict[str, Any]
    status: str
    conflicts: list[str] = field(default_factory=list)  # field keys, STATUS for the status

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge(
    base: dict[str, Any],
    local: dict[str, Any],
    server: dict[str, Any],
    *,
    server_locked: bool = False,
    editable_after_signoff: frozenset[str] = frozenset(),
) -> Merge:
    """Merge states ({"answers": {...}, "status": str}). Conflicting fields keep the server's
    value in the result; the caller keeps the local version until the person decides."""
    b, mine, theirs = base.get("answers", {}), local.get("answers", {}), server.get("answers", {})
    answers: dict[str, Any] = {}
    conflicts: list[str] = []
    for key in sorted(set(b) | set(mine) | set(theirs)):
        was, ours, srv = b.get(key), mine.get(key), theirs.get(key)
        if ours in (was, srv):
            value = srv
        elif srv == was:
            if server_locked and key not in editable_after_signoff:
                conflicts.append(key)
                value = srv
            else:
                value = ours
        else:
            conflicts.append(key)
            value = srv
        if value is not None:
            answers[key] = value
    status = server.get("status", "")
    mine_status, base_status = local.get("status"), base.get("status")
    if mine_status != base_status and mine_status != status:
        if status == base_status and not server_locked:
            status = mine_status or status
        else:
            conflicts.append(STATUS)
    return Merge(answers, status, conflicts)


def resolve(
    merged: Merge,
    local: dict[str, Any],
    choices: dict[str, str],
    edits: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Answers after the person chose, per conflicting field, "mine" or "theirs" (or edited)."""
    answers = dict(merged.answers)
    for key in merged.conflicts:
        if key == STATUS:
            continue
        if edits and key in edits:
            answers[key] = edits[key]
        elif choices.get(key) == "mine":
            value = local.get("answers", {}).get(key)
            if value is None:
                answers.pop(key, None)
            else:
                answers[key] = value
    return answers
