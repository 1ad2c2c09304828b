"""Times are shown in UK time: GMT in winter, BST (UTC+1) in summer."""

from datetime import UTC, datetime

from lcc_apr.uk_time import time_text, uk_time
from ui.status import _when


def test_summer_times_are_an_hour_ahead_of_utc_and_winter_times_are_not():
    summer = datetime(2025, 5, 14, 9, 32, tzinfo=UTC)
    winter = datetime(2025, 12, 4, 9, 32, tzinfo=UTC)
    assert time_text(summer) == "14 May 2025 at 10:32"
    assert time_text(winter) == "4 December 2025 at 09:32"
    assert time_text(summer, short=True) == "14 May 2025 10:32"
    assert uk_time(datetime(2025, 5, 14, 9, 32))[0].hour == 10  # stored without a zone: UTC


def test_the_last_sync_time_is_uk_time():
    assert _when(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "Last sync: 2 Jul 2026 00:30"


def test_a_signature_says_when_in_uk_time():
    from lcc_apr.signing.signoff import _when as signed_when

    assert signed_when(datetime(2026, 7, 1, 13, 5, tzinfo=UTC)) == "1 July 2026 at 14:05"
