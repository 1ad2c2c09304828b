"""Benchmark: the frozen app against a bare PySide6 window, as ratios measured in one run.

1. Size: the app's bundle (`make bundle`, installer/lcc-apr.spec) against a bare window
   (QApplication + QMainWindow, shown, quit) frozen the same way: PyInstaller --onedir,
   the same trimming and stripping (installer/freeze.py). Goal: at most 2x.
2. Cold start to the first window: the frozen app against the app run from source, each a
   fresh process with a fresh data folder, timed from launch to the line `shown: welcome`
   it prints at the event loop's first turn with the window shown (LCC_APR_SHOWN=quit);
   the bare window, frozen and from source, for reference. Offscreen Qt, RUNS runs each,
   interleaved, medians. Goal: frozen at most 1.2x source.

Writes bench/results/bundle.json. Run: `.venv/bin/python bench/bundle.py` (about 2 minutes:
both bundles are built).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results" / "bundle.json"
RUNS = 9
BARE = """\
import sys
from PySide6 import QtCore, QtWidgets

app = QtWidgets.QApplication(sys.argv)
window = QtWidgets.QMainWindow()
window.show()
QtCore.QTimer.singleShot(0, lambda: (print("shown: main", flush=True), app.quit()))
app.exec()
"""
BARE_SPEC = """\
import sys
sys.path.insert(0, {installer!r})
from freeze import EXCLUDED_MODULES, trim
a = Analysis([{script!r}], excludes=EXCLUDED_MODULES)
a.binaries = trim(a.binaries)
a.datas = trim(a.datas)
pyz = PYZ(a.pure)
exe = EXE(pyz, a.scripts, [], exclude_binaries=True, name="bare", upx=False, strip=True)
COLLECT(exe, a.binaries, a.datas, name="bare", upx=False, strip=True)
"""


def size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_dir())


def pyinstaller(spec: Path, dist: Path, work: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(VENV / "pyinstaller"), "--noconfirm", "--log-level", "ERROR"]
        + ["--distpath", str(dist), "--workpath", str(work), str(spec)],
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started


def first_window(command: list[str]) -> float:
    """Seconds from launch to the `shown: ...` line, in a fresh data folder."""
    with tempfile.TemporaryDirectory() as home:
        env = os.environ | {
            "QT_QPA_PLATFORM": "offscreen",
            "LCC_APR_SHOWN": "quit",
            "LCC_APR_HOME": home,
        }
        started = time.perf_counter()
        app = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert app.stdout is not None
        line = app.stdout.readline()
        seconds = time.perf_counter() - started
        app.wait(timeout=30)
    if not line.startswith("shown: "):
        raise SystemExit(f"{command[0]} printed no `shown:` line (exit {app.returncode})")
    return seconds


def main() -> None:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        script = tmp / "bare.py"
        script.write_text(BARE)
        spec = tmp / "bare.spec"
        spec.write_text(BARE_SPEC.format(installer=str(ROOT / "installer"), script=str(script)))
        bare_build = pyinstaller(spec, tmp / "dist", tmp / "build")
        bare = tmp / "dist" / "bare"
        app_build = pyinstaller(
            ROOT / "installer" / "lcc-apr.spec", ROOT / "dist", ROOT / "build" / "pyinstaller"
        )
        app = ROOT / "dist" / "lcc-apr"
        commands = {
            "app_frozen": [str(app / "lcc-apr")],
            "app_source": [str(VENV / "python"), "main.py"],
            "bare_frozen": [str(bare / "bare")],
            "bare_source": [str(VENV / "python"), str(script)],
        }
        for command in commands.values():  # one warm-up each: the file cache, not the code
            first_window(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(RUNS):
            for name, command in commands.items():
                times[name].append(first_window(command))
        sizes = {"app": size(app), "bare": size(bare)}
    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {
        "bundle_bytes": sizes,
        "size_ratio": round(sizes["app"] / sizes["bare"], 2),
        "size_goal": 2.0,
        "build_seconds": {"app": round(app_build, 1), "bare": round(bare_build, 1)},
        "first_window_seconds_median": {k: round(v, 3) for k, v in medians.items()},
        "first_window_seconds_all": {k: [round(v, 3) for v in vs] for k, vs in times.items()},
        "start_ratio_frozen_to_source": round(medians["app_frozen"] / medians["app_source"], 2),
        "start_ratio_bare_frozen_to_source": round(
            medians["bare_frozen"] / medians["bare_source"], 2
        ),
        "start_goal": 1.2,
        "runs": RUNS,
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    mb = {k: v / 1e6 for k, v in sizes.items()}
    print(
        f"bundle: app {mb['app']:.0f} MB, bare window {mb['bare']:.0f} MB: "
        f"{result['size_ratio']}x (goal <= 2x); built in {app_build:.0f} s and {bare_build:.0f} s"
    )
    print(
        f"first window: frozen {medians['app_frozen']:.3f} s, "
        f"source {medians['app_source']:.3f} s: "
        f"{result['start_ratio_frozen_to_source']}x (goal <= 1.2x); bare window frozen "
        f"{medians['bare_frozen']:.3f} s, source {medians['bare_source']:.3f} s"
    )
    print(f"load average before/after: {result['load_average_before_after']}; wrote {RESULTS}")


if __name__ == "__main__":
    main()
