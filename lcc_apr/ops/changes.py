"""What a write changed, so each screen refreshes only what it shows (Anki's OpChanges)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Changes:
    """Returned by every write op (alone, or as the `changes` of its result).

    A screen asks the questions below about what it shows; anything not named here
    did not change. `everything` is a sync that brought records from the server.
    """

    records: frozenset[str] = frozenset()  # records whose answers or status changed
    people: frozenset[int] = frozenset()  # employees whose records changed (their subjects)
    listed: bool = False  # a record was added, removed or moved on: lists and what is due
    unsent: bool = False  # changes waiting to be sent (the status bar's count)
    conflicts: bool = False  # records changed on both sides were found or resolved
    synced: bool = False  # a sync ran: last sync time, online state
    everything: bool = False  # a sync brought records: any list may have changed

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            records=self.records | other.records,
            people=self.people | other.people,
            listed=self.listed or other.listed,
            unsent=self.unsent or other.unsent,
            conflicts=self.conflicts or other.conflicts,
            synced=self.synced or other.synced,
            everything=self.everything or other.everything,
        )

    def __bool__(self) -> bool:
        return self != NOTHING

    # -- the questions screens ask ------------------------------------------------

    def lists_of(self, person: int | None = None) -> bool:
        """Whether lists of records or what is due (everyone's, or one person's) changed."""
        if self.everything:
            return True
        return self.listed and (person is None or person in self.people)

    def rows_of(self, person: int) -> bool:
        """Whether one person's list of records may show something new (sync state too)."""
        return self.everything or self.conflicts or person in self.people

    def record(self, record_id: str) -> bool:
        return self.everything or record_id in self.records

    @property
    def status_bar(self) -> bool:
        """Whether the counts of unsent changes and conflicts, or the last sync, changed."""
        return self.everything or self.unsent or self.conflicts or self.synced


NOTHING = Changes()


def edited(record_id: str, subject_id: int) -> Changes:
    """Answers saved: the record and its subject's list (sync column), nothing due moves."""
    return Changes(records=frozenset({record_id}), people=frozenset({subject_id}), unsent=True)


def moved(record_ids: Iterable[str], subject_ids: Iterable[int]) -> Changes:
    """Records added, removed or moved on a step: lists and what is due change too."""
    return Changes(
        records=frozenset(record_ids), people=frozenset(subject_ids), listed=True, unsent=True
    )


def changes_of(result: object) -> Changes | None:
    """The Changes a write op returned, alone or as its result's `changes`; None if none."""
    if isinstance(result, Changes):
        return result
    found = getattr(result, "changes", None)
    return found if isinstance(found, Changes) else None
