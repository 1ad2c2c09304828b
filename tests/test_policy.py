"""HR's policy file and working-day arithmetic."""

from datetime import date
from pathlib import Path

import pytest

from lcc_apr.policy import PolicyError, load_policy, policy_path
from lcc_apr.workdays import add_months, add_working_days, is_working_day, working_days_between


def test_the_shipped_policy_loads_with_its_defaults():
    policy = load_policy()
    assert policy.probation.review_weeks == (8, 16, 24) and policy.probation.length_weeks == 26
    assert policy.capability.notice_working_days == 5
    nqsw = policy.supervision.group_for("newly qualified social worker")
    assert nqsw and [nqsw.every_weeks(w) for w in (0, 5.9, 6, 25, 26, 100)] == [1, 1, 2, 2, 4, 4]
    assert policy.supervision.group_for("Team Manager") is None


def test_the_policy_file_says_it_is_hr_configuration():
    text = policy_path().read_text()
    assert "HR CONFIGURATION" in text and "not the council's" in text


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            "notice_working_days = 5",
            "notice_workingdays = 5",
            "capability.notice_workingdays: unknown setting",
        ),
        (
            "notice_working_days = 5",
            'notice_working_days = "five"',
            "capability.notice_working_days: must be a whole number",
        ),
        ("review_weeks = [8, 16, 24]", "review_weeks = [8, 24, 16]", "increasing order"),
        ("review_weeks = [8, 16, 24]", "review_weeks = [8, 16, 30]", "after the probation ends"),
        ('cycle_start = "04-01"', 'cycle_start = "04-31"', "not a month-day"),
        ("max_extensions = 1\n", "", "probation.max_extensions: missing"),
    ],
)
def test_mistakes_in_the_policy_file_are_named(tmp_path: Path, old, new, words):
    text = policy_path().read_text()
    assert old in text
    path = tmp_path / "policy.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(PolicyError, match=words):
        load_policy(path)


def test_working_days_skip_weekends_and_bank_holidays():
    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(date(2026, 12, 28))
    # Notice given on Wed 23 Dec 2026: 24 Thu, 29 Tue, 30 Wed, 31 Thu, 4 Jan Mon (1 Jan holiday).
    assert add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)
    assert add_working_days(date(2026, 5, 1), 5) == date(2026, 5, 11)  # 4 May bank holiday
    assert working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 5
    assert add_working_days(date(2027, 1, 4), -5) == date(2026, 12, 23)


def test_months_clamp_to_the_end_of_short_months():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 15), 12) == date(2027, 3, 15)
