"""HR's batch export on a process pool: the same folder, files and index as
lcc_apr.pdf.export.export_records, made by several processes (PDF rendering and signing
is CPU-bound Python, so threads would not help).

The parent (the export's worker thread in the app) chooses the records and names the
files; each record is one task for a `ProcessPoolExecutor` started with "spawn" (a fresh
interpreter: never a fork of a process with Qt threads running). Each worker opens the
encrypted store itself, read-only and without the app's one-process lock (it never
writes the store), renders, signs and writes its PDFs, and answers per record.

What a worker needs to open the store and sign, `PoolKit`, goes to it as the pool
initializer's arguments: pickled down the pipe that starts the process, never written to
disk or logged. It holds the store's raw SQLCipher key (the keyring is not asked again:
a test's in-memory keyring, or the OS keyring prompting once per process, would not do)
and the signer's private key as unencrypted PKCS#8 bytes.

Cancel: the parent stops submitting, sets a shared Event that workers check before each
record, and shuts the pool down cancelling what has not started; only records already
being made finish (tens of milliseconds each). A record that raises is reported failed
with its reason; the rest go on.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from lcc_apr.forms import Catalogue
from lcc_apr.policy import Policy

from .export import (
    INDEX,
    Chosen,
    ExportResult,
    MakePdf,
    Progress,
    Selection,
    chosen_records,
    export_records,
    index_bytes,
    index_row,
    sha256_of,
    write_whole,
)

# Below this many records one process is quicker: starting two spawned workers (imports,
# fonts, store open) took 0.99 s, and the pool paid from 63 records (bench/pdf.py,
# 2026-12-05, 2 cores: 27.4 records/s in one process, 48.4 on the pool).
POOL_FROM = 60


@dataclass(frozen=True)
class PoolKit:
    """What each worker needs: the store and its raw key, the forms, who signs. Secrets
    travel only through the pool's pipes; `repr` never shows them."""

    store_path: Path
    store_key: bytes | None  # raw SQLCipher key; None for a plain SQLite file (tests)
    catalogue: Catalogue
    signer_name: str
    signer_key: bytes | None = None  # PKCS#8 DER, unencrypted; None: unsigned copies
    certificate: bytes = b""  # DER
    chain: tuple[bytes, ...] = ()  # DER
    role: str = "hr"
    tsa_url: str | None = None  # trusted time (B-T); None: B-B
    crls: tuple[bytes, ...] = ()  # DER, embedded with the chain (B-LT)
    timestamp_roots: tuple[bytes, ...] = ()  # DER: an outside TSA's roots, for embedding

    def __repr__(self) -> str:
        return f"PoolKit({self.store_path.name}, signer={self.signer_name!r})"


def signer_parts(key: Any, certificate: x509.Certificate, chain: list[x509.Certificate]) -> dict:
    """A PdfSigner's key, certificate and chain as bytes for a PoolKit."""
    der = serialization.Encoding.DER
    return {
        "signer_key": key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        "certificate": certificate.public_bytes(der),
        "chain": tuple(c.public_bytes(der) for c in chain),
    }


def trusted_time_parts(signer: Any) -> dict:
    """A PdfSigner's TSA address and CRLs for a PoolKit (workers make their own signer)."""
    stamper = signer.timestamper
    material = signer.validation
    der = serialization.Encoding.DER
    return {
        "tsa_url": getattr(stamper, "url", None),
        "crls": tuple(material.crls) if material is not None else (),
        "timestamp_roots": tuple(
            c.public_bytes(der)
            for c in (material.trust_roots if material is not None else ())
            if c not in signer.chain
        ),
    }


# -- in each worker process ----------------------------------------------------------

_worker: dict[str, Any] = {}  # this worker's engine, make_pdf and the shared cancel Event


def _start_worker(kit: PoolKit, cancel: Any) -> None:
    """Pool initializer, in each worker: open the store (read-only use) and the signer."""
    from sqlalchemy.orm import sessionmaker

    from lcc_apr.store.keys import StoreKey
    from lcc_apr.store.store import encrypted_engine, plain_engine
    from lcc_apr.workdays import load_calendar

    from .pages import register_fonts
    from .records import record_pdf
    from .sign import PdfSigner
    from .timestamps import ValidationMaterial, timestamper_for

    if kit.store_key is None:
        engine = plain_engine(kit.store_path)
    else:
        engine = encrypted_engine(kit.store_path, StoreKey(kit.store_key, {"source": "pool"}))
    signer = None
    if kit.signer_key is not None:
        chain = [x509.load_der_x509_certificate(c) for c in kit.chain]
        signer = PdfSigner(
            serialization.load_der_private_key(kit.signer_key, password=None),
            x509.load_der_x509_certificate(kit.certificate),
            chain,
            timestamper=timestamper_for(kit.tsa_url),
            validation=ValidationMaterial(
                (*chain, *(x509.load_der_x509_certificate(c) for c in kit.timestamp_roots)),
                kit.crls,
            )
            if kit.crls
            else None,
        )
    register_fonts()
    load_calendar()  # the bank holidays here, not in the first record (cancel waits for it)
    sessions = sessionmaker(engine)

    def make(record_id: str) -> bytes:
        with sessions() as session:
            return record_pdf(
                session,
                record_id,
                kit.catalogue,
                signer=signer,
                signer_name=kit.signer_name,
                role=kit.role,
            )

    _worker.update(make=make, cancel=cancel)


