"""Loading the demo's TOML data files from resources/demo."""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from lcc_apr.paths import resources_dir


@cache
def load_toml(name: str) -> dict[str, Any]:
    """Parse resources/demo/<name>.toml once. Callers must not mutate the result."""
    with (resources_dir() / "demo" / f"{name}.toml").open("rb") as f:
        return tomllib.load(f)
