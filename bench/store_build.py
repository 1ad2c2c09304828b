"""Benchmark: the full demo organisation with its history, encrypted vs plain SQLite.

Reports, for the same generated data: seconds to generate it alone, seconds to
build it into the SQLCipher store and into plain SQLite (both WAL, same
migrations), the file sizes, and the encrypted/plain ratios. Writes
bench/out/store_build.json. Run: `make bench` or `.venv/bin/python bench/store_build.py [--size N]`.
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

from lcc_apr.demo import build_organisation, generate_history, load_demo  # noqa: E402
from lcc_apr.store import migrate, open_store, plain_engine  # noqa: E402
from lcc_apr.store.store import Store  # noqa: E402
from tests.conftest import MemoryKeyring  # noqa: E402

AS_OF = date(2026, 11, 30)


BenchKeyring = MemoryKeyring  # a keyring that lives only as long as the run


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.suffix != ".json")


def build(kind: str, folder: Path, size: int, seed: int) -> dict[str, float]:
    path = folder / f"{kind}.db"
    started = time.perf_counter()
    if kind == "encrypted":
        store = open_store(path, keyring_backend=BenchKeyring())
    else:
        engine = plain_engine(path)
        migrate.upgrade(engine)
        store = Store(path, engine, None)
    org = build_organisation(seed=seed, size=size, as_of=AS_OF)
    with store.session() as session:
        summary = load_demo(session, org, generate_history(org, seed=seed, as_of=AS_OF))
    store.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "bytes": size_of(path), "records": sum(summary.records.values())}


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
        plain = build("plain", Path(tmp), args.size, args.seed)
        encrypted = build("encrypted", Path(tmp), args.size, args.seed)
    result = {
        "employees": args.size,
        "records": records,
        "generate_only_s": round(generate, 2),
        "plain": plain,
        "encrypted": encrypted,
        "time_ratio_encrypted_to_plain": round(encrypted["seconds"] / plain["seconds"], 3),
        "size_ratio_encrypted_to_plain": round(encrypted["bytes"] / plain["bytes"], 3),
    }
    out = Path(__file__).with_name("out")
    out.mkdir(exist_ok=True)
    (out / "store_build.json").write_text(json.dumps(result, indent=2))
    mb = 1024 * 1024
    print(f"{args.size:,} employees, {records:,} records; generating alone {generate:.1f} s")
    for name in ("plain", "encrypted"):
        r = result[name]
        print(f"  {name:9} build {r['seconds']:6.1f} s   {r['bytes'] / mb:7.1f} MiB")
    print(
        f"  encrypted / plain: time x{result['time_ratio_encrypted_to_plain']}, "
        f"size x{result['size_ratio_encrypted_to_plain']}"
    )


if __name__ == "__main__":
    main()
