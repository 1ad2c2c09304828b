"""Hunting sync bugs between laptops and the server with a hypothesis state machine
(machine.py), on SQLite and PostgreSQL.

CI: a few fixed examples per backend (derandomized), under a minute each.
LCC_APR_RELIABILITY=long (`make reliability`): at least 10,000 steps per backend in
many random examples; the figures go to bench/results/reliability-<backend>.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from .machine import Rig, figures_of, machine_for

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("LCC_APR_RELIABILITY") == "long"
LONG_STEPS = 10_000
COMMON = {"deadline": None, "database": None, "suppress_health_check": list(HealthCheck)}
CI = settings(max_examples=5, stateful_step_count=20, derandomize=True, **COMMON)
ROUND = settings(max_examples=20, stateful_step_count=80, **COMMON)


def test_laptops_and_the_server_lose_nothing_and_apply_nothing_twice(rig):
    if not LONG:
        run_state_machine_as_test(machine_for(rig), settings=CI)
        return
    started = time.monotonic()
    try:
        while rig.figures["steps"] < LONG_STEPS:
            run_state_machine_as_test(machine_for(rig), settings=ROUND)
    finally:
        write_figures(rig, time.monotonic() - started)


def write_figures(rig: Rig, seconds: float) -> None:
    tally = rig.tally
    result = {
        **figures_of(rig),
        "lost": tally.lost,
        "duplicated": tally.duplicated,
        "divergent": tally.divergent,
        "altered_signed": tally.altered_signed,
        "seconds": round(seconds),
        "date": date.today().isoformat(),
        "mode": "long",
    }
    path = ROOT / "bench" / "results" / f"reliability-{rig.template.backend}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{path.name}: {result}\nwhat the rules did: {dict(rig.seen)}", file=sys.stderr)
    for problem in tally.problems:
        print(problem, file=sys.stderr)
