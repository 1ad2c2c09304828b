"""HR's organisation import from the desktop: send the HR system's file to the server for a
dry run, then apply what the dry run showed (POST /hr/org-import; the server reads,
plans and applies by the same path as `lcc-apr-server org-import`).

The import needs the server: it is made there, all or nothing, and the desktop sees the
new organisation at its next sync. `OrgImporter` is built by the composition root with the
signed-in connection (None: no connection, and every call says so). Its calls run on the
UI's writer thread (the connection's tokens are shared with sync: one call at a time);
they report `Step`s through `progress` and look at `cancel`: a cancelled dry run's answer
is thrown away, and an apply cancelled before it is sent sends nothing. Once sent, an
apply is the server's to finish (all or nothing). No Qt.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from lcc_apr.hr.profiles import PROFILES, ProfileError, load_profile
from lcc_apr.progress import Step
from lcc_apr.sync.errors import Cancelled, NetworkError
from lcc_apr.sync.orgwire import MOST_UPLOAD_CHARS, OrgImportBody, OrgImportReply

if TYPE_CHECKING:
    from lcc_apr.sync.transport import Connection

MOST_FILE_BYTES = MOST_UPLOAD_CHARS // 4 * 3 - 64 * 1024  # base64 and the body's other keys
OFFLINE = (
    "Importing the organisation needs a connection to the server, and this copy of LCC APR "
    "is not signed in to one. Sign in while connected and try again."
)
MAYBE_APPLIED = (
    "The server did not answer, so this computer cannot tell whether the import was "
    "applied (it is all or nothing). Run the dry run again: it shows what is left to change."
)
Progress = Callable[[Step], None]


class ImportUnavailable(Exception):
    """The import cannot be sent: str(err) says why, in plain words. Nothing was sent."""


@dataclass(frozen=True)
class ImportChoice:
    """What HR chose: the file, how to read it, and what it means."""

    path: Path
    as_of: date
    profile: str = "generic"
    sheet: str | None = None
    complete: bool = False


def profiles() -> list[tuple[str, str]]:
    """(name, label) of each HR system profile shipped, for a screen to offer."""
    found = []
    for name in PROFILES:
        try:
            found.append((name, load_profile(name).label))
        except ProfileError:
            continue
    return found


def sheets(path: Path, profile: str) -> list[str]:
    """The sheets of a workbook that could be the organisation ([] for a CSV): a read."""
    from lcc_apr.hr.sheets import candidate_sheets

    return candidate_sheets(path, profile)


class OrgImporter:
    def __init__(self, connection: Connection | None) -> None:
        self.connection = connection

    def dry_run(
        self,
        choice: ImportChoice,
        *,
        cancel: threading.Event | None = None,
        progress: Progress | None = None,
    ) -> OrgImportReply:
        """Write op (it uses the connection): the server's report; nothing is changed.
        Cancelled when `cancel` is set before the answer is taken."""
        reply = self._send(choice, dry_run=True, cancel=cancel, progress=progress)
        if cancel is not None and cancel.is_set():
            raise Cancelled("Stopped: nothing was applied.")
        return reply

    def apply(
        self,
        choice: ImportChoice,
        *,
        expect: str,
        confirm_leavers: bool = False,
        cancel: threading.Event | None = None,
        progress: Progress | None = None,
    ) -> OrgImportReply:
        """Write op: apply what the dry run with digest `expect` showed, all or nothing.
        The reply's `applied` says what was done (None: the file has errors); Refused
        (409) when the server would now do something else."""
        return self._send(
            choice,
            dry_run=False,
            expect=expect,
            confirm_leavers=confirm_leavers,
            cancel=cancel,
            progress=progress,
        )

    def _send(
        self,
        choice: ImportChoice,
        *,
        dry_run: bool,
        cancel: threading.Event | None,
        progress: Progress | None,
        expect: str | None = None,
        confirm_leavers: bool = False,
    ) -> OrgImportReply:
        say = progress or (lambda _step: None)
        if self.connection is None:
            raise ImportUnavailable(OFFLINE)
        say(Step("Reading the file"))
        content = _read(choice.path)
        body = OrgImportBody(
            file_name=choice.path.name[:200] or "upload",
            content=base64.b64encode(content).decode("ascii"),
            profile=choice.profile,
            sheet=choice.sheet,
            as_of=choice.as_of,
            dry_run=dry_run,
            complete=choice.complete,
            confirm_leavers=confirm_leavers,
            expect=expect,
        )
        del content
        if cancel is not None and cancel.is_set():
            raise Cancelled("Stopped before anything was sent: nothing was applied.")
        say(Step("The server is checking the file" if dry_run else "The server is applying it"))
        from lcc_apr.sync.transport import may_have_arrived

        try:
            return self.connection.org_import(body)
        except NetworkError as err:
            if dry_run or not may_have_arrived(err):
                raise  # nothing was applied: the words say to try again
            raise NetworkError(MAYBE_APPLIED) from err


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MOST_FILE_BYTES:
            raise ImportUnavailable(
                f"{path.name} is larger than the server takes "
                f"({MOST_FILE_BYTES // 2**20} MB): export fewer columns, or split the file."
            )
        if size == 0:
            raise ImportUnavailable(f"{path.name} is empty.")
        return path.read_bytes()
    except OSError as err:
        raise ImportUnavailable(
            f"{path.name} cannot be opened ({err.strerror or 'unreadable'})."
        ) from None
