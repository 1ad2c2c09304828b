"""The ratchet on mypy's strictness: a package once checked with --strict stays strict.

`make lint` runs mypy with pyproject.toml's [tool.mypy]; these tests guard that configuration.
"""

import tomllib
from pathlib import Path

import pytest
from mypy.main import process_options
from mypy.options import PER_MODULE_OPTIONS

# Every package (or module) checked with --strict now. Add one when it is strict-clean; never
# remove one.
STRICT_PACKAGES = frozenset(
    {
        "lcc_apr.forms",
        "lcc_apr.history",
        "lcc_apr.hr",
        "lcc_apr.ops",
        "lcc_apr.signing",
        "lcc_apr.sync",
        "lcc_apr.workflow",
    }
)

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"


def _patterns(name: str) -> set[str]:
    """mypy's module patterns for a package (itself and everything under it) or a module."""
    is_package = (ROOT / name.replace(".", "/") / "__init__.py").is_file()
    return {name, f"{name}.*"} if is_package else {name}


def _mypy_config() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["mypy"]


def _strict_block() -> dict:
    blocks = [b for b in _mypy_config()["overrides"] if b.get("disallow_untyped_defs")]
    assert len(blocks) == 1, "one [[tool.mypy.overrides]] block lists the strict packages"
    return blocks[0]


def _strict_flags() -> tuple[dict[str, object], dict[str, object]]:
    """mypy's own --strict, split into (per-module flags, global flags), against its defaults."""
    _, default = process_options(["--config-file", "", "-c", "pass"])
    _, strict = process_options(["--config-file", "", "--strict", "-c", "pass"])
    changed = {
        name: getattr(strict, name)
        for name in dir(strict)
        if not name.startswith("_")
        and not callable(getattr(strict, name))
        and getattr(strict, name) != getattr(default, name)
    }
    per_module = {k: v for k, v in changed.items() if k in PER_MODULE_OPTIONS}
    return per_module, {k: v for k, v in changed.items() if k not in PER_MODULE_OPTIONS}


@pytest.mark.parametrize("package", sorted(STRICT_PACKAGES))
def test_a_strict_package_stays_strict(package):
    modules = set(_strict_block()["module"])
    assert _patterns(package) <= modules, f"{package} was strict: it must stay strict"


def test_every_strict_package_is_held_by_the_ratchet():
    packages = {m.removesuffix(".*") for m in _strict_block()["module"]}
    assert packages <= STRICT_PACKAGES, "add the new strict package to STRICT_PACKAGES"


def test_the_strict_block_sets_every_flag_of_strict():
    per_module, global_flags = _strict_flags()
    assert per_module and global_flags, "mypy's --strict no longer changes these options"
    block, config = _strict_block(), _mypy_config()
    assert {k: block.get(k) for k in per_module} == per_module
    assert {k: config.get(k) for k in global_flags} == global_flags


def test_missing_imports_are_ignored_per_module_only():
    assert "ignore_missing_imports" not in _mypy_config()
    for block in _mypy_config()["overrides"]:
        if block.get("ignore_missing_imports"):
            assert not any(m.startswith("lcc_apr") for m in block["module"])
