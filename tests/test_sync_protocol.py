"""The wire models: the one definition of the format, its doc's tables, and the dicts the
server builds for speed (which must validate against the models)."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import pytest
from pydantic import ValidationError

from lcc_apr.models import Record, RecordKind, SignOff, SignOffDecision, SignOffRole
from lcc_apr.sync import protocol
from lcc_apr.sync.absencewire import ABSENCE_PUSH_LIMIT
from lcc_apr.sync.protocol import (
    MOST_ANSWER_KEY,
    MOST_NUMBER,
    PullPage,
    PushBody,
    RecordWire,
    Wire,
    read,
    record_wire,
    sign_off_row,
    to_wire,
    wire_dict,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "sync-protocol.md"
AT = datetime(2026, 5, 1, 14, 5, tzinfo=UTC)
RECORD_ID = "0b7d3f5e-2c44-4c1e-9d0a-6f1e2a3b4c5d"

MODELS = {
    name: model
    for name, model in vars(protocol).items()
    if inspect.isclass(model) and issubclass(model, Wire) and model is not Wire
}


def doc_tables(text: str) -> dict[str, dict[str, str]]:
    """{model name: {field: required column}} from each `### Name` section's table."""
    tables: dict[str, dict[str, str]] = {}
    current: str | None = None
    for line in text.splitlines():
        heading = re.match(r"^#{2,3} (.+)$", line)
        if heading:
            name = heading.group(1).strip()
            current = name if re.fullmatch(r"\w+", name) else None
            continue
        row = re.match(r"^\| `(\w+)` \|([^|]*)\|([^|]*)\|", line)
        if current and row:
            tables.setdefault(current, {})[row.group(1)] = row.group(3).strip()
    return tables


def test_every_model_has_a_table_in_the_doc_and_every_table_a_model():
    tables = doc_tables(DOC.read_text())
    assert sorted(tables) == sorted(MODELS)


def disagreements(name: str, text: str) -> list[str]:
    """Where the doc's table for model `name` and the model itself differ."""
    table = doc_tables(text).get(name, {})
    fields = MODELS[name].model_fields
    if list(table) != list(fields):
        return [f"{name}: the doc lists {list(table)}, the model has {list(fields)}"]
    return [
        f"{name}.{field}: the doc says required={table[field]!r}"
        for field, info in fields.items()
        if table[field] != ("yes" if info.is_required() else "no")
    ]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_models_fields_and_the_docs_table_agree(name):
    assert disagreements(name, DOC.read_text()) == []


def test_the_doc_check_notices_a_difference():
    text = DOC.read_text()
    assert disagreements(
        "PullItem", text.replace("| `seq` | integer | yes |", "| `seq` | x | no |")
    )
    assert disagreements("PullPage", text.replace("| `more` |", "| `more_pages` |"))
    assert disagreements("PushBody", text.replace("| `key` |", "| `id` |"))


def record(**changes) -> Record:
    values = dict(
        id=RECORD_ID,
        kind=RecordKind.SUPERVISION,
        subject_id=2,
        author_id=1,
        template_id="supervision",
        template_version=1,
        answers={"workload": "Heavy", "actions": [{"action": "Book the course"}]},
        status="draft",
        record_date=date(2026, 4, 30),
        created_at=AT,
        updated_at=AT,
        deleted=False,
        server_rev=7,
    )
    return Record(**(values | changes))


def sign_off() -> SignOff:
    return SignOff(
        user_id=2,
        role=SignOffRole.EMPLOYEE,
        decision=SignOffDecision.AGREE,
        reason=None,
        signed_at=AT,
        content_hash="a" * 64,
        covers=["workload"],
        signature=b"\x30\x44",
        certificate=b"\x30\x82",
        superseded_at=None,
    )


def test_the_servers_record_dicts_are_valid_wire_records():
    pulled = RecordWire.model_validate(to_wire(record(), sign_offs=[sign_off()]))
    assert pulled.id == RECORD_ID and pulled.kind is RecordKind.SUPERVISION
    assert pulled.answers["actions"] == [{"action": "Book the course"}]
    (signed,) = pulled.sign_offs or []
    assert sign_off_row(signed, RECORD_ID)["signature"] == b"\x30\x44"
    pushed = to_wire(record(server_rev=None), base_rev=None, push=True)
    body = PushBody.model_validate({"key": "k", "records": [pushed]})
    assert body.records[0].base_rev is None and "sign_offs" not in pushed


