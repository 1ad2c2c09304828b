"""What HR's audit viewer filters on, as plain values: the events it names and a query.
Imports nothing heavy: the Audit page builds its controls from it before any task runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

EVENTS = (  # the events HR may filter on: (value, label)
    ("viewed", "Viewed a record"),
    ("push", "Changed a record"),
    ("sign_off", "Signed a record"),
    ("printed", "Printed a record"),
    ("exported", "Exported a record"),
    ("login", "Signed in"),
    ("audit_view", "Read the audit log"),
    ("audit_export", "Exported the audit log"),
    ("subject_access", "Subject access export"),
    ("org_import", "Organisation import"),
    ("certificate", "Signing certificate"),
)
EVENT_LABELS = dict(EVENTS)


@dataclass(frozen=True)
class AuditQuery:
    person: int | None = None  # employee id
    user: int | None = None  # user id
    record: str | None = None
    event: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def params(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(self).items()}
