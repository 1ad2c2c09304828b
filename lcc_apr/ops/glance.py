"""The first page's list kept between starts: a later start shows it while the store opens.

The inbox ('Needs my action', the page the window opens on) is kept in the local store
whenever a read of it differs from what was kept (`keep`, on the writer). The next
start's opening worker reads it before SQLAlchemy has loaded (`first_look`, about 3 ms
once the keyring has answered), for that person and that day only: a list of another
day may say "due tomorrow" of what is due today. The store's own read then replaces it,
the same unless the records changed meanwhile. It lives in the encrypted store, so it
goes wherever the store goes (removed, wiped when the account is disabled).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from lcc_apr.store.glance import read_glance

from .inbox_items import Inbox, from_bytes, to_bytes

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from lcc_apr.store import Store

PAGE = "inbox"
KEEP = (
    "INSERT INTO glances (user_id, page, as_of, items) VALUES (:user, :page, :as_of, :items) "
    "ON CONFLICT (user_id, page) DO UPDATE SET as_of = excluded.as_of, items = excluded.items"
)


def first_look(
    path: Path, *, keyring_backend: KeyringBackend | None, user_id: int, today: date
) -> Inbox | None:
    """Worker thread, before the store opens: the list kept today for this person, if any."""
    data = read_glance(
        path, keyring_backend=keyring_backend, user_id=user_id, page=PAGE, as_of=today
    )
    if data is None:
        return None
    try:
        return from_bytes(data)
    except (ValueError, KeyError, TypeError):  # kept by another version: the read replaces it
        return None


def keep(store: Store, *, user_id: int, today: date, inbox: Inbox) -> None:
    """Writer thread: this list, as the one the next start shows first."""
    from sqlalchemy import text

    values = {"user": user_id, "page": PAGE, "as_of": today.isoformat(), "items": to_bytes(inbox)}
    with store.session() as session:
        session.execute(text(KEEP), values)
