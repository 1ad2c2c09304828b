"""Pushing records: field rights, workflow steps, conflicts, idempotency, create and delete."""

import uuid

from sqlalchemy import func, select

from lcc_apr.history import history, verify_history
from lcc_apr.models import ChangeAction, Record, RecordKind
from lcc_apr.server.push import body_hash
from lcc_apr.server.tables import AuditEntry, ServerMeta
from lcc_apr.sync.protocol import PushBody

from .harness import AS_OF, wire_of


def plain_subject(server, kind, status):
    """A record of `kind` at `status` about an employee who manages nobody."""
    plain = {u.employee_id for u in server.people.employees}
    return next(r for r in server.records(kind=kind, status=status) if r.subject_id in plain)


def fetch(server, record_id):
    with server.session() as session:
        return session.get(Record, record_id)


def result(reply):
    assert reply.status_code == 200, reply.text
    (only,) = reply.json()["results"]
    return only


def high(server):
    with server.session() as session:
        return session.scalar(select(ServerMeta.seq))


def test_an_employee_takes_their_own_step_but_cannot_edit_the_managers_fields(live_server):
    record = plain_subject(live_server, RecordKind.APR, "shared")
    employee = live_server.login(live_server.people.by_employee(record.subject_id).username)
    sneaky = wire_of(record, answers={"manager_comments": "I was brilliant all year."})
    refused = result(employee.push([sneaky]))
    assert refused["outcome"] == "refused"
    assert "manager_comments" in refused["reason"]
    assert fetch(live_server, record.id).answers == record.answers
    manager_step = result(employee.push([wire_of(record, status="draft")]))
    assert manager_step["outcome"] == "refused" and "manager" in manager_step["reason"].lower()

    respond = wire_of(
        record,
        answers={"employee_response": "agree", "employee_comments": "A fair review."},
        status="responded",
    )
    applied = result(employee.push([respond]))
    assert applied["outcome"] == "applied"
    assert applied["server_rev"] > record.server_rev
    stored = fetch(live_server, record.id)
    assert stored.status == "responded" and stored.server_rev == applied["server_rev"]
    assert stored.answers["employee_response"] == "agree"
    with live_server.session() as session:
        changes = history(session, record.id)
        assert verify_history(session, stored) == []
    edit, step = changes[-2:]
    assert edit.action == ChangeAction.UPDATE and edit.user_id == employee.user["id"]
    assert step.action == ChangeAction.STATUS and step.patch["note"] == {"step": "respond"}


def test_a_step_with_missing_answers_or_an_illegal_jump_is_refused(live_server):
    record = plain_subject(live_server, RecordKind.APR, "shared")
    manager = live_server.login(live_server.people.manager_of(record.subject_id).username)
    jump = result(manager.push([wire_of(record, status="completed")]))
    assert jump["outcome"] == "refused" and "cannot go from" in jump["reason"]
    withdrawn = result(manager.push([wire_of(record, status="draft")]))
    assert withdrawn["outcome"] == "applied"
    record = fetch(live_server, record.id)
    missing = wire_of(record, answers={"manager_comments": None}, status="shared")
    refused = result(manager.push([missing]))
    assert refused["outcome"] == "refused"
    assert "needs more answers" in refused["reason"] and "manager_comments" in refused["reason"]
    unknown = result(manager.push([wire_of(record, status="on_holiday")]))
    assert unknown["outcome"] == "refused"
    assert fetch(live_server, record.id).status == "draft"
    shared_again = result(manager.push([wire_of(record, status="shared")]))
    assert shared_again["outcome"] == "applied"
    refusals = [a.outcome for a in live_server_audit(live_server, event="push")]
    assert refusals.count("refused:step") == 2 and "refused:status" in refusals


def live_server_audit(server, **where):
    with server.session() as session:
        return list(session.scalars(select(AuditEntry).filter_by(**where)))


