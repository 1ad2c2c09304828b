"""Benchmark: 'Needs my action' in the full demo organisation (~241k records).

Builds the demo into an encrypted store, then times `lcc_apr.ops.inbox.needs_action`
for an HR officer, the manager with the largest team and an employee: median of
several runs each. Writes bench/out/inbox.json. Run: `.venv/bin/python bench/inbox.py`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.schedule import AS_OF, timed  # noqa: E402
from bench.store_build import BenchKeyring  # noqa: E402
from lcc_apr.demo import build_organisation, generate_history, load_demo  # noqa: E402
from lcc_apr.forms import Catalogue  # noqa: E402
from lcc_apr.models import Record, Role, User  # noqa: E402
from lcc_apr.ops.inbox import needs_action  # noqa: E402
from lcc_apr.ops.user import CurrentUser  # noqa: E402
from lcc_apr.policy import load_policy  # noqa: E402
from lcc_apr.store import open_store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=6087)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    policy, catalogue = load_policy(), Catalogue.load()
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "demo.db", keyring_backend=BenchKeyring())
        org = build_organisation(seed=2020, size=args.size, as_of=AS_OF)
        with store.session() as s:
            load_demo(s, org, generate_history(org, seed=2020, as_of=AS_OF))
        store.analyse()
        by_manager = Counter(e["line_manager_id"] for e in org.employees if e["line_manager_id"])
        biggest = by_manager.most_common(1)[0][0]
        with store.session() as s:
            result["records"] = s.scalar(select(func.count()).select_from(Record))
            users = [CurrentUser.from_user(u) for u in s.scalars(select(User))]
        hr = next(u for u in users if Role.HR in u.roles)
        manager = next(u for u in users if u.employee_id == biggest)
        employee = next(u for u in users if u.roles == frozenset({Role.EMPLOYEE}))
        for name, user in (("hr", hr), ("manager", manager), ("employee", employee)):
            times, inbox = timed(
                lambda user=user: needs_action(
                    store, user=user, catalogue=catalogue, policy=policy, today=AS_OF
                ),
                args.runs,
            )
            result[f"{name}_median_ms"] = round(1000 * statistics.median(times), 1)
            result[f"{name}_items"] = len(inbox)  # type: ignore[arg-type]
        result["team_size"] = by_manager[biggest]
        store.close()
    out = Path(__file__).with_name("out")
    out.mkdir(exist_ok=True)
    (out / "inbox.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
