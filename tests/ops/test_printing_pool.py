"""HR's export on a process pool (lcc_apr.pdf.pool through ops.printing): the same files
as one process, cancel within a second, one failing record fails alone."""

from __future__ import annotations

import re
import subprocess
import threading
import time
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select, update

from lcc_apr.forms import Catalogue
from lcc_apr.models import Record
from lcc_apr.ops import printing
from lcc_apr.pdf.check import check_pdf
from lcc_apr.pdf.export import ExportResult, Selection, chosen_records
from lcc_apr.pdf.pool import WarmPool, export_pooled
from lcc_apr.pdf.records import Printer
from lcc_apr.pdf.sign import PdfSigner
from lcc_apr.policy import load_policy
from lcc_apr.store import Store
from tests.pdf_tools import make_ca, make_user

CATALOGUE = Catalogue.load()
POLICY = load_policy()
SMALL = "Chief Executive's Department"  # 52 completed records in the 50-person demo
CA = make_ca()
HR = make_user(CA, "Beth Tebbutt")
WHEN = re.compile(r"\d{1,2} \w+ \d{4}, \d\d:\d\d")  # the signing time in the box


def printer() -> Printer:
    return Printer(PdfSigner(HR.key, HR.certificate, HR.chain), "Beth Tebbutt", "hr")


def small(store: Store) -> Selection:
    return Selection(
        frozenset({next(d.id for d in printing.department_tree(store) if d.name == SMALL)})
    )


def export(store: Store, folder: Path, *, pooled: bool, **extra) -> ExportResult:
    return export_pooled(
        store.session,
        selection=small(store),
        folder=folder,
        kit=printing.hr_pool_kit(store, catalogue=CATALOGUE, printer=printer),
        make_pdf=printing.hr_pdf_maker(catalogue=CATALOGUE, printer=printer),
        policy=POLICY,
        processes=2,
        pool_from=1 if pooled else 10_000,
        **extra,
    )


