"""Typed dates, UK order (lcc_apr.forms.dates)."""

from __future__ import annotations

from datetime import date

import pytest

from lcc_apr.forms.dates import day_text, parse_day


@pytest.mark.parametrize(
    "typed",
    ["31/03/2027", "31/3/27", "31 Mar 2027", "31 march 2027", "31-03-2027", "31.3.2027",
     " 31/03/2027 ", "2027-03-31", "31st March 2027", "31 Mar 27"],
)  # fmt: skip
def test_uk_dates_are_read_day_first(typed):
    assert parse_day(typed) == date(2027, 3, 31)


@pytest.mark.parametrize("typed", ["", "31/03", "31/02/2027", "13/13/2027", "31 Smarch 2027",
                                   "3/1/202", "tomorrow", "31/03/2027x"])  # fmt: skip
def test_what_is_not_a_whole_real_date_is_none(typed):
    assert parse_day(typed) is None


def test_a_date_is_shown_day_first():
    assert day_text(date(2027, 3, 1)) == "01/03/2027"
    assert parse_day(day_text(date(2027, 3, 1))) == date(2027, 3, 1)
