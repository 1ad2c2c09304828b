"""The merge base for a copy held from before the server's epoch changed (lcc_apr.sync.epoch)."""

from types import SimpleNamespace

from lcc_apr.models import ChangeAction
from lcc_apr.sync.epoch import UNKNOWN, restored_base
from lcc_apr.sync.merge import STATUS, merge

SYNC, UPDATE = ChangeAction.SYNC, ChangeAction.UPDATE


def entry(action, **patch):
    return SimpleNamespace(action=action, patch=patch)


def state(answers, status="draft", deleted=False):
    return {"answers": answers, "status": status, "deleted": deleted}


# This copy's history: the server's version (a), then changed here (b), then someone
# else's change taken in (c), then changed here again, not sent (d).
HISTORY = [
    entry(SYNC, answers={"a": 1, "b": 1, "c": 1}, status="draft", deleted=False),
    entry(UPDATE, answers={"b": 2}),
    entry(SYNC, answers={"c": 2}),
    entry(UPDATE, answers={"d": 2}),
]
MINE = state({"a": 1, "b": 2, "c": 2, "d": 2})


def test_what_was_changed_here_goes_back_and_others_changes_are_the_servers():
    theirs = state({"a": 1, "b": 1, "c": 1})  # restored from before b, c and d
    base = restored_base(HISTORY, MINE, theirs)
    merged = merge(base, MINE, theirs)
    assert merged.clean
    assert merged.answers == {"a": 1, "b": 2, "c": 1, "d": 2}  # c: its author sends it


def test_a_field_changed_here_and_on_the_restored_server_is_a_conflict():
    theirs = state({"a": 9, "b": 7, "c": 2})  # someone changed a and b after the restore
    base = restored_base(HISTORY, MINE, theirs)
    assert base["answers"]["b"] is UNKNOWN
    merged = merge(base, MINE, theirs)
    assert merged.conflicts == ["b"]
    assert merged.answers["a"] == 9 and merged.answers["d"] == 2


def test_a_step_taken_here_goes_back_unless_the_server_took_another():
    history = [*HISTORY, entry(UPDATE, status="shared")]
    mine = {**MINE, "status": "shared"}
    assert (
        merge(
            restored_base(history, mine, state(MINE["answers"])), mine, state(MINE["answers"])
        ).status
        == "shared"
    )
    theirs = state(MINE["answers"], status="cancelled")
    assert STATUS in merge(restored_base(history, mine, theirs), mine, theirs).conflicts