def test_a_conflict_returns_the_servers_current_version(live_server):
    record = plain_subject(live_server, RecordKind.SUPERVISION, "draft")
    manager = live_server.login(live_server.people.manager_of(record.subject_id).username)
    first = result(manager.push([wire_of(record, answers={"workload": "Manageable."})]))
    assert first["outcome"] == "applied"
    stale = wire_of(record, answers={"workload": "Too much."})  # still based on the old rev
    conflict = result(manager.push([stale]))
    assert conflict["outcome"] == "conflict"
    assert conflict["server_rev"] == first["server_rev"]
    assert conflict["record"]["answers"]["workload"] == "Manageable."
    assert conflict["record"]["server_rev"] == first["server_rev"]
    assert conflict["reason"]
    as_new = result(manager.push([wire_of(record, base_rev=None)]))
    assert as_new["outcome"] == "conflict"
    assert fetch(live_server, record.id).answers["workload"] == "Manageable."


def test_the_same_push_key_twice_applies_once_and_replies_the_same(live_server):
    record = plain_subject(live_server, RecordKind.SUPERVISION, "draft")
    manager = live_server.login(live_server.people.manager_of(record.subject_id).username)
    body = [wire_of(record, answers={"workload": "Busy but fine."})]
    key = str(uuid.uuid4())
    before = high(live_server)
    first = manager.push(body, key=key)
    again = manager.push(body, key=key)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert result(first)["outcome"] == "applied"
    assert high(live_server) == before + 1
    with live_server.session() as session:
        assert len(history(session, record.id)) == 2
    # Another user's identical key is theirs alone.
    other = live_server.login(live_server.people.hr[0].username)
    assert result(other.push(body, key=key))["outcome"] == "conflict"


def test_a_key_used_again_for_another_body_is_refused_and_nothing_is_applied(live_server):
    record = plain_subject(live_server, RecordKind.SUPERVISION, "draft")
    manager = live_server.login(live_server.people.manager_of(record.subject_id).username)
    other = next(r for r in live_server.records(subject_id=record.subject_id) if r.id != record.id)
    key = str(uuid.uuid4())
    first = manager.push([wire_of(record, answers={"workload": "First wording."})], key=key)
    assert result(first)["outcome"] == "applied"
    before, applied = high(live_server), fetch(live_server, record.id)
    for body in (
        [wire_of(record, answers={"workload": "Second wording."})],  # edited again, resent
        [wire_of(applied, answers={"workload": "Second wording."})],  # from the new revision
        [wire_of(other)],  # another record
        [],
    ):
        again = manager.push(body, key=key)
        assert again.status_code == 422, again.text
        assert again.json()["code"] == "key_reused" and "results" not in again.json()
    assert high(live_server) == before
    assert fetch(live_server, record.id).answers == applied.answers
    replay = manager.push([wire_of(record, answers={"workload": "First wording."})], key=key)
    assert replay.content == first.content  # the very body first sent: its reply again
    assert high(live_server) == before


def test_a_push_is_known_by_its_records_however_their_json_is_written():
    wire = {
        "id": str(uuid.uuid4()),
        "kind": "supervision",
        "subject_id": 2,
        "template_id": "supervision",
        "template_version": 1,
        "answers": {"workload": "Heavy", "previous_actions": [{"action": "A", "owner": "B"}]},
        "status": "draft",
        "created_at": "2026-05-01T09:00:00+00:00",
        "updated_at": "2026-05-01T09:00:00+00:00",
    }
    reordered = dict(reversed(wire.items())) | {"deleted": False, "restore": False}
    reordered["answers"] = {
        "previous_actions": [{"owner": "B", "action": "A"}],
        "workload": "Heavy",
    }
    changed = wire | {"answers": {**wire["answers"], "workload": "Light"}}

    def digest(*records):
        return body_hash(PushBody.model_validate({"key": "k", "records": list(records)}))

    assert digest(wire) == digest(reordered)  # defaults written out or left out alike
    assert len({digest(wire), digest(changed), digest(), digest(wire, wire)}) == 4


