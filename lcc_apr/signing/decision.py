"""The employee's sign-off gives the decision their answers already give.

A form may mark one choice as the employee's agree/disagree (`sign_off_decision` in
its template). Then the employee's sign-off must give that same decision: the editor
fills it in from the form and the sign op and the server refuse a contradiction. A
form without such an answer leaves the decision to the sign-off alone.
"""

from __future__ import annotations

from typing import Any

from lcc_apr.forms import Template
from lcc_apr.models import SignOffDecision, SignOffRole

from .identity import SigningError

WORDS = {SignOffDecision.AGREE: "agree", SignOffDecision.DISAGREE: "disagree"}


def implied_decision(template: Template, answers: dict[str, Any]) -> SignOffDecision | None:
    """The decision the record's answers give (None: the form asks none, or it is unanswered)."""
    field = template.decision_field()
    if field is None:
        return None
    value = answers.get(field.key)
    return SignOffDecision(str(value)) if value in WORDS.values() else None


def allowed_decisions(
    template: Template, answers: dict[str, Any], role: SignOffRole | str
) -> tuple[SignOffDecision, ...]:
    """The decisions this role may sign with: the employee only the one their answers give."""
    from .signoff import DECISIONS

    implied = implied_decision(template, answers)
    if SignOffRole(role) is SignOffRole.EMPLOYEE and implied is not None:
        return (implied,)
    return DECISIONS[SignOffRole(role)]


def form_answer(template: Template, answers: dict[str, Any]) -> str:
    """The employee's decision as the form words it ("" when the form asks none)."""
    field = template.decision_field()
    if field is None or implied_decision(template, answers) is None:
        return ""
    return field.label_of(answers.get(field.key))


def form_reason(template: Template, answers: dict[str, Any]) -> str:
    """Why the employee disagrees, as the form already says (the answers shown only when
    they disagree), to start the sign-off's reason with; "" otherwise."""
    field = template.decision_field()
    if field is None or implied_decision(template, answers) is not SignOffDecision.DISAGREE:
        return ""
    shown = [
        f.key
        for f in template.fields()
        if any(c.field == field.key and c.holds("disagree") for c in f.visible_when)
    ]
    return "\n\n".join(str(answers[k]).strip() for k in shown if str(answers.get(k) or "").strip())


def check_matches_answers(
    template: Template,
    answers: dict[str, Any],
    role: SignOffRole | str,
    decision: SignOffDecision | str | None,
) -> None:
    """Refuse (SigningError) an employee's sign-off whose decision differs from the answers."""
    if SignOffRole(role) is not SignOffRole.EMPLOYEE:
        return
    field = template.decision_field()
    if field is None:
        return
    implied = implied_decision(template, answers)
    if implied is None:
        raise SigningError(f"Answer '{field.label}' on the form before you sign.")
    if decision is not None and SignOffDecision(decision) is not implied:
        raise SigningError(
            f"Your answer on the form is that you {WORDS[implied]}; your sign-off must say "
            f"the same. To {WORDS[SignOffDecision(decision)]}, change your answer to "
            f"'{field.label}' first."
        )
