"""The people a tester can sign in to the demo as, and who each is, in words.

Kept free of imports: the welcome shows these before the core has loaded.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPerson:
    """Someone a tester can sign in to the demo as."""

    role: str  # "manager", "employee", "hr" (DemoLogins' attribute)
    title: str  # "line manager": "Signed in as Sam Smith (demo: line manager)"
    line: str  # who they are, in one line


DEMO_PEOPLE = (
    DemoPerson(
        "manager",
        "line manager",
        "Manages a team of about twelve: their reviews, supervisions, probation and "
        "capability cases.",
    ),
    DemoPerson(
        "employee",
        "member of staff",
        "In that manager's team, with an APR shared with them to read, comment on and sign.",
    ),
    DemoPerson(
        "hr",
        "HR adviser",
        "Sees everyone's records, takes completed ones in, exports them for the HR system "
        "and imports the organisation.",
    ),
)


def demo_title(role: str | None) -> str | None:
    """'line manager' for "manager"; None when not a demo role."""
    return next((p.title for p in DEMO_PEOPLE if p.role == role), None)
