"""Rights in one place: who starts, deletes and restores; the state before an amendment;
writing a step; the label filler and the party-to-role mapping."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lcc_apr.history import update_record
from lcc_apr.models import ChangeAction, RecordChange, RecordKind, Role, SignOff, SignOffRole
from lcc_apr.workflow import (
    PARTY_ROLE,
    PARTY_SIGN_OFF_ROLE,
    SIGN_OFF_PARTY,
    WORKFLOWS,
    Party,
    WorkflowError,
    apply_step,
    check_delete,
    check_restore,
    check_start,
    check_step,
    ever_shared,
    fill_names,
    may_delete,
    may_restore,
    may_start,
    state_before_amendment,
)

from .test_workflow import EMPLOYEE, HR, MANAGER, STRANGER, T0, new_record, template_for
from .test_workflow import session as session  # the fixture

APR = RecordKind.APR
CAPABILITY = RecordKind.CAPABILITY


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [(MANAGER, True), (HR, True), (EMPLOYEE, False), (STRANGER, False)],
    ids=["line manager", "HR", "the employee", "another manager"],
)
def test_only_the_line_manager_or_hr_may_start(actor, allowed):
    assert may_start(actor=actor) is allowed
    if allowed:
        check_start(actor=actor)
    else:
        with pytest.raises(WorkflowError, match="Only the employee's line manager or HR"):
            check_start(actor=actor)


@pytest.mark.parametrize(
    ("actor", "kind", "status", "author", "shared", "refusal"),
    [
        (MANAGER, APR, "draft", 1, False, None),
        (HR, CAPABILITY, "informal", 3, False, None),
        (EMPLOYEE, APR, "draft", 2, False, "Only the line manager or HR can delete"),
        (STRANGER, APR, "draft", 4, False, "Only the line manager or HR can delete"),
        (MANAGER, APR, "shared", 1, True, "shared with the employee cannot be deleted"),
        (HR, CAPABILITY, "improvement_note", 3, True, "only a draft never shared can"),
        (HR, APR, "completed", 3, True, "completed cannot be deleted"),
        (HR, APR, "draft", 1, False, "Only the person who started this draft"),
        (MANAGER, APR, "draft", None, False, "Only the person who started this draft"),
        (MANAGER, APR, "draft", 1, True, "was shared before"),
    ],
)
def test_only_the_author_deletes_a_draft_never_shared(actor, kind, status, author, shared, refusal):
    rule = {"actor": actor, "kind": kind, "status": status, "author_id": author, "shared": shared}
    assert may_delete(**rule) is (refusal is None)
    if refusal is None:
        check_delete(**rule)
    else:
        with pytest.raises(WorkflowError, match=refusal):
            check_delete(**rule)


def test_a_draft_shared_and_taken_back_was_shared(session):
    record = new_record(session, APR)
    assert not ever_shared(session, record=record)
    update_record(session, record, user_id=1, at=T0, status="shared")
    assert ever_shared(session, record=record)
    update_record(session, record, user_id=1, at=T0, status="draft")
    assert ever_shared(session, record=record)


@pytest.mark.parametrize(
    ("actor", "kind", "status", "refusal"),
    [
        (MANAGER, APR, "draft", None),
        (MANAGER, APR, "shared", None),  # unlike deleting, any unlocked stage
        (HR, CAPABILITY, "final_warning", None),
        (EMPLOYEE, APR, "draft", "Only the line manager or HR can bring back"),
        (STRANGER, APR, "shared", "Only the line manager or HR can bring back"),
        (MANAGER, APR, "employee_signed", "signed \\(locked\\) record cannot be brought back"),
        (HR, CAPABILITY, "closed_improved", "signed \\(locked\\) record cannot be brought back"),
    ],
)
def test_restore_by_the_line_manager_or_hr_and_never_a_locked_record(actor, kind, status, refusal):
    assert may_restore(actor=actor, kind=kind, status=status) is (refusal is None)
    if refusal is None:
        check_restore(actor=actor, kind=kind, status=status)
    else:
        with pytest.raises(WorkflowError, match=refusal):
            check_restore(actor=actor, kind=kind, status=status)


def _step(kind, name):
    return WORKFLOWS[kind].transition(name)


def test_the_state_before_the_latest_amendment(session):
    record = new_record(session, CAPABILITY)
    assert state_before_amendment(session, record_id=record.id) is None
    for name, target in [
        ("issue_improvement_note", "improvement_note"),
        ("close_improved", "closed_improved"),
        ("amend", "amending"),
    ]:
        apply_step(session, record, step=_step(CAPABILITY, name), target=target, user_id=3, at=T0)
    assert state_before_amendment(session, record_id=record.id) == "closed_improved"
    update_record(session, record, user_id=3, at=T0, status="closed_hearing")
    apply_step(
        session, record, step=_step(CAPABILITY, "amend"), target="amending", user_id=3, at=T0
    )
    assert state_before_amendment(session, record_id=record.id) == "closed_hearing"


def test_applying_a_step_writes_its_name_and_only_a_needed_reason(session):
    record = new_record(session, APR)
    change = apply_step(
        session, record, step=_step(APR, "share"), target="shared", user_id=1, at=T0, reason="x"
    )
    assert record.status == "shared"
    assert change.action == ChangeAction.STATUS and change.patch["note"] == {"step": "share"}


def test_applying_an_amendment_voids_every_live_signature_and_keeps_the_reason(session):
    record = new_record(session, APR)
    update_record(session, record, user_id=1, at=T0, status="completed")
    earlier = T0 - timedelta(days=9)
    for user, role, superseded in ((2, "employee", None), (1, "manager", None), (1, "hr", earlier)):
        session.add(
            SignOff(
                record_id=record.id,
                user_id=user,
                role=role,
                decision="agree",
                signed_at=T0,
                content_hash="0" * 64,
                superseded_at=superseded,
            )
        )
    # not flushed: the step must still find them
    later = T0 + timedelta(days=1)
    change = apply_step(
        session,
        record,
        step=_step(APR, "amend"),
        target="draft",
        user_id=3,
        at=later,
        reason="Wrong year",
    )
    assert change.action == ChangeAction.AMEND
    assert change.patch["note"] == {"step": "amend", "reason": "Wrong year"}
    voided = sorted(s.superseded_at for s in session.scalars(select(SignOff)))
    assert voided == [earlier, later, later]
    assert session.scalars(select(RecordChange.action)).all()[-1] == ChangeAction.AMEND


def test_a_step_that_leaves_the_record_where_it_is_is_refused(session):
    record = new_record(session, APR)
    with pytest.raises(WorkflowError, match="would leave the record where it is"):
        apply_step(session, record, step=_step(APR, "withdraw"), target="draft", user_id=1, at=T0)


def test_step_labels_name_people_once():
    label = "Share with {employee}, then tell {manager}"
    assert fill_names(label) == "Share with the employee, then tell the manager"
    assert fill_names(label, employee="Ada", manager="Bo") == "Share with Ada, then tell Bo"


def test_every_party_has_one_role_and_one_sign_off_role_and_back():
    assert set(PARTY_ROLE) == set(Party) == set(PARTY_SIGN_OFF_ROLE)
    assert {PARTY_ROLE[p].value for p in Party} == {p.value for p in Party}
    assert PARTY_ROLE[Party.MANAGER] is Role.MANAGER
    assert PARTY_SIGN_OFF_ROLE[Party.HR] is SignOffRole.HR
    assert all(SIGN_OFF_PARTY[PARTY_SIGN_OFF_ROLE[p]] is p for p in Party)


def test_a_refused_step_names_people_in_plain_words(session, tmp_path):
    record = new_record(session, APR)
    update_record(session, record, user_id=1, at=T0, status="shared")
    with pytest.raises(WorkflowError) as refused:
        check_step(record, "share", MANAGER, template_for(APR, tmp_path))
    assert str(refused.value).startswith("'Share with the employee for review' is not possible")
