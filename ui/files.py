"""Where file dialogs start: the person's Documents folder, for every save and folder choice."""

from __future__ import annotations

from pathlib import Path

from .qt import QtCore


def documents_folder() -> Path:
    """The Documents folder, made when missing (a file dialog given a folder that does not
    exist opens in the program's folder instead); the home folder when it cannot be."""
    paths = QtCore.QStandardPaths
    found = paths.writableLocation(paths.StandardLocation.DocumentsLocation)
    home = Path.home()
    folder = Path(found) if found else home
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return home
    return folder
