"""An error in words a person can act on, for any screen to show.

Errors this app raises (and ValueError, OSError) are sentences already. Anything else
is a fault the person cannot act on, and a database error's text holds the SQL and the
values it carried (record text): neither is shown; the person is told what to do.
"""

from __future__ import annotations

import sqlite3

import sqlcipher3
from sqlalchemy.exc import SQLAlchemyError

UNEXPECTED = (
    "{doing} stopped on a problem this app did not expect; nothing was lost. Try again; "
    "if it happens again, run `lcc-apr check` and tell your IT service desk."
)


def error_words(error: BaseException, *, doing: str = "That") -> str:
    """What to show for `error` (`doing` names the work: "Signing in")."""
    database = (SQLAlchemyError, sqlite3.Error, sqlcipher3.Error)
    ours = type(error).__module__.split(".")[0] == "lcc_apr"
    if isinstance(error, database) or not (ours or isinstance(error, (ValueError, OSError))):
        return UNEXPECTED.format(doing=doing)
    return str(error).strip() or f"{doing} did not work."
