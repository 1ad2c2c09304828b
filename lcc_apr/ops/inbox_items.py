"""The inbox's list itself (lcc_apr.ops.inbox builds it): its groups, items, and the
bytes it is kept as between starts (lcc_apr.ops.glance). No SQLAlchemy: a later start
shows the list it kept while the store opens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

# Groups, in the order the list shows them.
MINE, TEAM, HR, CONFLICT, DUE = "mine", "team", "hr", "conflict", "due"
GROUP_ORDER = (MINE, TEAM, HR, CONFLICT, DUE)
GROUP_LABELS = {
    MINE: "Your own records",
    TEAM: "Records of people you manage",
    HR: "For HR",
    CONFLICT: "Changed on both sides",
    DUE: "Due this week or overdue",
}


@dataclass(frozen=True)
class InboxItem:
    key: str  # stable while the item waits: compared before and after a sync
    group: str  # one of GROUP_ORDER
    text: str  # what is asked, in words
    since: date | None  # when it started waiting (or the day it falls due)
    record_id: str | None = None  # opens the record...
    employee_id: int | None = None  # ...or the person (what is due for them)
    overdue: bool = False


@dataclass(frozen=True)
class Inbox:
    items: tuple[InboxItem, ...]

    def __len__(self) -> int:
        return len(self.items)

    def keys(self) -> frozenset[str]:
        return frozenset(i.key for i in self.items)

    def new_since(self, before: Inbox | None) -> tuple[InboxItem, ...]:
        """Items not in `before` (nothing when there was no list before)."""
        if before is None:
            return ()
        old = before.keys()
        return tuple(i for i in self.items if i.key not in old)


def to_bytes(inbox: Inbox) -> bytes:
    import orjson  # not before the window shows: its import takes about 15 ms

    return orjson.dumps([asdict(item) for item in inbox.items])


def from_bytes(data: bytes) -> Inbox:
    """The list `to_bytes` gave (ValueError, KeyError or TypeError when it is not one)."""
    import orjson

    items = []
    for fields in orjson.loads(data):
        if fields["group"] not in GROUP_LABELS:  # kept by another version
            raise ValueError(f"no inbox group {fields['group']!r}")
        since = fields.pop("since")
        items.append(InboxItem(**fields, since=date.fromisoformat(since) if since else None))
    return Inbox(tuple(items))
