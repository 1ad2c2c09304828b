"""What people take out of the app, kept on this computer: one JSON line per event in
audit.log beside the store, and the same line in the 'lcc_apr.audit' log. Only the user
id, the event and plain facts (which list, how many rows, which format): no names, no
search text, no content, no file names."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcc_apr.editing import StoreLike
from lcc_apr.paths import append_private

from .user import CurrentUser

if TYPE_CHECKING:
    from lcc_apr.store import Store

AUDIT_FILE = "audit.log"
PRINTED = "printed"  # a record printed or saved as PDF (with its record_id)
VIEWED = "viewed"  # told to the server only: a record opened
EXPORTED = "exported"  # told to the server only: a record exported as PDF
log = logging.getLogger("lcc_apr.audit")


def audit_path(store: StoreLike) -> Path:
    return Path(store.path).with_name(AUDIT_FILE)


def audit(store: StoreLike, user: CurrentUser, event: str, **facts: str | int | bool) -> None:
    """Append one event (the file is only ever appended to)."""
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "user_id": user.user_id}
    line = json.dumps({**entry, "event": event, **facts}, sort_keys=True)
    log.info(line)
    append_private(audit_path(store), line + "\n")


def audit_entries(store: StoreLike) -> list[dict[str, Any]]:
    """Read: every event kept on this computer, oldest first."""
    path = audit_path(store)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def tell_server(store: Store, event: str, record_ids: Iterable[str]) -> None:
    """Keep `event` (viewed, printed, exported) about these records for the server's audit
    log: sent with the next push (lcc_apr.sync.engine), ids and the time only. The one
    write the reads that call it make (a row each, in a transaction of its own)."""
    from sqlalchemy.exc import OperationalError

    from lcc_apr.models import RecordEvent, now_utc

    at = now_utc()
    rows = [RecordEvent(record_id=rid, event=event, at=at) for rid in record_ids]
    if not rows:
        return
    try:  # called from reads (opening, printing): a store busy past its wait loses the note,
        with store.session() as session:  # never the reading itself
            session.add_all(rows)
    except OperationalError:
        log.warning("%s events not kept for the server: the store was busy", len(rows))
