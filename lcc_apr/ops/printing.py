"""Printing: a record's signed PDF, the letters a person may make from it, and HR's
batch export of the completed records HR chooses.

Reads, but for the note of each record printed or exported that waits for the next push
to tell the server's audit log (ops.audit.tell_server); printing is also audited beside
the store. Each takes the store and opens its own session.
`printer` says who signs (lcc_apr.pdf.records.Printer); finding it may ask the server,
so callers find it in the same worker. The PDF side (reportlab) is imported when a
function first runs, never when this module is. Any worker thread; no Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lcc_apr.forms import Catalogue
from lcc_apr.models import Department, Record
from lcc_apr.pdf.export import ExportCount, ExportResult, MakePdf, Progress, Selection, count
from lcc_apr.pdf.export import export_records as export_to_folder
from lcc_apr.policy import Policy
from lcc_apr.schedule.cycles import Cycle, cycle_of, cycle_starting
from lcc_apr.store import Store
from lcc_apr.workflow import Party

from .audit import EXPORTED, PRINTED, audit, tell_server
from .records import actor_for
from .user import CurrentUser

if TYPE_CHECKING:
    from lcc_apr.pdf.pool import PoolKit, WarmPool
    from lcc_apr.pdf.printed_letters import LetterChoice
    from lcc_apr.pdf.records import PrintedRecord, Printer


@dataclass(frozen=True)
class DepartmentNode:
    id: int
    name: str
    children: tuple[DepartmentNode, ...] = ()


def print_record(
    store: Store, *, record_id: str, catalogue: Catalogue, printer: Printer, user: CurrentUser
) -> PrintedRecord:
    """The record's PDF signed by `printer`, checked as a reader would check it; the
    printing is audited on this computer (and so in the record's history here)."""
    from lcc_apr.pdf.records import print_record as printed

    with store.session() as s:
        made = printed(s, record_id, catalogue, printer)
    audit(store, user, PRINTED, record_id=record_id)
    tell_server(store, PRINTED, [record_id])
    return made


def letter_choices(
    store: Store,
    *,
    record_id: str,
    catalogue: Catalogue,
    parties: Iterable[Party],
    policy: Policy,
) -> list[LetterChoice]:
    """Read: the letters someone with these `parties` on the record may make from it now
    ([] for the employee, or when none applies). A letter template with mistakes
    raises its error here."""
    from lcc_apr.pdf.printed_letters import letter_choices as choices

    with store.session() as s:
        return choices(s, record_id, catalogue, parties, policy=policy)


def print_letter(
    store: Store,
    *,
    record_id: str,
    name: str,
    catalogue: Catalogue,
    printer: Printer,
    extra: Mapping[str, Any],
    policy: Policy,
) -> PrintedRecord:
    """Read: the letter `name` for the record, filled with `extra` (the values it asks
    for), signed by `printer`. LetterError, naming all that is missing, before anything
    is made."""
    from lcc_apr.pdf.printed_letters import print_letter as printed

    with store.session() as s:
        return printed(s, record_id, name, catalogue, printer, extra=extra, policy=policy)


# -- HR's export ----------------------------------------------------------------------


def department_tree(store: Store) -> list[DepartmentNode]:
    """Read: the organisation's departments as a tree (directorate > service > unit ...),
    each level by name."""
    with store.session() as s:
        rows = s.execute(select(Department.id, Department.name, Department.parent_id)).all()
    children: dict[int | None, list[tuple[str, int]]] = {}
    for dep_id, name, parent in rows:
        children.setdefault(parent, []).append((name, dep_id))

    def nodes(parent: int | None) -> tuple[DepartmentNode, ...]:
        return tuple(
            DepartmentNode(dep_id, name, nodes(dep_id))
            for name, dep_id in sorted(children.get(parent, []))
        )

    return list(nodes(None))


def export_cycles(store: Store, *, policy: Policy) -> list[Cycle]:
    """Read: the cycles from the oldest dated record to the newest, newest first."""
    with store.session() as s:
        oldest, newest = s.execute(
            select(func.min(Record.record_date), func.max(Record.record_date)).where(
                ~Record.deleted
            )
        ).one()
    if oldest is None or newest is None:
        return []
    first, last = cycle_of(oldest, policy).year, cycle_of(newest, policy).year
    return [cycle_starting(year, policy) for year in range(last, first - 1, -1)]


def count_export(store: Store, selection: Selection) -> ExportCount:
    """Read: how many completed records the selection holds and about how big (SQL only)."""
    with store.session() as s:
        return count(s, selection)


def export_records(
    store: Store,
    *,
    selection: Selection,
    folder: Path,
    make_pdf: MakePdf,
    policy: Policy,
    progress: Progress = lambda done, total: None,
    cancel: threading.Event | None = None,
    pool: Callable[[], PoolKit] | None = None,
    warm: WarmPool | None = None,
) -> ExportResult:
    """Read: each completed record of the selection as one PDF under `folder` (a folder
    per kind and cycle) and index.csv beside them; files already there are skipped,
    `cancel` stops after the current one. With `pool` (hr_pool_kit), a batch of
    lcc_apr.pdf.pool.POOL_FROM records or more is made by one process per core; with
    `warm` (started ahead, see `warm_pool`), from a few records, on its processes."""
    if pool is not None:
        from lcc_apr.pdf.pool import export_pooled

        result = export_pooled(
            store.session,
            selection=selection,
            folder=folder,
            kit=pool,
            make_pdf=make_pdf,
            policy=policy,
            progress=progress,
            cancel=cancel,
            warm=warm,
        )
    else:
        result = export_to_folder(
            store.session,
            selection=selection,
            folder=folder,
            make_pdf=make_pdf,
            policy=policy,
            progress=progress,
            cancel=cancel,
        )
    _tell_exported(store, selection, folder, policy, result)
    return result


def _tell_exported(
    store: Store, selection: Selection, folder: Path, policy: Policy, result: ExportResult
) -> None:
    """The records whose PDFs this export wrote, for the server's audit log."""
    from lcc_apr.pdf.export import chosen_records

    if not result.written:
        return
    written = {Path(p).resolve() for p in result.written}
    with store.session() as s:
        chosen = chosen_records(s, selection, policy)
    ids = [c.record_id for c in chosen if (folder / c.path).resolve() in written]
    tell_server(store, EXPORTED, ids)


def hr_pdf_maker(*, catalogue: Catalogue, printer: Callable[[], Printer]) -> MakePdf:
    """make_pdf for HR's export: each record's PDF signed by HR in HR's box. Who signs
    (`printer()`, which may ask the server) is found once, on the first record, in the
    export's worker, and kept for the rest of the batch; when it fails, every record
    fails with the same reason."""
    from lcc_apr.pdf.records import record_pdf

    found: list[Printer | Exception] = []  # the printer, or why there is none: asked once
    lock = threading.Lock()

    def make_pdf(session: Session, record_id: str) -> bytes:
        with lock:
            if not found:
                try:
                    found.append(printer())
                except Exception as error:
                    found.append(error)
        signer = found[0]
        if isinstance(signer, Exception):
            raise signer
        return record_pdf(
            session,
            record_id,
            catalogue,
            signer=signer.signer,
            signer_name=signer.name,
            role="hr",
        )

    return make_pdf


class HrPoolKit:
    """`pool` for export_records (hr_pool_kit): called in the export's worker, who signs
    (`printer()`, which may ask the server) and the store's key, as the worker processes
    need them; `unsigned()`, the same without asking who signs (to warm a pool)."""

    def __init__(
        self, store: Store, *, catalogue: Catalogue, printer: Callable[[], Printer]
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.printer = printer

    def __call__(self) -> PoolKit:
        from lcc_apr.pdf.pool import signer_parts, trusted_time_parts

        found = self.printer()
        parts: dict[str, Any] = {}
        if found.signer is not None:
            parts = signer_parts(found.signer.key, found.signer.certificate, found.signer.chain)
            parts.update(trusted_time_parts(found.signer))
        return self.unsigned(signer_name=found.name, **parts)

    def unsigned(self, **signer: Any) -> PoolKit:
        from lcc_apr.pdf.pool import PoolKit

        key = self.store.worker_key()
        return PoolKit(
            store_path=self.store.path,
            store_key=key.raw if key is not None else None,
            catalogue=self.catalogue,
            **{"signer_name": "", **signer},
        )


def hr_pool_kit(store: Store, *, catalogue: Catalogue, printer: Callable[[], Printer]) -> HrPoolKit:
    """`pool` for export_records: see HrPoolKit."""
    return HrPoolKit(store, catalogue=catalogue, printer=printer)


def warm_pool(pool: HrPoolKit) -> WarmPool:
    """Read: HR's export processes started now, before the batch is chosen and without
    asking who signs (each batch asks); pass it to export_records, then `close()` it."""
    from lcc_apr.pdf.pool import WarmPool

    return WarmPool(pool.unsigned())


def printer_for(
    store: Store, signer: Any, connection: Any, *, user: CurrentUser, record_id: str = ""
) -> Printer:
    """Read: the signed-in person as the printer of a record (or, with no record id, as HR
    for a batch): their identity from signing.identity.Signer (enrolled over `connection`
    when it has no certificate yet), their role on the record, the organisation's trust."""
    from lcc_apr.pdf.records import Printer
    from lcc_apr.signing.identity import SigningError
    from lcc_apr.signing.signoff import role_for

    try:
        identity = signer.ready(connection)
    except SigningError as err:
        return Printer(None, user.display_name, why_unsigned=f"This copy is not signed: {err}")
    trust = signer.trust()
    role: str | None = "hr"
    if record_id:
        with store.session() as s:
            actor = actor_for(s, record_id, user=user)
        found = role_for(actor.parties())
        role = str(found) if found is not None else None
    return Printer(
        trust.pdf_signer(identity.private_key, identity.certificate),
        user.display_name,
        role,
        list(trust.authorities),
        revoked=trust.revoked_by_serial(),
        timestamp_roots=list(trust.timestamp_roots),
    )
