from datetime import date
from types import SimpleNamespace

from lcc_apr.signing.content import content_hash


def record(**changes):
    base = dict(
        id="r1",
        kind="apr",
        subject_id=7,
        template_id="apr",
        template_version=1,
        record_date=date(2026, 5, 1),
        answers={"b": [1, {"y": 2, "x": 1}], "a": "Zoë"},
        status="shared",
    )
    return SimpleNamespace(**{**base, **changes})


def test_the_hash_ignores_key_order_and_status_but_not_content():
    first = content_hash(record())
    assert first == content_hash(record(answers={"a": "Zoë", "b": [1, {"x": 1, "y": 2}]}))
    assert first == content_hash(record(status="completed"))
    assert first != content_hash(record(answers={"a": "Zoe", "b": [1, {"y": 2, "x": 1}]}))
    assert first != content_hash(record(template_version=2))
    assert first != content_hash(record(subject_id=8))
    assert len(first) == 64