def test_a_pull_page_reads_from_bytes_and_ignores_keys_it_does_not_know():
    item = {"seq": 7, "record": to_wire(record()) | {"added_later": 1}}
    gone = {"seq": 8, "remove": RECORD_ID, "reason": "scope"}
    data = orjson.dumps(
        {"epoch": "e", "reset": False, "cursor": 8, "more": False, "items": [item, gone]}
    )
    page = read(PullPage, data)
    assert page.items[0].record is not None and page.items[0].record.server_rev == 7
    assert page.items[1].remove == RECORD_ID and page.items[1].record is None


@pytest.mark.parametrize(
    "bad",
    [
        {"id": RECORD_ID.upper()},  # ids are lower case
        {"id": "r1"},
        {"subject_id": True},  # a boolean is not a number
        {"subject_id": "2"},
        {"kind": "appraisal"},
        {"answers": ["not", "an", "object"]},
        {"status": "x" * 41},
        {"typo_field": 1},  # requests refuse unknown keys
        {"subject_id": -1},
        {"subject_id": MOST_NUMBER + 1},  # PostgreSQL's INTEGER holds no more
        {"server_rev": 2**63},
        {"base_rev": 2**64},
    ],
)
def test_a_pushed_record_that_does_not_fit_is_refused(bad):
    with pytest.raises(ValidationError):
        RecordWire.model_validate(to_wire(record()) | bad)


def test_a_conflicts_kept_copy_reads_back_as_the_same_record():
    wire = RecordWire.model_validate(to_wire(record(), sign_offs=[sign_off()]))
    kept = wire_dict(wire)
    assert orjson.loads(orjson.dumps(kept)) == kept  # stored as JSON
    assert "base_rev" not in kept and "restore" not in kept  # only the keys sent
    assert record_wire(kept) == wire


@pytest.mark.parametrize(
    ("answers", "fits"),
    [
        ({"k" * MOST_ANSWER_KEY: 1, "group": [{"n": 2**63 - 1}, {"n": -(2**63)}]}, True),
        ({"k" * (MOST_ANSWER_KEY + 1): 1}, False),
        ({"group": [{"ok": 1}, {"k" * (MOST_ANSWER_KEY + 1): 1}]}, False),  # at any depth
        ({"n": 2**63}, False),
        ({"group": [[{"n": -(2**63) - 1}]]}, False),
    ],
)
def test_pushed_answers_have_short_keys_and_64_bit_numbers(answers, fits):
    body = {"key": "k", "records": [to_wire(record(answers=answers), push=True)]}
    if fits:
        PushBody.model_validate(body)
    else:
        with pytest.raises(ValidationError, match="answer"):
            PushBody.model_validate(body)


def absences_reply(count: int, *, bad_at: int | None = None) -> bytes:
    items = [
        {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "employee_id": n % 97,
            "first_day": "2025-03-01",
            "last_day": None if n % 5 == 0 else "2025-03-04",
            "reason": "Musculoskeletal",
            "server_rev": n,
            "a key from a newer server": n,  # ignored, as `read` ignores it
        }
        for n in range(count)
    ]
    if bad_at is not None:
        items[bad_at]["reason"] = ""  # too short
    return orjson.dumps({"absences": items, "cursor": 7, "epoch": "e", "view": "hr"})


@pytest.mark.parametrize("count", [0, protocol.PART, 2 * protocol.PART + 17])
def test_a_long_list_read_in_parts_is_the_list_read_at_once(count):
    data = absences_reply(count)
    parts = protocol.read_in_parts(protocol.AbsencesReply, data, "absences")
    assert parts == read(protocol.AbsencesReply, data)
    assert len(parts.absences) == count and parts.cursor == 7


def test_a_bad_item_in_a_later_part_is_refused_as_at_once():
    data = absences_reply(2 * protocol.PART + 17, bad_at=2 * protocol.PART + 3)
    with pytest.raises(ValidationError):
        read(protocol.AbsencesReply, data)
    with pytest.raises(ValidationError):
        protocol.read_in_parts(protocol.AbsencesReply, data, "absences")


def test_a_list_limited_as_a_whole_is_checked_at_once(monkeypatch):
    limit = ABSENCE_PUSH_LIMIT  # a push body's episodes
    monkeypatch.setattr(protocol, "PART", limit // 2)  # each part within the limit
    body = {"absences": orjson.loads(absences_reply(limit + 1))["absences"]}
    with pytest.raises(ValidationError):
        protocol.read_in_parts(protocol.AbsencePushBody, orjson.dumps(body), "absences")
