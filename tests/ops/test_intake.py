"""HR's intake: completed records wait for HR with their signature state; HR accepts each
into the register or returns it to the manager with a note (workflow steps, in the
record's history and audit.log); only HR may, and never on their own records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import and_, func, or_, select

from lcc_apr.history import history, verify_history
from lcc_apr.models import ChangeAction, Record, RecordKind
from lcc_apr.ops.audit import audit_entries, audit_path
from lcc_apr.ops.inbox import needs_action
from lcc_apr.ops.intake import HrOnly, accept, intake_page, return_to_manager
from lcc_apr.policy import load_policy
from lcc_apr.workflow import WorkflowError
from tests.hr_records import (
    AT,
    CATALOGUE,
    HR_USERNAME,
    MANAGER_USERNAME,
    cast_of,
    completed,
    stored,
    take_steps,
    trust_the_test_authority,
    user,
)

POLICY = load_policy()
LATER = AT + timedelta(hours=2)


def waiting_count(store, hr) -> int:
    with store.session() as s:
        return s.scalar(
            select(func.count())
            .select_from(Record)
            .where(
                # a case (capability, attendance review) ends closed or with its appeal decided
                or_(
                    Record.status == "completed",
                    and_(
                        Record.kind.in_([RecordKind.CAPABILITY, RecordKind.ATTENDANCE]),
                        Record.status.in_(["closed_improved", "closed_hearing", "appeal_decided"]),
                    ),
                ),
                Record.subject_id != hr.employee_id,
                Record.deleted.is_(False),
            )
        )


def every_row(store, hr):
    page = intake_page(store, user=hr, catalogue=CATALOGUE, limit=100_000)
    return page, {r.record_id: r for r in page.rows}


def test_hr_sees_what_waits_with_its_signatures_and_accepts_it(demo):
    trust_the_test_authority(demo)
    cast = cast_of(demo)
    hr = user(demo, HR_USERNAME)
    signed = completed(demo, cast)
    page, rows = every_row(demo, hr)
    assert page.total == len(page.rows) == waiting_count(demo, hr) > 100
    row = rows[signed]
    assert row.signatures == "Valid: employee, line manager"
    assert [d.split(":")[0] for d in row.signature_details] == ["Valid", "Valid"]
    assert row.status == "Completed" and row.kind == "Annual Performance Review"
    old = next(r for r in page.rows if r.record_id != signed)
    assert old.signatures == "No signatures"  # the demo's history predates digital signing

    done = accept(demo, user=hr, record_ids=[signed, old.record_id], catalogue=CATALOGUE, at=LATER)
    assert done.count == 2 and done.changes.lists_of(cast.subject_id)
    record = stored(demo, signed)
    assert record.status == "accepted" and record.dirty  # goes to the server at the next sync
    with demo.session() as s:
        last = history(s, signed)[-1]
        assert verify_history(s, s.get(Record, signed)) == []
    assert last.action == ChangeAction.STATUS and last.user_id == hr.user_id
    assert last.patch["note"] == {"step": "hr_accept"}
    entry = audit_entries(demo)[-1]
    assert (entry["event"], entry["step"], entry["records"]) == ("hr_intake", "hr_accept", 2)
    assert cast.subject_id and "Tebbutt" not in audit_path(demo).read_text()
    after, rows = every_row(demo, hr)
    assert after.total == page.total - 2 and signed not in rows


def test_a_returned_record_goes_back_to_the_manager_with_the_note_and_round_again(demo):
    trust_the_test_authority(demo)
    cast = cast_of(demo)
    hr = user(demo, HR_USERNAME)
    record_id = completed(demo, cast)
    with pytest.raises(WorkflowError, match="note for the manager"):
        return_to_manager(
            demo, user=hr, record_id=record_id, note=" ", catalogue=CATALOGUE, at=LATER
        )
    assert stored(demo, record_id).status == "completed"

    note = "The second objective has no measure: please add one."
    return_to_manager(demo, user=hr, record_id=record_id, note=note, catalogue=CATALOGUE, at=LATER)
    record = stored(demo, record_id)
    assert record.status == "returned"
    with demo.session() as s:
        returned = history(s, record_id)[-1]
        signatures = s.get(Record, record_id).sign_offs
        assert all(o.superseded_at is not None for o in signatures) and len(signatures) == 2
    assert returned.action == ChangeAction.AMEND
    assert returned.patch["note"] == {"step": "hr_return", "reason": note}

    manager = user(demo, MANAGER_USERNAME)
    assert manager.user_id == cast.manager.user_id
    texts = [
        i.text
        for i in needs_action(demo, user=manager, policy=POLICY, today=date(2026, 11, 30)).items
    ]
    assert any("returned it with a note" in t for t in texts)
    take_steps(
        demo,
        cast,
        record_id,
        [
            ("manager", "resubmit"),
            ("employee", "respond"),
            ("employee", "employee_sign"),
            ("manager", "manager_sign"),
        ],
        {},
    )
    assert stored(demo, record_id).status == "completed"
    assert every_row(demo, hr)[1][record_id].signatures == "Valid: employee, line manager"


def test_only_hr_takes_records_in(demo):
    hr = user(demo, HR_USERNAME)
    record_id = every_row(demo, hr)[0].rows[0].record_id
    for username in (MANAGER_USERNAME, "rrobinson"):
        someone = user(demo, username)
        with pytest.raises(HrOnly):
            intake_page(demo, user=someone, catalogue=CATALOGUE)
        with pytest.raises(HrOnly):
            accept(demo, user=someone, record_ids=[record_id], catalogue=CATALOGUE, at=LATER)
        with pytest.raises(HrOnly):
            return_to_manager(
                demo, user=someone, record_id=record_id, note="x", catalogue=CATALOGUE, at=LATER
            )
    assert stored(demo, record_id).status == "completed" and audit_entries(demo) == []


def test_hr_never_takes_in_their_own_records(demo):
    hr = user(demo, HR_USERNAME)
    with demo.session() as s:
        own = s.scalars(
            select(Record.id).where(
                Record.subject_id == hr.employee_id, Record.status == "completed"
            )
        ).first()
    assert own is not None and own not in every_row(demo, hr)[1]
    with pytest.raises(WorkflowError, match="Only the hr"):
        accept(demo, user=hr, record_ids=[own], catalogue=CATALOGUE, at=LATER)
    assert stored(demo, own).status == "completed"


def test_an_accepted_case_amended_and_reissued_comes_back_to_intake(demo):
    trust_the_test_authority(demo)
    cast = cast_of(demo)
    hr = user(demo, HR_USERNAME)
    case = completed(demo, cast, RecordKind.CAPABILITY)
    assert stored(demo, case).status == "appeal_decided"
    accept(demo, user=hr, record_ids=[case], catalogue=CATALOGUE, at=LATER)
    assert stored(demo, case).status == "accepted"
    from tests.test_editing import move_on, open_as

    move_on(open_as(demo, case, cast.hr), "amend", at=LATER, reason="A date was wrong.")
    assert stored(demo, case).status == "amending"
    move_on(open_as(demo, case, cast.hr), "reissue", at=LATER + timedelta(minutes=1))
    assert stored(demo, case).status == "appeal_decided"  # not straight back into the register
    assert case in every_row(demo, hr)[1]


def test_the_editor_offers_hr_both_steps_on_a_completed_record(demo):
    from tests.test_editing import open_as

    cast = cast_of(demo)
    record_id = completed(demo, cast)
    offered = {o.name: o for o in open_as(demo, record_id, cast.hr).steps()}
    take, back = offered["hr_accept"], offered["hr_return"]
    assert take.locks and not take.signs and not take.needs_reason
    assert (
        back.needs_reason and back.voids_signatures and "note for the manager" in back.reason_prompt
    )
    assert "hr_accept" not in {o.name for o in open_as(demo, record_id, cast.manager).steps()}
