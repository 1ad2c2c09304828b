"""Where LCC APR keeps its files (platformdirs), overridable for tests and demos."""

import os
from pathlib import Path

APP_NAME = "lcc-apr"
APP_AUTHOR = "Leicestershire County Council"


def data_dir() -> Path:
    """The user data folder; LCC_APR_HOME overrides it (tests, portable installs)."""
    from platformdirs import user_data_dir  # loaded when first needed: a faster start

    override = os.environ.get("LCC_APR_HOME")
    path = Path(override) if override else Path(user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_path(name: str = "cache") -> Path:
    """The encrypted local store file, e.g. ~/.local/share/lcc-apr/cache.db."""
    return data_dir() / f"{name}.db"


def resources_dir() -> Path:
    """The resources/ folder shipped beside the code (templates, policy, demo data)."""
    return Path(__file__).resolve().parents[1] / "resources"
