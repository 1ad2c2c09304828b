"""A record's content hash (lcc_apr.evidence) and how a cache compares its stored copy."""

from __future__ import annotations

import hashlib

import orjson

from lcc_apr.evidence import answers_json, content_hash, hash_of_stored, range_digest, range_line
from lcc_apr.sync.evidence import Findings, _matches, _turn

HEAD = {
    "id": "0b6c7d3e-1f2a-4b5c-8d9e-0f1a2b3c4d5e",
    "kind": "supervision",
    "subject_id": 12,
    "author_id": 3,
    "template_id": "supervision",
    "template_version": 1,
    "status": "completed",
    "record_date": "2026-11-30",
    "deleted": False,
}
ANSWERS = {"workload": "Caseload of 22", "actions": [{"owner": "Gary", "due": "2026-12-01"}]}


def digest(**changes) -> str:
    fields = {**HEAD, "answers": ANSWERS, **changes}
    return content_hash(**fields)


def row(answers_text: str) -> tuple:
    """A copy as the check reads it whole (HEAVY_SQL's columns)."""
    fields = [HEAD[k] for k in ("id", "kind", "subject_id", "author_id", "template_id")]
    return (*fields, HEAD["template_version"], answers_text, "completed", "2026-11-30", 0)


def test_the_hash_covers_every_content_field_and_nothing_else():
    base = digest()
    assert base == digest() and len(base) == 64
    for changed in (
        {"status": "draft"},
        {"deleted": True},
        {"record_date": None},
        {"author_id": None},
        {"subject_id": 13},
        {"template_version": 2},
        {"answers": {**ANSWERS, "workload": "Caseload of 23"}},
    ):
        assert digest(**changed) != base, changed
    # the answers' key order is not content
    assert digest(answers=dict(reversed(list(ANSWERS.items())))) == base


def test_stored_bytes_in_the_hashs_form_need_no_parsing():
    fields = [HEAD[k] for k in ("id", "kind", "subject_id", "author_id", "template_id")]
    stored = hash_of_stored(
        *fields, HEAD["template_version"], answers_json(ANSWERS), "completed", "2026-11-30", False
    )
    assert stored == digest()


def test_a_copy_matches_whatever_its_key_order_and_differs_when_an_answer_does():
    sorted_text = answers_json(ANSWERS).decode()
    other_order = orjson.dumps(dict(reversed(list(ANSWERS.items())))).decode()
    assert sorted_text != other_order
    assert _matches(row(sorted_text), digest())
    assert _matches(row(other_order), digest())  # an older row: parsed, same content
    forged = answers_json({**ANSWERS, "workload": "Caseload of 2"}).decode()
    assert not _matches(row(forged), digest())
    assert not _matches(row("not json"), digest())


def test_each_run_hashes_the_next_copies_again_going_round():
    kept = [(f"id-{n}", "h") for n in range(5)]
    assert _turn(kept, "", None) == (kept, "")  # on demand: every copy
    assert _turn(kept, "", 9) == (kept, "")
    first, after = _turn(kept, "", 2)
    assert [k for k, _ in first] == ["id-0", "id-1"] and after == "id-1"
    second, after = _turn(kept, after, 2)
    assert [k for k, _ in second] == ["id-2", "id-3"]
    third, after = _turn(kept, after, 2)
    assert [k for k, _ in third] == ["id-4", "id-0"]  # round to the start


def test_findings_name_records_by_kind_and_id_only():
    found = Findings(checked=3, altered=[("apr", "a-1")], missing=[("record", "b-2")])
    assert found.lines() == [
        "apr a-1: differed from the server's copy; the server's copy was restored",
        "record b-2: missing from this computer; taken again from the server",
    ]
    assert found.summary() == (
        "Checked 3 record(s) against the server: 1 differed and were restored from the "
        "server; 1 were missing and were taken from the server."
    )
    assert Findings(checked=2, pending=1).summary() == (
        "Checked 2 record(s) against the server (1 with your unsent changes left as they "
        "are): all match."
    )


def test_a_ranges_digest_is_one_line_a_record_in_the_order_given():
    lines = [range_line("id-1", 3, "a" * 64), range_line("id-2", 1, None)]
    assert lines == ["id-1 3 " + "a" * 64 + "\n", "id-2 1 -\n"]
    assert range_digest(lines) == hashlib.sha256("".join(lines).encode()).hexdigest()
    assert range_digest([]) == hashlib.sha256(b"").hexdigest()
    assert range_digest(lines[::-1]) != range_digest(lines)