def text_of(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    return WHEN.sub("<time>", unicodedata.normalize("NFC", out.decode()))


def test_the_pool_makes_the_same_pdfs_as_one_process(demo, tmp_path):
    alone = export(demo, tmp_path / "alone", pooled=False)
    pooled = export(demo, tmp_path / "pool", pooled=True)
    assert len(alone.written) == 52 and not alone.failed
    names = sorted(p.relative_to(tmp_path / "alone") for p in alone.written)
    assert sorted(p.relative_to(tmp_path / "pool") for p in pooled.written) == names
    for name in names:
        one, two = tmp_path / "alone" / name, tmp_path / "pool" / name
        checked = check_pdf(two.read_bytes(), trust_roots=[CA.certificate])
        assert checked.ok and checked.signers == ("Beth Tebbutt",), checked.summary
        assert text_of(two) == text_of(one)  # the same pages (signing times aside)

    def index(folder: str) -> list[str]:  # the hash column differs: signing times
        rows = (tmp_path / folder / "index.csv").read_text("utf-8-sig").splitlines()
        return [
            ",".join(c for c in r.split(",") if not re.fullmatch("[0-9a-f]{64}", c)) for r in rows
        ]

    assert index("pool") == index("alone")


def test_cancel_stops_the_pool_mid_batch(demo, tmp_path):
    """A cancel stops the batch at the records under way (about 0.1 s on a quiet machine;
    the bound here only catches a hang, as a loaded CI machine is slower)."""
    cancel = threading.Event()
    first = threading.Event()
    results: list[ExportResult] = []

    def progress(done: int, total: int) -> None:
        if done >= 1:
            first.set()

    worker = threading.Thread(
        target=lambda: results.append(
            export(demo, tmp_path, pooled=True, cancel=cancel, progress=progress)
        )
    )
    worker.start()
    assert first.wait(30)
    asked = time.perf_counter()
    cancel.set()
    worker.join(5)
    took = time.perf_counter() - asked
    assert not worker.is_alive() and took < 3.0, took
    result = results[0]
    assert result.cancelled and 1 <= len(result.written) < 52
    assert len(list(tmp_path.rglob("*.pdf"))) == len(result.written)  # no half files
    assert not list(tmp_path.rglob("*.part"))


def test_one_failing_record_fails_alone(demo, tmp_path):
    with demo.session() as s:
        broken = chosen_records(s, small(demo), POLICY)[3].record_id
        s.execute(update(Record).where(Record.id == broken).values(template_version=999))
    result = export(demo, tmp_path, pooled=True)
    assert [r for r, _why in result.failed] == [broken]
    assert "999" in result.failed[0][1] or result.failed[0][1]
    assert len(result.written) == 51
    index = (tmp_path / "index.csv").read_text("utf-8-sig")
    assert index.count("not made:") == 1 and index.count(",written") == 51


def test_the_ops_export_uses_the_pool_only_for_a_big_batch(demo, tmp_path, monkeypatch):
    from lcc_apr.pdf import pool

    started: list[int] = []
    real = pool._run_pool
    monkeypatch.setattr(pool, "POOL_FROM", 52)  # the demo's department: exactly at the cut
    monkeypatch.setattr(pool, "_run_pool", lambda todo, **kw: started.append(1) or real(todo, **kw))
    with demo.session() as s:
        kinds = set(s.scalars(select(Record.kind)))
    assert kinds
    result = printing.export_records(
        demo,
        selection=small(demo),
        folder=tmp_path,
        make_pdf=printing.hr_pdf_maker(catalogue=CATALOGUE, printer=printer),
        policy=POLICY,
        pool=printing.hr_pool_kit(demo, catalogue=CATALOGUE, printer=printer),
    )
    assert started == [1] and len(result.written) == 52  # 52 >= POOL_FROM: the pool


def test_a_small_batch_stays_in_one_process(demo, tmp_path, monkeypatch):
    from lcc_apr.pdf import pool

    monkeypatch.setattr(pool, "_run_pool", lambda todo, **kw: pytest.fail("pool started"))
    result = printing.export_records(
        demo,
        selection=small(demo),
        folder=tmp_path,
        make_pdf=printing.hr_pdf_maker(catalogue=CATALOGUE, printer=printer),
        policy=POLICY,
        pool=printing.hr_pool_kit(demo, catalogue=CATALOGUE, printer=printer),
    )
    assert len(result.written) == 52  # under POOL_FROM (60)


def warm(store: Store) -> WarmPool:
    return printing.warm_pool(printing.hr_pool_kit(store, catalogue=CATALOGUE, printer=printer))


def test_a_warm_pool_serves_batch_after_batch_and_a_cancel(demo, tmp_path, monkeypatch):
    """Started before the batch and before who signs is asked (the dialog does it while
    HR chooses); each batch asks who signs once; a cancel leaves it ready for the next
    batch; close() ends its processes."""
    pool = warm(demo)
    asked: list[int] = []
    kit = printing.hr_pool_kit(demo, catalogue=CATALOGUE, printer=printer)

    def counted_kit():
        asked.append(1)
        return kit()

    def run(folder: Path, **extra) -> ExportResult:
        return export_pooled(
            demo.session,
            selection=small(demo),
            folder=folder,
            kit=counted_kit,
            make_pdf=lambda _s, _r: pytest.fail("made in this process"),
            policy=POLICY,
            pool_from=10_000,  # a cold pool would never start: this is the warm one
            warm=pool,
            **extra,
        )

    try:
        cancel = threading.Event()
        stopped = run(
            tmp_path / "first",
            cancel=cancel,
            progress=lambda done, total: done >= 1 and cancel.set(),
        )
        assert stopped.cancelled and 1 <= len(stopped.written) < 52
        assert len(list((tmp_path / "first").rglob("*.pdf"))) == len(stopped.written)
        assert pool.usable and not pool.stop.is_set()
        whole = run(tmp_path / "second")
        assert len(whole.written) == 52 and not whole.failed and not whole.cancelled
        checked = check_pdf(whole.written[0].read_bytes(), trust_roots=[CA.certificate])
        assert checked.ok and checked.signers == ("Beth Tebbutt",), checked.summary
        assert asked == [1, 1] and pool.usable
        processes = list(pool.executor._processes.values())
        assert len(processes) == 2
    finally:
        pool.close(wait=True)
    assert not pool.usable and not any(p.is_alive() for p in processes)


def test_when_who_signs_cannot_be_found_a_warm_pool_fails_each_record(demo, tmp_path):
    def broken() -> Printer:
        raise ConnectionError("the server did not answer")

    pool = warm(demo)
    try:
        result = export_pooled(
            demo.session,
            selection=small(demo),
            folder=tmp_path,
            kit=printing.hr_pool_kit(demo, catalogue=CATALOGUE, printer=broken),
            make_pdf=lambda _s, _r: pytest.fail("who signs asked again"),
            policy=POLICY,
            warm=pool,
        )
    finally:
        pool.close(wait=True)
    assert len(result.failed) == 52 and not result.written
    assert {why for _r, why in result.failed} == {"the server did not answer"}


def test_one_failing_record_fails_alone_within_its_chunk(demo, tmp_path):
    """Records go four to a task here: the one that fails is the only one of its four."""
    with demo.session() as s:
        broken = chosen_records(s, small(demo), POLICY)[5].record_id
        s.execute(update(Record).where(Record.id == broken).values(template_version=999))
    result = export(demo, tmp_path, pooled=True, chunk=4)
    assert [r for r, _why in result.failed] == [broken]
    assert len(result.written) == 51


def test_a_warm_pool_whose_worker_died_is_not_used(demo, tmp_path):
    pool = warm(demo)
    try:
        assert pool.executor.submit(_worker_pid).result(30)  # set up
        next(iter(pool.executor._processes.values())).kill()
        for _ in range(100):  # the executor notices within moments
            if not pool.usable:
                break
            time.sleep(0.1)
        assert not pool.usable
        result = export(demo, tmp_path, pooled=True, warm=pool)  # a new pool instead
        assert len(result.written) == 52 and not result.failed
    finally:
        pool.close(wait=True)


def _worker_pid() -> int:
    import os

    return os.getpid()