def test_a_manager_creates_records_for_their_reports_only(live_server):
    manager_user = live_server.people.managers[0]
    mine = live_server.people.reports(manager_user)[0]
    someone_else = next(
        u
        for u in live_server.people.employees
        if u.manager_id != manager_user.employee_id and u.employee_id != manager_user.employee_id
    )
    manager = live_server.login(manager_user.username)

    def new(subject_id):
        return {
            "id": str(uuid.uuid4()),
            "kind": "supervision",
            "subject_id": subject_id,
            "author_id": None,
            "template_id": "supervision",
            "template_version": 1,
            "answers": {"meeting_date": AS_OF.isoformat()},
            "status": "draft",
            "record_date": AS_OF.isoformat(),
            "created_at": "2025-11-30T09:00:00+00:00",
            "updated_at": "2025-11-30T09:00:00+00:00",
            "deleted": False,
            "server_rev": None,
            "base_rev": None,
        }

    ok, refused = new(mine.employee_id), new(someone_else.employee_id)
    reply = manager.push([ok, refused]).json()["results"]
    assert [r["outcome"] for r in reply] == ["applied", "refused"]
    assert [r["id"] for r in reply] == [ok["id"], refused["id"]]
    stored = fetch(live_server, ok["id"])
    assert stored.author_id == manager_user.id and stored.server_rev == reply[0]["server_rev"]
    assert fetch(live_server, refused["id"]) is None
    assert result(manager.push([{**new(mine.employee_id), "template_version": 9}]))[
        "reason"
    ].startswith("This server does not know form")


def test_amending_a_signed_record_needs_a_reason_and_voids_nothing_else(live_server):
    record = plain_subject(live_server, RecordKind.APR, "completed")
    manager = live_server.login(live_server.people.manager_of(record.subject_id).username)
    changed_locked = result(manager.push([wire_of(record, answers={"manager_comments": "Edit"})]))
    assert changed_locked["outcome"] == "refused" and "after sign-off" in changed_locked["reason"]
    no_reason = result(manager.push([wire_of(record, status="draft")]))
    assert no_reason["outcome"] == "refused" and "why" in no_reason["reason"]
    amend = wire_of(
        record,
        status="draft",
        step_reason="The objectives were copied from the wrong year.",
        answers={"manager_comments": "Corrected objectives."},
    )
    applied = result(manager.push([amend]))
    assert applied["outcome"] == "applied"
    with live_server.session() as session:
        step, edit = history(session, record.id)[-2:]
    assert step.action == ChangeAction.AMEND
    assert step.patch["note"]["reason"].startswith("The objectives")
    assert edit.patch == {"answers": {"manager_comments": "Corrected objectives."}}


def test_only_a_first_stage_record_can_be_deleted_and_its_tombstone_travels(live_server):
    draft = plain_subject(live_server, RecordKind.SUPERVISION, "draft")
    manager = live_server.login(live_server.people.manager_of(draft.subject_id).username)
    deleted = result(manager.push([wire_of(draft, deleted=True)]))
    assert deleted["outcome"] == "applied"
    assert fetch(live_server, draft.id).deleted
    completed = next(
        r
        for r in live_server.records(subject_id=draft.subject_id, status="completed")
        if r.kind == RecordKind.SUPERVISION
    )
    refused = result(manager.push([wire_of(completed, deleted=True)]))
    assert refused["outcome"] == "refused" and "cannot be deleted" in refused["reason"]
    epoch = manager.client.get("/version").json()["epoch"]
    items, _reply = manager.pull_all(cursor=deleted["server_rev"] - 1, epoch=epoch)
    assert items[0]["seq"] == deleted["server_rev"]
    assert items[0]["record"]["id"] == draft.id and items[0]["record"]["deleted"] is True


