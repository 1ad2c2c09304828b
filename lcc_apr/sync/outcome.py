"""What a sync reports: its progress as it goes, and its result at the end."""

from __future__ import annotations

from dataclasses import dataclass, field

from lcc_apr.progress import Step

from .evidence import Findings

STAGE_WORDS = {
    "sending": "Sending your changes",
    "receiving": "Receiving records",
    "loading": "Putting the records in place",
    "indexing": "Making the records quick to find",
}


@dataclass
class Progress:
    stage: str  # "sending", "receiving"
    records: int
    bytes: int
    total: int | None = None  # receiving: about how many in all (None: not known)
    seconds_left: float | None = None

    def step(self) -> Step:
        """In plain words: 'Receiving records: 12,500 of about 241,000 — about 40 s left'."""
        text = STAGE_WORDS.get(self.stage, self.stage.capitalize())
        return Step(text, self.records, self.total, self.seconds_left)


# The check against the server is not made after a first sync's snapshot: the copies were
# all taken from the server in this very sync, with its hashes (about 5 s on HR's cache).
JUST_TAKEN = "every record here was taken from the server in this sync."


@dataclass
class SyncResult:
    sent: int = 0
    received: int = 0
    removed: int = 0
    conflicts: int = 0
    refused: list[str] = field(default_factory=list)  # plain-English reasons
    signing_problem: str | None = None  # why no signing certificate could be had this time
    snapshot_problem: str | None = None  # why a first sync fell back to the paged pull
    snapshot_taken: bool = False  # a first sync's snapshot was loaded whole in this run
    sent_records: set[str] = field(default_factory=set)  # what was sent, for screens to refresh
    sent_people: set[int] = field(default_factory=set)  # whom the records sent are about
    evidence: Findings | None = None  # this cache checked against the server, at the end
    absences_sent: int = 0  # absence episodes sent (lcc_apr.sync.absences)
    absences_changed: int = 0  # absence episodes taken in, changed or dropped

    def summary(self) -> str:
        parts = [f"Sent {self.sent}", f"received {self.received}"]
        if self.removed:
            parts.append(f"removed {self.removed} you no longer have access to")
        text = ", ".join(parts) + "."
        if self.conflicts:
            text += (
                f" {self.conflicts} record(s) changed on both sides: please choose what to keep."
            )
        if self.refused:
            text += f" The server refused {len(self.refused)} change(s)."
        if self.evidence is not None and self.evidence.changed:
            text += " " + self.evidence.summary()
        return text
