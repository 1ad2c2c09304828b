"""Issue 12 defect 3: the employee's sign-off gives the decision their answers give.

The APR asks 'Do you agree with this review?' (its `sign_off_decision` answer); signing
the other way is refused in the core. Forms without such an answer are unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lcc_apr.forms import TemplateError, load_template
from lcc_apr.models import Record, RecordKind, SignOffDecision
from lcc_apr.signing.decision import (
    allowed_decisions,
    check_matches_answers,
    implied_decision,
)
from lcc_apr.signing.identity import SigningError

from .test_editing import (  # noqa: F401 (fixtures)
    AT,
    CATALOGUE,
    _demo_template,
    cast,
    identity,
    open_as,
    responded_apr,
    store,
)

APR = CATALOGUE.current(RecordKind.APR)
SUPERVISION = CATALOGUE.current(RecordKind.SUPERVISION)


def test_the_apr_answer_implies_the_decision_and_a_contradiction_is_refused():
    disagrees = {"employee_response": "disagree"}
    assert implied_decision(APR, disagrees) is SignOffDecision.DISAGREE
    assert allowed_decisions(APR, disagrees, "employee") == (SignOffDecision.DISAGREE,)
    assert allowed_decisions(APR, disagrees, "manager") == (SignOffDecision.CONFIRM,)
    check_matches_answers(APR, disagrees, "employee", "disagree")
    with pytest.raises(SigningError, match="you disagree; your sign-off must say the same"):
        check_matches_answers(APR, disagrees, "employee", "agree")
    with pytest.raises(SigningError, match="Answer 'Do you agree with this review"):
        check_matches_answers(APR, {}, "employee", "agree")
    check_matches_answers(APR, disagrees, "manager", "confirm")  # only the employee's


def test_a_form_without_the_answer_keeps_both_decisions():
    assert SUPERVISION.decision_field() is None
    assert implied_decision(SUPERVISION, {}) is None
    assert len(allowed_decisions(SUPERVISION, {}, "employee")) == 2
    check_matches_answers(SUPERVISION, {}, "employee", "agree")
    check_matches_answers(SUPERVISION, {}, "employee", "disagree")


def test_the_setting_needs_an_agree_or_disagree_choice(tmp_path: Path):
    path = tmp_path / "demo" / "v1.toml"
    path.parent.mkdir()
    path.write_text(
        '[template]\nid = "demo"\nversion = 1\nkind = "apr"\ntitle = "Demo"\n'
        '[[sections]]\nkey = "s"\ntitle = "S"\n'
        '[[sections.fields]]\nkey = "happy"\ntype = "yes_no"\nlabel = "Happy?"\n'
        "sign_off_decision = true\n"
    )
    with pytest.raises(TemplateError, match="'sign_off_decision' needs a choice"):
        load_template(path)


def test_signing_against_the_form_is_refused_and_writes_nothing(store, cast):  # noqa: F811
    record_id = responded_apr(store, cast, "disagree")
    employee = open_as(store, record_id, cast.employee)
    (step,) = employee.steps()
    assert step.decisions == ("disagree",)
    assert step.decided == "I disagree with part or all of this review"
    assert step.reason == "Objective 2 was never agreed."  # from the form, asked once
    who = identity(cast.employee.user_id, store)
    with pytest.raises(SigningError, match="your sign-off must say the same"):
        employee.sign("employee_sign", at=AT, identity=who, decision="agree")
    assert signed(store, record_id) == ("responded", [])
    employee.sign("employee_sign", at=AT, identity=who, reason="Objective 2")  # from the form
    assert signed(store, record_id) == ("employee_signed", [SignOffDecision.DISAGREE])


def signed(store, record_id: str) -> tuple[str, list[str]]:  # noqa: F811
    with store.session() as s:
        record = s.get(Record, record_id)
        return record.status, [o.decision for o in record.sign_offs]