def test_a_deleted_record_is_restored_only_by_someone_who_may_change_it(live_server):
    draft = plain_subject(live_server, RecordKind.SUPERVISION, "draft")
    line_manager = live_server.people.manager_of(draft.subject_id)
    manager = live_server.login(line_manager.username)
    deleted = result(manager.push([wire_of(draft, deleted=True)]))
    gone = fetch(live_server, draft.id)
    assert gone.deleted and gone.server_rev == deleted["server_rev"]
    back = {"workload": "Still needed: restored."}

    def still_deleted() -> None:
        now = fetch(live_server, draft.id)
        assert now.deleted and now.server_rev == gone.server_rev and now.answers == gone.answers

    # Without `restore`, an undeleted copy is refused as before.
    plain = result(manager.push([wire_of(gone, deleted=False, answers=back)]))
    assert plain["outcome"] == "refused" and plain["reason"] == "This record has been deleted."
    still_deleted()
    # Someone outside the record's scope: another team's manager, the employee themself.
    outsider = next(
        m
        for m in live_server.people.managers
        if draft.subject_id not in {u.employee_id for u in live_server.people.reports(m)}
        and m.employee_id != draft.subject_id
    )
    employee = live_server.people.by_employee(draft.subject_id)
    for stranger in (outsider, employee):
        signed_in = live_server.login(stranger.username)
        refused = result(signed_in.push([wire_of(gone, deleted=False, restore=True, answers=back)]))
        assert refused["outcome"] == "refused" and refused["server_rev"] is None
        assert "not one you may see or change" in refused["reason"]
        audited = live_server_audit(live_server, user_id=stranger.id, event="push")
        assert [a.outcome for a in audited] == ["refused:scope"]
        still_deleted()
    # The line manager, with a field only the employee may fill in: refused, nothing written.
    theirs = {**back, "employee_comments": "Written by the manager"}
    fields = result(manager.push([wire_of(gone, deleted=False, restore=True, answers=theirs)]))
    assert fields["outcome"] == "refused" and "employee_comments" in fields["reason"]
    assert fields["record"]["deleted"] is True  # the server's version, to go back to
    still_deleted()
    # A restore made from an older revision is a conflict, as any push.
    stale = result(
        manager.push([wire_of(gone, deleted=False, restore=True, base_rev=draft.server_rev)])
    )
    assert stale["outcome"] == "conflict" and stale["record"]["deleted"] is True
    still_deleted()
    with live_server.session() as session:
        entries_before = len(history(session, draft.id))

    restored = result(manager.push([wire_of(gone, deleted=False, restore=True, answers=back)]))
    assert restored["outcome"] == "applied" and restored["server_rev"] > gone.server_rev
    now = fetch(live_server, draft.id)
    assert not now.deleted and now.deleted_at is None and now.server_rev == restored["server_rev"]
    assert now.answers["workload"] == back["workload"]
    with live_server.session() as session:
        entries = history(session, draft.id)
        assert verify_history(session, now) == []
    first, second = entries[entries_before:]
    assert first.patch == {"deleted": False, "note": {"restored": True}}
    assert first.user_id == line_manager.id
    assert second.patch == {"answers": {"workload": back["workload"]}}
    outcomes = [a.outcome for a in live_server_audit(live_server, user_id=line_manager.id)]
    assert "restored" in outcomes and outcomes.count("refused:fields") == 1
    # Every device in scope pulls it back.
    epoch = manager.client.get("/version").json()["epoch"]
    items, _reply = manager.pull_all(cursor=gone.server_rev, epoch=epoch)
    (item,) = [i for i in items if i.get("record", {}).get("id") == draft.id]
    assert item["seq"] == restored["server_rev"] and item["record"]["deleted"] is False
    # Once back, `restore` again is an ordinary push: nothing changes, nothing numbered.
    again = result(manager.push([wire_of(now, restore=True)]))
    assert again == {"id": draft.id, "outcome": "applied", "server_rev": now.server_rev}


def test_hr_may_restore_a_record_just_as_it_was(live_server):
    draft = plain_subject(live_server, RecordKind.SUPERVISION, "draft")
    hr_user = next(u for u in live_server.people.hr if u.employee_id != draft.subject_id)
    hr = live_server.login(hr_user.username)
    manager = live_server.login(live_server.people.manager_of(draft.subject_id).username)
    result(manager.push([wire_of(draft, deleted=True)]))  # its author deletes it
    gone = fetch(live_server, draft.id)
    restored = result(hr.push([wire_of(gone, deleted=False, restore=True)]))  # no answer changed
    assert restored["outcome"] == "applied" and restored["server_rev"] > gone.server_rev
    now = fetch(live_server, draft.id)
    assert not now.deleted and now.answers == draft.answers
    with live_server.session() as session:
        last = history(session, draft.id)[-1]
        assert verify_history(session, now) == []
    assert last.patch == {"deleted": False, "note": {"restored": True}}
    assert last.user_id == hr_user.id


