"""The settings file (server address, username, window layout) is its user's alone on
Linux: 0600 in a 0700 folder, as the app's other files (issue 13, 7)."""

import os
import stat
from pathlib import Path

import pytest

from ui.settings import Settings

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows uses ACLs")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_settings_file_is_owner_only(isolated_qsettings):
    old = os.umask(0o022)  # what most desktops run with: new files 0644, folders 0755
    try:
        settings = Settings()
        settings.set("account/username", "sam")
        settings.store.sync()
        path = Path(settings.store.fileName())
        assert path.is_relative_to(isolated_qsettings)
        assert mode(path) == 0o600 and mode(path.parent) == 0o700
        path.chmod(0o644)  # left open by an older version
        Settings()  # the next start
    finally:
        os.umask(old)
    assert mode(path) == 0o600
