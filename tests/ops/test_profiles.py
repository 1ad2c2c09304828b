"""Finding a person and their profile, within the scope of whoever asks: HR everyone, a
manager their reports (at any depth when the policy says so), anyone else themselves."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from lcc_apr.models import User
from lcc_apr.ops.profiles import OutOfScope, find_people, person_profile
from lcc_apr.ops.records import employee_records
from lcc_apr.ops.user import CurrentUser
from lcc_apr.policy import PeoplePolicy, load_policy
from tests.conflict_maker import CATALOGUE

POLICY = load_policy()
DEEP = replace(POLICY, people=PeoplePolicy(indirect_reports=True))


def user(store, *, username: str | None = None, employee_id: int | None = None) -> CurrentUser:
    where = User.username == username if username else User.employee_id == employee_id
    with store.session() as s:
        return CurrentUser.from_user(s.scalars(select(User).where(where)).one())


def names(store, text: str, me: CurrentUser, policy=POLICY) -> list[str]:
    return [p.name for p in find_people(store, text=text, user=me, policy=policy)]


def test_a_manager_finds_their_reports_by_name_payroll_number_or_job(demo):
    renee = user(demo, username="rtebbutt")  # manages 3..12 in the 50-person demo
    assert names(demo, "Lloyd-Davies", renee) == ["Deborah Lloyd-Davies"]
    assert names(demo, "deb llo", renee) == ["Deborah Lloyd-Davies"]
    assert names(demo, "14241950", renee) == ["Deborah Lloyd-Davies"]
    assert names(demo, "cook", renee) == ["Joanne Jackson"]
    assert names(demo, "analyst", renee) == ["Lisa Hunt", "Anthony Mills"]
    assert names(demo, "Tebbutt", renee) == ["Bethan Tebbutt", "Renée Tebbutt"]  # and herself
    assert names(demo, "Will Roberts", renee) == []  # not one of hers
    assert names(demo, "  ", renee) == []


def test_hr_finds_everyone_and_staff_only_themselves(demo):
    hr = user(demo, username="btebbutt")
    found = find_people(demo, text="hunt", user=hr, policy=POLICY)
    assert [p.name for p in found] == ["Lisa Hunt", "Lucy Hunt", "Lucy Hunt"]
    assert len({p.payroll_number for p in found}) == 3
    staff = user(demo, username="rrobinson")
    assert names(demo, "robinson", staff) == ["Ryan Robinson"]
    assert names(demo, "Tebbutt", staff) == []


def test_indirect_reports_only_when_the_policy_says_so(demo):
    chief = user(demo, employee_id=1)  # Will Roberts reports to her three levels down
    assert names(demo, "Will Roberts", chief) == []
    assert names(demo, "Will Roberts", chief, DEEP) == ["Will Roberts"]


def test_a_profile_has_the_details_the_manager_and_every_record_in_date_order(demo):
    renee = user(demo, username="rtebbutt")
    deborah = find_people(demo, text="Deborah", user=renee, policy=POLICY)[0]
    profile = person_profile(
        demo, employee_id=deborah.employee_id, user=renee, policy=POLICY, catalogue=CATALOGUE
    )
    assert profile.name == "Deborah Lloyd-Davies" and profile.payroll_number == "14241950"
    assert profile.manager == "Renée Tebbutt" and profile.job_title == "Facilities Assistant"
    rows = employee_records(demo, employee_id=deborah.employee_id, catalogue=CATALOGUE)
    assert {r.id for r in profile.records} == {r.id for r in rows} and len(rows) > 10
    dates = [r.record_date for r in profile.records if r.record_date]
    assert dates == sorted(dates)


def test_a_profile_outside_the_scope_is_refused(demo):
    renee = user(demo, username="rtebbutt")
    will = find_people(
        demo, text="Will Roberts", user=user(demo, username="btebbutt"), policy=POLICY
    )
    with pytest.raises(OutOfScope, match="not in the people you can see"):
        person_profile(
            demo, employee_id=will[0].employee_id, user=renee, policy=POLICY, catalogue=CATALOGUE
        )
