"""What the next export to the HR system would hold, counted without writing anything:
the register entries after the cursor, and the entries the export would first take in
for records HR accepted since (lcc_apr.hr.register.new_entries), per kind and template
version. The export itself may hold more if HR accepts records meanwhile.

Any worker thread; reads only.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.models import HrExport, HrRegisterEntry, RecordKind

from .register import new_entries

Key = tuple[RecordKind, str, int]  # kind, template id, template version


@dataclass(frozen=True)
class Waiting:
    kind: RecordKind
    template_id: str
    template_version: int
    title: str  # the form's title: "Annual Performance Review"
    entries: int

    def words(self) -> str:
        """'Annual Performance Review, version 1: 12'."""
        return f"{self.title}, version {self.template_version}: {self.entries:,}"


def waiting_export(
    session: Session,
    *,
    catalogue: Catalogue,
    at: datetime,
    cancel: threading.Event | None = None,
) -> list[Waiting]:
    """Per kind and template version, how many entries the next export would write
    (none: an empty list), in kind then template order."""
    start = session.scalar(select(func.max(HrExport.last_entry))) or 0
    counts: Counter[Key] = Counter()
    grouped = (
        select(
            HrRegisterEntry.kind,
            HrRegisterEntry.template_id,
            HrRegisterEntry.template_version,
            func.count(),
        )
        .where(HrRegisterEntry.id > start)
        .group_by(
            HrRegisterEntry.kind, HrRegisterEntry.template_id, HrRegisterEntry.template_version
        )
    )
    for kind, template_id, version, count in session.execute(grouped):
        counts[(kind, template_id, version)] += count
    for rows in new_entries(session, at=at, cancel=cancel):
        counts.update((r["kind"], r["template_id"], r["template_version"]) for r in rows)
    order = {kind: n for n, kind in enumerate(RecordKind)}
    return [
        Waiting(kind, template_id, version, catalogue.get(template_id, version).title, count)
        for (kind, template_id, version), count in sorted(
            counts.items(), key=lambda item: (order[item[0][0]], item[0][1], item[0][2])
        )
    ]
