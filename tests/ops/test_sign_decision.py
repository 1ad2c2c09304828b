"""lcc_apr.ops.editing.sign: the employee's sign-off gives the form's decision (issue 12,
defect 3); a contradiction is refused and nothing is written."""

from __future__ import annotations

import pytest

from lcc_apr.models import Record, SignOffDecision
from lcc_apr.ops.editing import sign
from lcc_apr.signing.identity import SigningError
from tests.test_editing import (  # noqa: F401 (fixtures)
    AT,
    _demo_template,
    cast,
    identity,
    open_as,
    responded_apr,
    store,
)


def state(store, record_id: str):  # noqa: F811
    with store.session() as s:
        record = s.get(Record, record_id)
        return record.status, [o.decision for o in record.sign_offs]


def test_the_sign_op_refuses_a_decision_the_form_contradicts(store, cast):  # noqa: F811
    record_id = responded_apr(store, cast, "agree")
    edit = open_as(store, record_id, cast.employee)
    who = identity(cast.employee.user_id, store)
    with pytest.raises(SigningError, match="you agree; your sign-off must say the same"):
        sign(edit, step="employee_sign", at=AT, identity=who, decision="disagree", reason="x")
    assert state(store, record_id) == ("responded", [])
    moved = sign(edit, step="employee_sign", at=AT, identity=who, decision="agree")
    assert moved.status == "employee_signed" and moved.changes.lists_of(cast.subject_id)
    assert state(store, record_id) == ("employee_signed", [SignOffDecision.AGREE])
