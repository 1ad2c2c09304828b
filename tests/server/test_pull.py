"""Pulling: scope filtering, paging from a cursor, epochs, hidden and scope removals."""

import uuid

from sqlalchemy import select

from lcc_apr.models import Record, RecordKind
from lcc_apr.server import sequence
from lcc_apr.server.org import move_employee
from lcc_apr.server.scope import shared_states
from lcc_apr.server.tables import ScopeEvent

from .harness import AS_OF, wire_of


def record_subjects(items):
    return {i["record"]["subject_id"] for i in items if "record" in i}


def all_records(server):
    with server.session() as session:
        return list(session.scalars(select(Record).order_by(Record.server_rev)))


def test_each_role_pulls_exactly_its_scope(live_server):
    people = live_server.people
    everything = all_records(live_server)
    manager = people.manager_of(people.employees[0].employee_id)
    team = {u.employee_id for u in people.reports(manager)}
    own_shared = [
        r.id
        for r in everything
        if r.subject_id == manager.employee_id and r.status in shared_states(r.kind)
    ]
    expected = {r.id for r in everything if r.subject_id in team} | set(own_shared)
    items, reply = live_server.login(manager.username).pull_all()
    assert {i["record"]["id"] for i in items} == expected
    assert reply["cursor"] == everything[-1].server_rev and reply["reset"] is False

    employee = people.employees[0]
    items, _ = live_server.login(employee.username).pull_all()
    assert record_subjects(items) == {employee.employee_id}
    mine = [r for r in everything if r.subject_id == employee.employee_id]
    assert {i["record"]["id"] for i in items} == {
        r.id for r in mine if r.status in shared_states(r.kind)
    }

    hr = people.hr[0]
    items, _ = live_server.login(hr.username).pull_all()
    hidden_from_hr = {
        r.id
        for r in everything
        if r.subject_id == hr.employee_id and r.status not in shared_states(r.kind)
    }
    assert {i["record"]["id"] for i in items} == {r.id for r in everything} - hidden_from_hr
    assert len(items) == len(everything) - len(hidden_from_hr)


def test_an_employee_sees_no_draft_of_their_own(live_server):
    draft = next(
        r
        for r in live_server.records(status="draft")
        if r.subject_id in {u.employee_id for u in live_server.people.employees}
    )
    employee = live_server.login(live_server.people.by_employee(draft.subject_id).username)
    items, _ = employee.pull_all()
    assert draft.id not in {i["record"]["id"] for i in items}


def test_paging_resumes_exactly_from_the_cursor_even_while_others_write(live_server):
    hr = live_server.login(live_server.people.hr[0].username)
    whole, last = hr.pull_all(limit=500)
    assert len(whole) > 500  # more than one full page
    hr_self = live_server.people.hr[0].employee_id
    target = next(
        r
        for r in all_records(live_server)
        if r.kind == RecordKind.SUPERVISION and r.status == "draft" and r.subject_id != hr_self
    )
    pages, cursor, epoch, edited = [], 0, None, None
    while True:
        params = {"cursor": cursor, "limit": 37, **({"epoch": epoch} if epoch else {})}
        reply = hr.client.get("/sync/pull", params=params).json()
        assert len(reply["items"]) <= 37
        pages.append(reply["items"])
        cursor, epoch = reply["cursor"], reply["epoch"]
        if edited is None and cursor >= target.server_rev:
            # Someone changes a record a page already carried, while HR is still paging.
            manager = live_server.login(live_server.people.manager_of(target.subject_id).username)
            change = wire_of(target, answers={"workload": "Changed while HR was paging."})
            assert manager.push([change]).json()["results"][0]["outcome"] == "applied"
            edited = target.id
        if not reply["more"]:
            break
    seqs = [i["seq"] for page in pages for i in page]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    ids = [i["record"]["id"] for page in pages for i in page]
    assert ids.count(edited) == 2  # the old version, then the new one at its new number
    assert set(ids) == {i["record"]["id"] for i in whole}
    assert len(seqs) == len(whole) + 1
    # Resuming from any page's cursor gives exactly what followed it.
    middle = pages[3][-1]["seq"]
    resumed, _ = hr.pull_all(cursor=middle, epoch=epoch, limit=37)
    now_whole, _ = hr.pull_all(limit=500)
    assert [i["seq"] for i in resumed] == [i["seq"] for i in now_whole if i["seq"] > middle]
    assert [i["seq"] for i in resumed][-1] == seqs[-1]
    assert last["more"] is False


def test_a_page_is_never_longer_than_the_servers_limit(live_server_factory):
    server = live_server_factory(page_limit=25)
    hr = server.login(server.people.hr[0].username)
    reply = hr.client.get("/sync/pull", params={"limit": 10_000}).json()
    assert len(reply["items"]) == 25 and reply["more"] is True
    assert reply["cursor"] == reply["items"][-1]["seq"]


def test_a_new_epoch_makes_the_client_start_again_from_zero(live_server):
    hr = live_server.login(live_server.people.hr[0].username)
    _items, reply = hr.pull_all()
    old_epoch, cursor = reply["epoch"], reply["cursor"]
    nothing = hr.client.get("/sync/pull", params={"cursor": cursor, "epoch": old_epoch}).json()
    assert nothing["items"] == [] and nothing["reset"] is False
    with live_server.session() as session:
        new_epoch = sequence.new_epoch(session)
    reset = hr.client.get("/sync/pull", params={"cursor": cursor, "epoch": old_epoch}).json()
    assert reset["reset"] is True and reset["epoch"] == new_epoch != old_epoch
    assert reset["items"][0]["seq"] == 1
    again = hr.client.get("/sync/pull", params={"cursor": reset["cursor"], "epoch": new_epoch})
    assert again.json()["reset"] is False


