"""The frozen app (`make bundle`: dist/lcc-apr/), built once when older than its sources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "lcc-apr"
EXE = BUNDLE / ("lcc-apr.exe" if sys.platform == "win32" else "lcc-apr")
SOURCES = (
    "main.py",
    "lcc_apr",
    "ui",
    "resources",
    "installer/lcc-apr.spec",
    "installer/freeze.py",
    "pyproject.toml",
)


def _newest_source() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if "__pycache__" not in f.parts)])
    return newest


def built_bundle() -> Path:
    """dist/lcc-apr, rebuilt with `make bundle` when missing or older than a source file."""
    if not EXE.exists() or EXE.stat().st_mtime < _newest_source():
        # -o: the environment is the one running the tests (a worktree may share it)
        subprocess.run(["make", "-s", "-o", ".venv/.ready", "bundle"], cwd=ROOT, check=True)
        EXE.touch()
    return BUNDLE
