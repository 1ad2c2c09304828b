"""Benchmark: the full demo organisation with its history, encrypted vs plain SQLite.

Reports, for the same generated data: seconds to generate it alone, seconds to build
it into the SQLCipher store and into plain SQLite (both WAL, same migrations) and then
to VACUUM it as build_demo_store does, the file sizes, and the encrypted/plain ratios.
Then the size against the store before packed history (migration 0013: patches as JSON
text, every record's answers held twice), with the goal beside it: against a plain build
made the old way (vacuumed too, so the ratio is not flattered) for any size, and for the
full demo against the encrypted store the version before made. Then the milliseconds to
read one record's history and verify it. Writes bench/out/store_build.json.
Run: `make bench` or `.venv/bin/python bench/store_build.py [--size N]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from lcc_apr.demo import build_organisation, generate_history, load_demo  # noqa: E402
from lcc_apr.history import history, verify_history  # noqa: E402
from lcc_apr.models import Record  # noqa: E402
from lcc_apr.models.patches import PACKED  # noqa: E402
from lcc_apr.store import migrate, open_store, plain_engine  # noqa: E402
from lcc_apr.store.store import Store  # noqa: E402
from tests.conftest import MemoryKeyring  # noqa: E402

AS_OF = date(2026, 11, 30)
GOAL = 0.6  # issue 17: the store at most 0.6x its size before packed history
# The full demo (6,087 people, seed 2020) built by the version before packed history
# (store revision 0012), encrypted, measured on 2026-12-06.
BEFORE_FULL_ENCRYPTED = 1_247_477_760
READS = 2000  # records whose history is read and verified


BenchKeyring = MemoryKeyring  # a keyring that lives only as long as the run


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.suffix != ".json")


def build(kind: str, folder: Path, size: int, seed: int) -> dict[str, float]:
    """kind: encrypted, plain, or unpacked (plain, patches as JSON text: as before 0013)."""
    path = folder / f"{kind}.db"
    started = time.perf_counter()
    if kind == "encrypted":
        store = open_store(path, keyring_backend=BenchKeyring())
    else:
        engine = plain_engine(path)
        setattr(engine.dialect, PACKED, kind == "plain")
        migrate.upgrade(engine)
        store = Store(path, engine, None)
    org = build_organisation(seed=seed, size=size, as_of=AS_OF)
    with store.session() as session:
        summary = load_demo(session, org, generate_history(org, seed=seed, as_of=AS_OF))
    seconds = time.perf_counter() - started
    store.analyse()  # as build_demo_store does, before the reads
    started = time.perf_counter()
    store.vacuum()
    vacuum = time.perf_counter() - started
    read_ms = history_read_ms(store)
    store.close()
    return {
        "seconds": seconds,
        "vacuum_s": round(vacuum, 2),
        "bytes": size_of(path),
        "records": sum(summary.records.values()),
        "history_read_ms": read_ms,
    }


def history_read_ms(store: Store) -> float:
    """Milliseconds to read one record's history and verify it (READS records, spread out)."""
    with store.session() as session:
        ids = list(session.scalars(select(Record.id).order_by(Record.id)))
        picked = ids[:: max(1, len(ids) // READS)][:READS]
        started = time.perf_counter()
        for record_id in picked:
            record = session.get(Record, record_id)
            assert record is not None and history(session, record_id)
            assert verify_history(session, record) == []
        return round((time.perf_counter() - started) * 1000 / len(picked), 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=6087)
    ap.add_argument("--seed", type=int, default=2020)
    args = ap.parse_args()

    started = time.perf_counter()
    org = build_organisation(seed=args.seed, size=args.size, as_of=AS_OF)
    records = sum(1 for _ in generate_history(org, seed=args.seed, as_of=AS_OF))
    generate = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        unpacked = build("unpacked", Path(tmp), args.size, args.seed)
        plain = build("plain", Path(tmp), args.size, args.seed)
        encrypted = build("encrypted", Path(tmp), args.size, args.seed)
    full = (args.size, args.seed) == (6087, 2020)
    result = {
        "employees": args.size,
        "records": records,
        "generate_only_s": round(generate, 2),
        "plain": plain,
        "encrypted": encrypted,
        "time_ratio_encrypted_to_plain": round(encrypted["seconds"] / plain["seconds"], 3),
        "size_ratio_encrypted_to_plain": round(encrypted["bytes"] / plain["bytes"], 3),
        "unpacked": unpacked,
        "size_ratio_plain_to_unpacked": round(plain["bytes"] / unpacked["bytes"], 3),
        "size_ratio_encrypted_to_before": (
            round(encrypted["bytes"] / BEFORE_FULL_ENCRYPTED, 3) if full else None
        ),
        "size_ratio_goal": GOAL,
    }
    out = Path(__file__).with_name("out")
    out.mkdir(exist_ok=True)
    (out / "store_build.json").write_text(json.dumps(result, indent=2))
    mb = 1024 * 1024
    print(f"{args.size:,} employees, {records:,} records; generating alone {generate:.1f} s")
    for name in ("unpacked", "plain", "encrypted"):
        r = result[name]
        print(
            f"  {name:9} build {r['seconds']:6.1f} s + vacuum {r['vacuum_s']:4.1f} s   "
            f"{r['bytes'] / mb:7.1f} MiB   "
            f"history read {r['history_read_ms']:.2f} ms a record"
        )
    print(
        f"  encrypted / plain: time x{result['time_ratio_encrypted_to_plain']}, "
        f"size x{result['size_ratio_encrypted_to_plain']}"
    )
    print(
        f"  size against before packed history: plain x{result['size_ratio_plain_to_unpacked']}"
        + (f", encrypted x{result['size_ratio_encrypted_to_before']}" if full else "")
        + f" (goal x{GOAL})"
    )


if __name__ == "__main__":
    main()
