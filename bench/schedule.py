"""Benchmark: what is due for every employee of the full demo organisation.

Builds the demo (6,087 people, ~240k records) into an encrypted store, then
times `lcc_apr.schedule.due_for` over everyone (gathering facts with SQL and
applying the rules), best and median of several runs, and one manager's team.
With the demo's absence episodes (issue 19): what is due with attendance management too
(`lcc_apr.schedule.attendance.attendance_due_for`, the RTW interviews held read from their
records, as the team page does) against
without, in the same run, interleaved (each run times both back to back; the ratio is the
median of the runs' ratios); goal within 1.2x.
Writes bench/out/schedule.json. Run: `.venv/bin/python bench/schedule.py`;
`--store DB --ring PICKLE` times a built full demo instead (as bench/mi.py; nothing is
written to it). Goals (issue 17): everyone under 0.2 s, the largest team under 5 ms.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from bench.store_build import BenchKeyring  # noqa: E402
from lcc_apr.attendance.policy import default_attendance_policy  # noqa: E402
from lcc_apr.demo import build_organisation, generate_history, load_demo  # noqa: E402
from lcc_apr.demo.build import open_demo_store  # noqa: E402
from lcc_apr.models import Employee  # noqa: E402
from lcc_apr.policy import load_policy  # noqa: E402
from lcc_apr.schedule import due_for  # noqa: E402
from lcc_apr.schedule.attendance import attendance_due_for  # noqa: E402
from lcc_apr.store import open_store  # noqa: E402

AS_OF = date(2026, 11, 30)
GOAL_EVERYONE_S, GOAL_TEAM_MS = 0.2, 5.0
GOAL_WITH_ABSENCES = 1.2  # with attendance items, at most this many times without


def timed(fn, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=6087)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--store", type=Path, help="a built full demo store")
    ap.add_argument("--ring", type=Path, help="its pickled MemoryKeyring __dict__")
    args = ap.parse_args()
    policy = load_policy()
    with tempfile.TemporaryDirectory() as tmp:
        if args.store:
            keyring = BenchKeyring()
            with args.ring.open("rb") as handle:
                keyring.__dict__.update(pickle.load(handle))
            store = open_demo_store(args.store, keyring_backend=keyring)
            with store.session() as s:
                managers = [m for (m,) in s.query(Employee.line_manager_id)]
        else:
            store = open_store(Path(tmp) / "demo.db", keyring_backend=BenchKeyring())
            org = build_organisation(seed=2020, size=args.size, as_of=AS_OF)
            with store.session() as s:
                load_demo(s, org, generate_history(org, seed=2020, as_of=AS_OF))
            store.analyse()
            managers = [e["line_manager_id"] for e in org.employees]
        by_manager = Counter(m for m in managers if m)
        manager, team_size = by_manager.most_common(1)[0]
        with store.session() as s:
            team = [e for (e,) in s.query(Employee.id).filter_by(line_manager_id=manager)]
            due_for(s, policy, today=AS_OF)  # warm-up
            everyone, due = timed(lambda: due_for(s, policy, today=AS_OF), args.runs)
            one_team, _ = timed(
                lambda: due_for(s, policy, today=AS_OF, employee_ids=team), args.runs
            )
            attendance = default_attendance_policy()

            attendance_due_for(s, attendance, today=AS_OF)  # warm-up (reads the RTW records once)
            # Interleaved: each run times what is due without absences, then the attendance
            # items, back to back, so a shared machine's load falls on both alike.
            pairs: list[tuple[float, float]] = []
            for _ in range(args.runs):
                without, _ = timed(lambda: due_for(s, policy, today=AS_OF), 1)
                extra, absence_items = timed(
                    lambda: attendance_due_for(s, attendance, today=AS_OF), 1
                )
                pairs.append((without[0], extra[0]))
            with_absences = [w + a for w, a in pairs]
            ratios = [(w + a) / w for w, a in pairs]
            episodes = s.scalar(text("SELECT count(*) FROM absences"))
        store.close()
    states = Counter(i.state.value for items in due.values() for i in items)
    topics = Counter(i.topic for items in absence_items.values() for i in items)
    ratio = statistics.median(ratios)  # each run's with / without, the median
    best_ratio = min(with_absences) / min(w for w, _ in pairs)
    result = {
        "employees": len(due),
        "everyone_best_s": round(min(everyone), 3),
        "everyone_median_s": round(statistics.median(everyone), 3),
        "team_size": team_size,
        "team_median_ms": round(1000 * statistics.median(one_team), 1),
        "items_by_state": dict(states),
        "absence_episodes": episodes,
        "with_absences_median_s": round(statistics.median(with_absences), 3),
        "with_absences_ratio": round(ratio, 2),
        "with_absences_best_s": round(min(with_absences), 3),
        "with_absences_best_ratio": round(best_ratio, 2),
        "attendance_items": dict(topics),
        "goals": {"everyone_s": GOAL_EVERYONE_S, "team_ms": GOAL_TEAM_MS},
        "met": {
            "everyone": statistics.median(everyone) < GOAL_EVERYONE_S,
            "team": 1000 * statistics.median(one_team) < GOAL_TEAM_MS,
            "with_absences": ratio <= GOAL_WITH_ABSENCES,
        },
    }
    out = Path(__file__).with_name("out")
    out.mkdir(exist_ok=True)
    (out / "schedule.json").write_text(json.dumps(result, indent=2))
    print(
        f"Schedule for all {len(due):,} employees: best {result['everyone_best_s']} s, "
        f"median {result['everyone_median_s']} s (goal under {GOAL_EVERYONE_S} s); "
        f"a team of {team_size}: {result['team_median_ms']} ms (goal under {GOAL_TEAM_MS} ms). "
        f"Items: {dict(states)}. With {episodes:,} absence episodes: median "
        f"{result['with_absences_median_s']} s, {ratio:.2f}x without (best "
        f"{result['with_absences_best_s']} s, {best_ratio:.2f}x; goal at most "
        f"{GOAL_WITH_ABSENCES}x); attendance items: {dict(topics)}"
    )


if __name__ == "__main__":
    main()
