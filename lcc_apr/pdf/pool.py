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

Records go a few at a time per task (`chunk`: fewer round trips), each record still
answered on its own. Cancel: the parent stops submitting and sets a shared Event that
workers check before each record; tasks not started answer "cancelled" at once, and only
records already being made finish (tens of milliseconds each). A record that raises is
reported failed with its reason; the rest go on.

`WarmPool` starts the workers ahead of a batch (the export dialog does it while HR
chooses), so the batch does not wait for their start-up; a pool left warm after a batch
serves the next one, and `close()` ends it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Future,
    ProcessPoolExecutor,
    wait,
)
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

    @property
    def signing(self) -> Signing:
        return Signing(
            self.signer_name,
            self.signer_key,
            self.certificate,
            self.chain,
            self.role,
            self.tsa_url,
            self.crls,
            self.timestamp_roots,
        )


@dataclass(frozen=True)
class Signing:
    """Who signs, sent with each task (a warm pool starts before anyone is asked)."""

    name: str
    key: bytes | None
    certificate: bytes
    chain: tuple[bytes, ...]
    role: str
    tsa_url: str | None = None  # trusted time (B-T); None: B-B
    crls: tuple[bytes, ...] = ()  # DER, embedded with the chain (B-LT)
    timestamp_roots: tuple[bytes, ...] = ()  # DER: an outside TSA's roots, for embedding

    def __repr__(self) -> str:
        return f"Signing({self.name!r})"


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
    """Pool initializer, in each worker: the imports, fonts, calendar and store, so the
    first record waits for none of them. Who signs comes with the tasks."""
    from sqlalchemy.orm import sessionmaker

    from lcc_apr.store.keys import StoreKey
    from lcc_apr.store.store import encrypted_engine, plain_engine
    from lcc_apr.workdays import load_calendar

    from . import records, sign
    from .pages import register_fonts

    if kit.store_key is None:
        engine = plain_engine(kit.store_path)
    else:
        engine = encrypted_engine(kit.store_path, StoreKey(kit.store_key, {"source": "pool"}))
    register_fonts()
    load_calendar()  # the bank holidays here, not in the first record (cancel waits for it)
    _worker.update(
        sessions=sessionmaker(engine),
        catalogue=kit.catalogue,
        cancel=cancel,
        signers={},
        record_pdf=records.record_pdf,
        signer_class=sign.PdfSigner,
    )


def _signer(signing: Signing) -> Any:
    """This worker's PdfSigner for `signing` (made once; None: unsigned copies)."""
    signers = _worker["signers"]
    if signing not in signers:
        signers.clear()  # one signer at a time
        signers[signing] = None
        if signing.key is not None:
            from .timestamps import ValidationMaterial, timestamper_for

            chain = [x509.load_der_x509_certificate(c) for c in signing.chain]
            roots = (x509.load_der_x509_certificate(c) for c in signing.timestamp_roots)
            signers[signing] = _worker["signer_class"](
                serialization.load_der_private_key(signing.key, password=None),
                x509.load_der_x509_certificate(signing.certificate),
                chain,
                timestamper=timestamper_for(signing.tsa_url),
                validation=ValidationMaterial((*chain, *roots), signing.crls)
                if signing.crls
                else None,
            )
    return signers[signing]


def _make(record_id: str, signing: Signing) -> bytes:
    with _worker["sessions"]() as session:
        return _worker["record_pdf"](
            session,
            record_id,
            _worker["catalogue"],
            signer=_signer(signing),
            signer_name=signing.name,
            role=signing.role,
        )


def _ready() -> int:
    """A no-op task: one per worker makes the pool start every process now."""
    return os.getpid()


def _make_one(record_id: str, target: str, signing: Signing) -> tuple[str, str]:
    """In a worker: one record's PDF written whole to `target`.
    ("written", sha256) | ("failed", why) | ("cancelled", "") | ("problem", why)."""
    if _worker["cancel"].is_set():
        return "cancelled", ""
    try:
        data = _make(record_id, signing)
    except Exception as exc:  # one bad record never stops the batch
        return "failed", str(exc) or type(exc).__name__
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, data)
    except OSError as exc:  # a full disk or a lost folder stops it
        return "problem", f"{path.parent} could not be written to ({exc.strerror or exc})."
    return "written", hashlib.sha256(data).hexdigest()


def _make_some(work: list[tuple[str, str]], signing: Signing) -> list[tuple[str, str]]:
    """In a worker: a chunk of (record id, target), answered record by record; after a
    "problem" (the folder) the rest are not tried."""
    answers: list[tuple[str, str]] = []
    for record_id, target in work:
        answers.append(_make_one(record_id, target, signing))
        if answers[-1][0] == "problem":
            break
    return answers


# -- in the parent -------------------------------------------------------------------

CHUNK = 4  # records a task at most: fewer round trips, progress still every ~0.2 s
WARM_FROM = 4  # a warm pool pays from a few records (no start-up to win back)