def _make_one(record_id: str, target: str) -> tuple[str, str]:
    """In a worker: one record's PDF written whole to `target`.
    ("written", sha256) | ("failed", why) | ("cancelled", "") | ("problem", why)."""
    if _worker["cancel"].is_set():
        return "cancelled", ""
    try:
        data = _worker["make"](record_id)
    except Exception as exc:  # one bad record never stops the batch
        return "failed", str(exc) or type(exc).__name__
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, data)
    except OSError as exc:  # a full disk or a lost folder stops it
        return "problem", f"{path.parent} could not be written to ({exc.strerror or exc})."
    return "written", hashlib.sha256(data).hexdigest()


# -- in the parent -------------------------------------------------------------------


def export_pooled(
    session_factory: Callable[[], Any],
    *,
    selection: Selection,
    folder: Path,
    kit: Callable[[], PoolKit],
    make_pdf: MakePdf,
    policy: Policy,
    progress: Progress = lambda done, total: None,
    cancel: threading.Event | None = None,
    processes: int | None = None,
    pool_from: int | None = None,
) -> ExportResult:
    """export_records, on `processes` worker processes (default: one per core) when the
    selection holds `pool_from` records or more; in this process (with `make_pdf`)
    otherwise. `kit()` is asked only for a pool; when it raises (who signs cannot be
    found), the batch runs here and each record fails as `make_pdf` says. Any thread
    but the UI's; blocks until done or cancelled."""
    cancel = cancel or threading.Event()
    folder.mkdir(parents=True, exist_ok=True)
    with session_factory() as session:
        todo = chosen_records(session, selection, policy)
    workers = processes or os.cpu_count() or 2
    found: PoolKit | None = None
    if len(todo) >= (POOL_FROM if pool_from is None else pool_from) and workers >= 2:
        try:
            found = kit()
        except Exception:  # noqa: BLE001 - make_pdf meets the same error per record
            found = None
    if found is None:
        return export_records(
            session_factory,
            selection=selection,
            folder=folder,
            make_pdf=make_pdf,
            policy=policy,
            progress=progress,
            cancel=cancel,
        )
    return _run_pool(
        todo, folder=folder, kit=found, workers=workers, progress=progress, cancel=cancel
    )


def _run_pool(
    todo: list[Chosen],
    *,
    folder: Path,
    kit: PoolKit,
    workers: int,
    progress: Progress,
    cancel: threading.Event,
) -> ExportResult:
    result = ExportResult()
    rows: dict[int, list[str]] = {}  # by position in `todo`: the index keeps its order
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    done = 0
    progress(0, len(todo))
    pool = ProcessPoolExecutor(workers, context, initializer=_start_worker, initargs=(kit, stop))
    running: dict[Future[tuple[str, str]], int] = {}
    waiting = iter(range(len(todo)))
    try:
        while True:
            if cancel.is_set() or result.problem:
                break
            while len(running) < 2 * workers:  # a few ahead, so no worker waits
                position = next(waiting, None)
                if position is None:
                    break
                item = todo[position]
                target = folder / item.path
                if target.exists():
                    result.skipped += 1
                    rows[position] = index_row(item, sha256_of(target), "already there")
                    done += 1
                    progress(done, len(todo))
                    continue
                running[pool.submit(_make_one, item.record_id, str(target))] = position
            if not running:
                break
            finished, _ = wait(running, timeout=0.05, return_when=FIRST_COMPLETED)
            for future in finished:
                position = running.pop(future)
                done += _settle(result, rows, todo[position], position, folder, future)
                progress(done, len(todo))
    finally:
        stopping = cancel.is_set() or bool(result.problem)
        if stopping:
            stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
    for future, position in running.items():  # started before the stop: settled now
        if not future.cancelled():
            _settle(result, rows, todo[position], position, folder, future)
    result.cancelled = cancel.is_set()
    try:
        write_whole(folder / INDEX, index_bytes([rows[p] for p in sorted(rows)]))
    except OSError as exc:
        result.problem = (
            result.problem or f"{folder / INDEX} could not be written ({exc.strerror or exc})."
        )
    else:
        result.index = folder / INDEX
    return result


def _settle(
    result: ExportResult,
    rows: dict[int, list[str]],
    item: Chosen,
    position: int,
    folder: Path,
    future: Future[tuple[str, str]],
) -> int:
    """Record one task's answer; 1 when the record counts as done, else 0."""
    try:
        outcome, detail = future.result()
    except BrokenProcessPool:  # a worker died (killed, out of memory): this record fails
        outcome, detail = "failed", "the process making it stopped unexpectedly"
    if outcome == "written":
        result.written.append(folder / item.path)
        rows[position] = index_row(item, detail, "written")
    elif outcome == "failed":
        result.failed.append((item.record_id, detail))
        rows[position] = index_row(item, "", f"not made: {detail}")
    elif outcome == "problem":
        result.problem = result.problem or detail
        return 0
    else:  # cancelled before it started
        return 0
    return 1
