"""What the window runs on, built by main.py and passed in (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from lcc_apr.ops.user import CurrentUser

if TYPE_CHECKING:
    from lcc_apr.forms import Catalogue
    from lcc_apr.pdf.records import Printer
    from lcc_apr.policy import Policy
    from lcc_apr.store import Store
    from lcc_apr.sync.engine import SyncEngine
    from lcc_apr.sync.outcome import Progress

# Given the progress callback to report through, returns an engine ready to run(cancel).
SyncEngineFactory = Callable[[Callable[["Progress"], None]], "SyncEngine"]


@dataclass(frozen=True)
class AppContext:
    # The open store, or one still opening in a worker (lcc_apr.ops.opening.Opening):
    # the window shows at once and its pages' reads wait for it. The UI never calls it.
    store: Store
    catalogue: Catalogue
    policy: Policy
    user: CurrentUser
    today: Callable[[], date] = date.today  # the demo pins its own "today"
    sync_engine_factory: SyncEngineFactory | None = None
    # Run in a worker: who prints a record (their PDF signer, role on it, the CA to check
    # against). None: copies are made unsigned, saying why.
    printer_for: Callable[[str], Printer] | None = None
    # Run in a worker before signing: (signing identity, trust) from
    # lcc_apr.signing.identity.Signer.
    signing: Callable[[], tuple[Any, Any]] | None = None
    demo_title: str | None = None  # in the demo: who this person is ("line manager")
    # HR's organisation import (lcc_apr.ops.org_import.OrgImporter on the signed-in
    # connection); None for everyone else: File > Import organisation is not offered.
    org_importer: Any = None
    # HR's retention review (lcc_apr.ops.retention.RetentionDesk); None for everyone else.
    retention_desk: Any = None
    # HR's signed-in connection (lcc_apr.sync.transport.Connection) for the audit viewer and
    # the subject access export; None for everyone else.
    hr_connection: Any = None

    def signed_in_as(self) -> str:
        """'Signed in as Sam Smith (demo: line manager)'."""
        text = f"Signed in as {self.user.display_name}"
        return text + (f" (demo: {self.demo_title})" if self.demo_title else "")

    def printer(self, record_id: str) -> Printer:
        from lcc_apr.pdf.records import Printer

        if self.printer_for is None:
            return Printer(None, self.user.display_name)
        return self.printer_for(record_id)

    def sync_call(self) -> Callable[[Any, Callable[[Any], None]], Any] | None:
        """The sync as a plain callable (cancel event, progress callback) -> Synced (the
        result and its Changes: lcc_apr.ops.sync)."""
        factory = self.sync_engine_factory
        if factory is None:
            return None

        def sync(cancel: Any, on_progress: Callable[[Any], None]) -> Any:
            from lcc_apr.ops.sync import run_sync  # in the worker: pydantic's models load there

            return run_sync(factory(on_progress), cancel=cancel)

        return sync
