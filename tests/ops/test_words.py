"""What a screen shows for an error: the app's own sentences, never SQL or record text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from lcc_apr.ops.words import error_words
from lcc_apr.store import StoreInUseError
from lcc_apr.sync.errors import NetworkError


def a_database_error() -> IntegrityError:
    engine = create_engine("sqlite://")
    with engine.begin() as c:
        c.execute(text("CREATE TABLE records (id TEXT PRIMARY KEY, answers TEXT)"))
        c.execute(text("INSERT INTO records VALUES ('r1', 'Beth was off sick')"))
    try:
        with engine.begin() as c:
            c.execute(text("INSERT INTO records VALUES ('r1', 'Beth was off sick')"))
    except IntegrityError as err:
        return err
    raise AssertionError("no error")


def test_a_database_error_shows_no_sql_and_no_record_text():
    error = a_database_error()
    assert "Beth" in str(error) and "INSERT" in str(error)  # what must not be shown
    shown = error_words(error, doing="Signing in")
    assert shown.startswith("Signing in stopped on a problem this app did not expect")
    assert "Beth" not in shown and "INSERT" not in shown and "nothing was lost" in shown
    assert error_words(sqlite3.OperationalError("disk I/O error")) == error_words(error)


def test_the_apps_own_errors_and_plain_ones_are_shown_as_they_are():
    in_use = StoreInUseError(Path("/x/cache.db"), "These records are open elsewhere", "Close it.")
    assert error_words(in_use) == str(in_use)
    assert error_words(NetworkError("The server did not answer.")) == "The server did not answer."
    assert error_words(ValueError("This demo has no hr account.")) == "This demo has no hr account."
    assert error_words(KeyError("answers")).startswith("That stopped on a problem")