def test_withdrawing_a_shared_record_sends_the_employee_a_hidden_removal(live_server):
    plain = {u.employee_id for u in live_server.people.employees}
    record = next(
        r
        for r in live_server.records(kind=RecordKind.APR, status="shared")
        if r.subject_id in plain
    )
    employee = live_server.login(live_server.people.by_employee(record.subject_id).username)
    items, reply = employee.pull_all()
    assert record.id in {i["record"]["id"] for i in items}
    manager = live_server.login(live_server.people.manager_of(record.subject_id).username)
    withdrawn = manager.push([wire_of(record, status="draft")]).json()["results"][0]
    assert withdrawn["outcome"] == "applied"
    later, _ = employee.pull_all(cursor=reply["cursor"], epoch=reply["epoch"])
    assert later == [{"seq": withdrawn["server_rev"], "remove": record.id, "reason": "hidden"}]


def test_changes_to_a_draft_the_employee_never_saw_send_them_nothing(live_server):
    plain = {u.employee_id for u in live_server.people.employees}
    draft = next(r for r in live_server.records(status="draft") if r.subject_id in plain)
    employee = live_server.login(live_server.people.by_employee(draft.subject_id).username)
    _items, reply = employee.pull_all()
    manager = live_server.login(live_server.people.manager_of(draft.subject_id).username)
    change = wire_of(draft, answers={"manager_comments": "Still drafting."})
    if draft.kind == RecordKind.SUPERVISION:
        change = wire_of(draft, answers={"workload": "Still drafting."})
    assert manager.push([change]).json()["results"][0]["outcome"] == "applied"
    later, _ = employee.pull_all(cursor=reply["cursor"], epoch=reply["epoch"])
    assert later == []


def test_moving_an_employee_removes_their_records_from_the_old_manager_and_gives_them_to_the_new(
    live_server,
):
    people = live_server.people
    mover = next(u for u in people.employees if len(live_server.records(subject_id=u.employee_id)))
    old = people.manager_of(mover.employee_id)
    new = next(m for m in people.managers if m.employee_id not in (old.employee_id,))
    theirs = {r.id for r in live_server.records(subject_id=mover.employee_id)}
    old_client, new_client = live_server.login(old.username), live_server.login(new.username)
    _, old_reply = old_client.pull_all()
    _, new_reply = new_client.pull_all()
    with live_server.session() as session:
        events = move_employee(session, mover.employee_id, new.employee_id, indirect_reports=False)
    assert [(e.user_id, e.kind) for e in events] == [(old.id, "leave"), (new.id, "enter")]
    assert events[0].seq < events[1].seq
    removed, _ = old_client.pull_all(cursor=old_reply["cursor"], epoch=old_reply["epoch"])
    assert {i["remove"] for i in removed} == theirs
    assert {i["reason"] for i in removed} == {"scope"}
    assert {i["seq"] for i in removed} == {events[0].seq}
    gained, _ = new_client.pull_all(cursor=new_reply["cursor"], epoch=new_reply["epoch"])
    assert {i["record"]["id"] for i in gained} == theirs
    assert {i["seq"] for i in gained} == {events[1].seq}
    # The old manager can no longer write them; the new one can.
    record = live_server.records(subject_id=mover.employee_id, kind=RecordKind.SUPERVISION)[-1]
    change = wire_of(record, answers={"workload": "Settling into the new team."})
    assert old_client.push([change]).json()["results"][0]["outcome"] == "refused"
    with live_server.session() as session:
        assert session.scalars(select(ScopeEvent.kind).order_by(ScopeEvent.seq)).all() == [
            "leave",
            "enter",
        ]


def test_with_indirect_reports_a_manager_sees_reports_reports_but_never_their_capability_cases(
    live_server_factory,
):
    server = live_server_factory(indirect_reports=True)
    people = server.people
    top, middle = next(
        (m, r) for m in people.managers for r in people.reports(m) if r in people.managers
    )
    below = next(r for r in people.reports(middle) if r in people.employees)
    hr = server.login(people.hr[0].username)
    case = {
        "id": str(uuid.uuid4()),
        "kind": "capability",
        "subject_id": below.employee_id,
        "author_id": None,
        "template_id": "capability",
        "template_version": 1,
        "answers": {},
        "status": "informal",
        "record_date": AS_OF.isoformat(),
        "created_at": "2025-11-30T09:00:00+00:00",
        "updated_at": "2025-11-30T09:00:00+00:00",
        "deleted": False,
        "server_rev": None,
        "base_rev": None,
    }
    created = hr.push([case]).json()["results"][0]
    assert created["outcome"] == "applied", created
    top_items, _ = server.login(top.username).pull_all()
    top_ids = {i["record"]["id"] for i in top_items}
    assert below.employee_id in record_subjects(top_items)
    assert case["id"] not in top_ids
    middle_items, _ = server.login(middle.username).pull_all()
    assert case["id"] in {i["record"]["id"] for i in middle_items}
    # Seeing is not writing: the indirect manager may not change their records.
    supervision = server.records(subject_id=below.employee_id, kind=RecordKind.SUPERVISION)[-1]
    refused = server.login(top.username).push([wire_of(supervision, answers={"workload": "x"})])
    assert refused.json()["results"][0]["reason"] == "You may read this record but not change it."
