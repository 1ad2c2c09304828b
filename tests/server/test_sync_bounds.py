"""Numbers and answer keys out of bounds: 422 before anything is read from the database,
and refusals that never echo more than a few short words of what was sent."""

import uuid

import pytest
from sqlalchemy import func, select

from lcc_apr.models import RecordKind
from lcc_apr.server.tables import IdempotentReply
from lcc_apr.sync.protocol import MOST_ANSWER_KEY, MOST_NUMBER

from .harness import wire_of
from .test_push import fetch, high, plain_subject, result

BEYOND = [MOST_NUMBER + 1, 2**63, 2**64]  # PostgreSQL's INTEGER ends at 2^31 - 1


def stored_replies(server) -> int:
    with server.session() as session:
        return session.scalar(select(func.count()).select_from(IdempotentReply))


@pytest.fixture
def draft(live_server):
    """(a manager signed in, a draft supervision about one of their reports)."""
    record = plain_subject(live_server, RecordKind.SUPERVISION, "draft")
    manager = live_server.login(live_server.people.manager_of(record.subject_id).username)
    return manager, record


@pytest.mark.parametrize("number", BEYOND)
def test_a_pull_cursor_or_limit_beyond_the_databases_integers_is_refused(draft, number):
    manager, _ = draft
    _, last = manager.pull_all()
    for params in ({"cursor": number, "epoch": last["epoch"]}, {"limit": number}):
        reply = manager.client.get("/sync/pull", params=params)
        assert reply.status_code == 422, (params, reply.text)
    edge = {"cursor": MOST_NUMBER, "epoch": last["epoch"], "limit": MOST_NUMBER}
    reply = manager.client.get("/sync/pull", params=edge)
    assert reply.status_code == 200 and reply.json()["items"] == []


NUMBERS = ("subject_id", "author_id", "template_version", "server_rev", "base_rev")


@pytest.mark.parametrize("number", BEYOND)
def test_a_pushed_number_beyond_the_databases_integers_is_refused(live_server, draft, number):
    manager, record = draft
    before = high(live_server)
    new = {"id": str(uuid.uuid4()), "server_rev": None, "base_rev": None}
    for name in NUMBERS:
        for wire in (
            wire_of(record, **(new | {name: number})),  # a new record
            wire_of(record, **{name: number}),  # a change
        ):
            reply = manager.push([wire])
            assert reply.status_code == 422, (name, reply.text)
            assert f"records.0.{name}" in reply.json()["detail"]
    signed = wire_of(record, sign_offs=[sign_off(user_id=number)])
    assert manager.push([signed]).status_code == 422
    assert high(live_server) == before and stored_replies(live_server) == 0
    edge = wire_of(record, **(new | {"subject_id": MOST_NUMBER}))
    assert result(manager.push([edge]))["outcome"] == "refused"  # no such person: not yours


def sign_off(**changes) -> dict:
    return {
        "user_id": 1,
        "role": "manager",
        "decision": "confirm",
        "signed_at": "2026-05-01T09:00:00+00:00",
        "content_hash": "a" * 64,
    } | changes


def test_an_integer_answer_beyond_64_bits_is_refused(live_server, draft):
    manager, record = draft
    for answers in ({"duration_minutes": 2**64}, {"previous_actions": [{"owner": -(2**63) - 1}]}):
        reply = manager.push([wire_of(record, answers=answers)])
        assert reply.status_code == 422, reply.text
    assert stored_replies(live_server) == 0


def test_a_long_answer_key_is_refused_without_being_echoed_or_stored(live_server, draft):
    manager, record = draft
    long_key = "k" * 1_000_000
    for answers in (
        {long_key: "x"},
        {"k" * (MOST_ANSWER_KEY + 1): "x"},
        {"previous_actions": [{long_key: "x"}]},  # inside a group's entry
    ):
        reply = manager.push([wire_of(record, answers=answers)])
        assert reply.status_code == 422 and len(reply.content) < 2_000, reply.text[:300]
        assert "answer key" in reply.json()["detail"]
    assert stored_replies(live_server) == 0
    fits = manager.push([wire_of(record, answers={"k" * MOST_ANSWER_KEY: "x"})])
    assert result(fits)["outcome"] == "refused"  # not a field of this form: named, in short
    assert "is not a field of this form" in result(fits)["reason"]
    assert fetch(live_server, record.id).answers == record.answers


def test_a_refusal_names_at_most_a_few_problems_each_cut_short(live_server, draft):
    manager, record = draft
    huge = "x" * 1_000_000
    answers = {
        **{f"unknown_{i}": 1 for i in range(2)},
        "supervision_type": huge,  # each problem echoes the value: cut short
        "previous_actions": [{"status": huge}],
        "workload": 12,
        "learning": 5,
    }
    refused = result(manager.push([wire_of(record, answers=answers)]))
    assert refused["outcome"] == "refused" and "and 1 more" in refused["reason"]
    assert "previous_actions[0].status" in refused["reason"]
    assert len(refused["reason"]) < 2_000
    with live_server.session() as session:
        (stored,) = session.scalars(select(IdempotentReply.reply))
    assert len(stored) < 20_000  # the reply holds the server's copy of the record, not ours


def test_a_nul_character_the_database_cannot_store_is_refused_and_nothing_is_applied(
    live_server, draft
):
    """PostgreSQL stores no NUL in a text: found by the long API fuzzer as a 500 (a push
    key with a NUL). Now a 422 naming why, with nothing applied or stored; SQLite stores
    the text as it came."""
    manager, record = draft
    text_key = next(k for k, v in record.answers.items() if isinstance(v, str))
    before, replies = high(live_server), stored_replies(live_server)
    for key, wire in (
        ("nul\x00key", wire_of(record)),
        (None, wire_of(record, answers={**record.answers, text_key: "before\x00after"})),
    ):
        reply = manager.push([wire], key=key)
        if live_server.backend == "postgresql":
            assert reply.status_code == 422, reply.text
            assert "cannot be stored" in reply.json()["detail"]
            assert (high(live_server), stored_replies(live_server)) == (before, replies)
        else:
            assert reply.status_code == 200, reply.text