class WarmPool:
    """`workers` processes, each set up with `kit`, started now (spawned at once; each
    sets itself up in its own process) for export_pooled(warm=...). One batch at a time;
    it stays warm for the next. `close()` ends it; any thread."""

    def __init__(self, kit: PoolKit, workers: int | None = None) -> None:
        self.store_path = kit.store_path
        self.workers = workers or os.cpu_count() or 2
        context = multiprocessing.get_context("spawn")
        self.stop = context.Event()
        self.executor = ProcessPoolExecutor(
            self.workers, context, initializer=_start_worker, initargs=(kit, self.stop)
        )
        self.broken = False  # a worker died: the executor takes no more work
        self.closed = False
        self._busy = threading.Lock()
        for _ in range(self.workers):  # a task with no idle worker spawns one
            self.executor.submit(_ready)

    @property
    def usable(self) -> bool:
        """Not closed, and no worker has died (then the executor takes no more work)."""
        return not (self.broken or self.closed or getattr(self.executor, "_broken", False))

    def take(self) -> bool:
        """True when free for a batch (then `give_back()` after it)."""
        return self.usable and self._busy.acquire(blocking=False)

    def give_back(self) -> None:
        self._busy.release()

    def close(self, wait: bool = False) -> None:
        """Stop the workers: what has not started is dropped. `wait`: until they exit."""
        self.closed = True
        self.stop.set()
        self.executor.shutdown(wait=wait, cancel_futures=True)


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
    warm: WarmPool | None = None,
    chunk: int | None = None,
) -> ExportResult:
    """export_records, on `processes` worker processes (default: one per core) when the
    selection holds `pool_from` records or more; in this process (with `make_pdf`)
    otherwise. With a free `warm` pool (of the same store), on it from WARM_FROM records
    (it is left running). `kit()` is asked only for a pool; when it raises (who signs
    cannot be found), the batch runs here and each record fails as `make_pdf` says, or,
    for a warm pool, with kit's error. Any thread but the UI's; blocks until done or
    cancelled."""
    cancel = cancel or threading.Event()
    folder.mkdir(parents=True, exist_ok=True)
    with session_factory() as session:
        todo = chosen_records(session, selection, policy)
    workers = processes or os.cpu_count() or 2
    on_warm = warm is not None and len(todo) >= WARM_FROM and warm.take()
    try:
        found: PoolKit | None = None
        if on_warm or (
            len(todo) >= (POOL_FROM if pool_from is None else pool_from) and workers >= 2
        ):
            try:
                found = kit()
            except Exception as error:  # who signs cannot be found
                if on_warm:  # each record fails with why (not asked again)
                    make_pdf = _raiser(error)
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
        if on_warm and warm is not None and warm.store_path == found.store_path:
            return _run_pool(
                todo,
                folder=folder,
                pool=warm,
                signing=found.signing,
                progress=progress,
                cancel=cancel,
                chunk=chunk,
            )
        pool = WarmPool(found, workers)
        try:
            return _run_pool(
                todo,
                folder=folder,
                pool=pool,
                signing=found.signing,
                progress=progress,
                cancel=cancel,
                chunk=chunk,
            )
        finally:  # after a cancel, a worker still starting ends by itself
            pool.close(wait=not cancel.is_set())
    finally:
        if on_warm and warm is not None:
            warm.give_back()


def _raiser(error: Exception) -> MakePdf:
    def make_pdf(_session: Any, _record_id: str) -> bytes:
        raise error

    return make_pdf


def _run_pool(
    todo: list[Chosen],
    *,
    folder: Path,
    pool: WarmPool,
    signing: Signing,
    progress: Progress,
    cancel: threading.Event,
    chunk: int | None,
) -> ExportResult:
    result = ExportResult()
    rows: dict[int, list[str]] = {}  # by position in `todo`: the index keeps its order
    size = chunk or max(1, min(CHUNK, len(todo) // (4 * pool.workers)))
    done = 0
    progress(0, len(todo))
    running: dict[Future[list[tuple[str, str]]], list[int]] = {}
    waiting = iter(range(len(todo)))
    pool.stop.clear()
    try:
        while not (cancel.is_set() or result.problem):
            while len(running) < 2 * pool.workers:  # a few ahead, so no worker waits
                positions: list[int] = []
                while len(positions) < size:
                    position = next(waiting, None)
                    if position is None:
                        break
                    target = folder / todo[position].path
                    if target.exists():
                        result.skipped += 1
                        rows[position] = index_row(
                            todo[position], sha256_of(target), "already there"
                        )
                        done += 1
                        progress(done, len(todo))
                    else:
                        positions.append(position)
                if not positions:
                    break
                work = [(todo[p].record_id, str(folder / todo[p].path)) for p in positions]
                running[pool.executor.submit(_make_some, work, signing)] = positions
            if not running:
                break
            finished, _ = wait(running, timeout=0.05, return_when=FIRST_COMPLETED)
            for future in finished:
                done += _settle(result, rows, todo, running.pop(future), folder, future, pool)
                progress(done, len(todo))
        if running:  # stopped: tasks not started answer "cancelled" at once
            pool.stop.set()
            for future, positions in running.items():
                _settle(result, rows, todo, positions, folder, future, pool)
    except BaseException:
        pool.close()
        raise
    pool.stop.clear()
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
    todo: list[Chosen],
    positions: list[int],
    folder: Path,
    future: Future[list[tuple[str, str]]],
    pool: WarmPool,
) -> int:
    """Record one task's answers; returns how many records count as done."""
    try:
        answers = future.result()
    except BrokenProcessPool:  # a worker died (killed, out of memory): its records fail
        pool.broken = True
        answers = [("failed", "the process making it stopped unexpectedly")] * len(positions)
    except CancelledError:  # the pool was closed before it started
        answers = []
    done = 0
    for position, (outcome, detail) in zip(
        positions, answers, strict=False
    ):  # short after a problem
        item = todo[position]
        if outcome == "written":
            result.written.append(folder / item.path)
            rows[position] = index_row(item, detail, "written")
            done += 1
        elif outcome == "failed":
            result.failed.append((item.record_id, detail))
            rows[position] = index_row(item, "", f"not made: {detail}")
            done += 1
        elif outcome == "problem":
            result.problem = result.problem or detail
        # "cancelled": not started
    return done
