"""lcc_apr.ops.conflicts on real conflicts: what is shown, what is chosen, what changed."""

from __future__ import annotations

import pytest

from lcc_apr.ops import Changes
from lcc_apr.ops import conflicts as ops
from lcc_apr.sync.merge import STATUS
from tests.conflict_maker import CATALOGUE, R1, R2, R3, Maker, maker_for

BASE = {"workload": "Heavy", "supervision_type": "planned"}
MINE = {"workload": "Mine: caseload down to 18", "supervision_type": "group", "learning": "Course"}
THEIRS = {"workload": "Theirs: caseload stays at 22", "supervision_type": "unplanned"}


@pytest.fixture
def maker(demo) -> Maker:
    return maker_for(demo)


def settled(maker: Maker, *, listed: bool) -> Changes:
    return Changes(
        records=frozenset({R1}),
        people=frozenset({maker.subject_id}),
        listed=listed,
        unsent=True,
        conflicts=True,
    )


def test_a_conflict_is_loaded_as_plain_data_in_form_order(maker):
    maker.conflict(BASE, MINE, THEIRS)
    view = ops.load_conflict(maker.store, catalogue=CATALOGUE, record_id=R1)
    assert view.title == f"Supervision for {maker.subject_name}, 2 November 2026"
    assert [a.key for a in view.answers] == ["supervision_type", "workload"]
    kind = view.answers[0]
    assert (kind.label, kind.mine_text, kind.theirs_text) == (
        "Type of supervision",
        "Group supervision",  # choices by their label
        "Unplanned (ad hoc)",
    )
    assert view.merged.answers == {**BASE, **THEIRS, "learning": "Course"}
    assert view.status is None and not view.deleted and view.server_known


def test_nothing_to_load_is_a_key_error(maker):
    with pytest.raises(KeyError):
        ops.load_conflict(maker.store, catalogue=CATALOGUE, record_id=R1)


def test_each_kind_of_conflict_is_described_in_the_list(maker):
    maker.take(maker.wire(R1, 5, {"workload": "Heavy"}))
    maker.edit(R1, {"workload": "Mine"}, status="shared")
    maker.take(maker.wire(R1, 7, {"workload": "Theirs"}, status="employee_signed"))
    maker.conflict(BASE, MINE, {}, rid=R2, deleted=True)
    maker.refused(R3, "Refused.")
    rows = ops.list_conflicts(maker.store, catalogue=CATALOGUE)
    assert {row.record_id: row.what for row in rows} == {
        R1: "1 answer and the status",
        R2: "Deleted on the server",
        R3: "Refused by the server",
    }
    assert {row.person for row in rows} == {maker.subject_name}


def test_final_answers_take_each_choice(maker):
    maker.conflict(BASE, MINE, THEIRS)
    view = ops.load_conflict(maker.store, catalogue=CATALOGUE, record_id=R1)
    answers = ops.final_answers(
        view,
        choices={"workload": ops.EDIT, "supervision_type": ops.MINE},
        edits={"workload": "Edited", "supervision_type": "ignored: not chosen to edit"},
    )
    assert answers == {"workload": "Edited", "supervision_type": "group", "learning": "Course"}


def test_resolving_saves_the_choice_and_says_what_changed(maker):
    maker.conflict(BASE, MINE, THEIRS)
    answers = {**BASE, **THEIRS, "learning": "Course"}
    changes = ops.resolve_conflict(maker.store, record_id=R1, answers=answers, user_id=None)
    assert changes == settled(maker, listed=False)  # same status: no list moves
    record = maker.record()
    assert record.answers == answers and record.dirty and maker.conflict_row() is None
    with pytest.raises(KeyError):  # settled already
        ops.resolve_conflict(maker.store, record_id=R1, answers=answers, user_id=None)


def test_taking_the_servers_status_moves_the_record_in_lists(maker):
    maker.take(maker.wire(R1, 5, {"workload": "Heavy"}, status="shared"))
    maker.edit(R1, {}, status="draft")
    maker.take(maker.wire(R1, 7, {"workload": "Lighter"}, status="employee_signed"))
    assert maker.conflict_row().fields == [STATUS]
    changes = ops.accept_server_version(maker.store, record_id=R1)
    assert changes == settled(maker, listed=True)
    assert maker.record().status == "employee_signed"


def test_accepting_a_deletion_removes_it_from_lists(maker):
    maker.conflict(BASE, MINE, {}, deleted=True)
    assert ops.accept_server_version(maker.store, record_id=R1) == settled(maker, listed=True)
    assert maker.record().deleted and maker.conflict_row() is None


def test_restoring_a_deleted_record_keeps_it_listed(maker):
    maker.conflict(BASE, MINE, {}, deleted=True)
    changes = ops.restore_deleted(maker.store, record_id=R1, user_id=maker.user_id)
    assert changes == settled(maker, listed=False)
    record = maker.record()
    assert not record.deleted and record.dirty and record.answers == {**BASE, **MINE}


def test_restoring_what_was_not_deleted_is_refused(maker):
    maker.conflict(BASE, MINE, THEIRS)
    with pytest.raises(ValueError):
        ops.restore_deleted(maker.store, record_id=R1, user_id=maker.user_id)
    assert maker.conflict_row() is not None