def test_a_signed_record_is_never_restored(live_server):
    completed = plain_subject(live_server, RecordKind.SUPERVISION, "completed")
    with live_server.session() as session:  # deleted by some other means: still locked
        session.get(Record, completed.id).deleted = True
    gone = fetch(live_server, completed.id)
    manager = live_server.login(live_server.people.manager_of(completed.subject_id).username)
    refused = result(manager.push([wire_of(gone, deleted=False, restore=True)]))
    assert refused["outcome"] == "refused" and "locked" in refused["reason"]
    assert fetch(live_server, completed.id).deleted


def test_a_manager_cannot_push_another_teams_records_and_the_refusal_is_audited(live_server):
    outsider = live_server.people.managers[0]
    theirs = next(
        r
        for r in live_server.records(kind=RecordKind.SUPERVISION)
        if r.subject_id not in {u.employee_id for u in live_server.people.reports(outsider)}
        and r.subject_id != outsider.employee_id
    )
    manager = live_server.login(outsider.username)
    refused = result(manager.push([wire_of(theirs, answers={"workload": "Changed by a stranger"})]))
    assert refused == {
        "id": theirs.id,
        "outcome": "refused",
        "server_rev": None,
        "reason": refused["reason"],
    }
    assert fetch(live_server, theirs.id).answers == theirs.answers
    rows = live_server_audit(live_server, user_id=outsider.id, event="push")
    assert [r.outcome for r in rows] == ["refused:scope"]
    assert rows[0].route == "/sync/push"
    with live_server.session() as session:  # nothing was numbered for it
        assert session.scalar(select(func.max(Record.server_rev))) == high(live_server)


def test_only_the_author_deletes_a_draft_never_shared_and_it_is_audited(live_server):
    """Issue 12 defect 4: a mistaken draft is deleted by its author; HR (who did not start
    it) and a draft shared and taken back are refused, and nothing changes."""
    draft = plain_subject(live_server, RecordKind.SUPERVISION, "draft")
    author = live_server.people.manager_of(draft.subject_id)
    hr_user = next(u for u in live_server.people.hr if u.employee_id != draft.subject_id)
    hr = live_server.login(hr_user.username)
    refused = result(hr.push([wire_of(draft, deleted=True)]))
    assert refused["outcome"] == "refused" and "person who started" in refused["reason"]
    assert not fetch(live_server, draft.id).deleted
    manager = live_server.login(author.username)
    assert result(manager.push([wire_of(draft, deleted=True)]))["outcome"] == "applied"
    assert fetch(live_server, draft.id).deleted
    outcomes = [a.outcome for a in live_server_audit(live_server, user_id=author.id)]
    assert "deleted" in outcomes

    shared = plain_subject(live_server, RecordKind.APR, "shared")
    manager = live_server.login(live_server.people.manager_of(shared.subject_id).username)
    assert result(manager.push([wire_of(shared, status="draft")]))["outcome"] == "applied"
    taken_back = fetch(live_server, shared.id)
    again = result(manager.push([wire_of(taken_back, deleted=True)]))
    assert again["outcome"] == "refused" and "was shared before" in again["reason"]
    assert not fetch(live_server, shared.id).deleted


def test_what_a_party_may_edit_follows_the_stage(live_server):
    """Shared: the manager waits for the employee; responded: the response is sent."""
    shared = plain_subject(live_server, RecordKind.APR, "shared")
    manager = live_server.login(live_server.people.manager_of(shared.subject_id).username)
    meddling = result(manager.push([wire_of(shared, answers={"manager_comments": "Changed."})]))
    assert meddling["outcome"] == "refused" and "Shared with the employee" in meddling["reason"]
    assert fetch(live_server, shared.id).answers == shared.answers
    taken_back = wire_of(shared, answers={"manager_comments": "Changed."}, status="draft")
    assert result(manager.push([taken_back]))["outcome"] == "applied"

    responded = plain_subject(live_server, RecordKind.APR, "responded")
    employee = live_server.login(live_server.people.by_employee(responded.subject_id).username)
    again = wire_of(responded, answers={"employee_comments": "On second thoughts..."})
    refused = result(employee.push([again]))
    assert refused["outcome"] == "refused" and "employee_comments" in refused["reason"]
