"""Which sheets of a workbook could be the organisation: for a screen to offer a choice
before the import reads one. Reads only the first rows of each visible sheet; never
raises for a file it cannot open (the import's reader says why)."""

from __future__ import annotations

from pathlib import Path

from .layout import HEADER_SEARCH_ROWS
from .profiles import Profile, ProfileError, load_profile
from .report import ReadRefused
from .sources import ZIP, _check_zip, _guarded, _table


def candidate_sheets(path: Path | str, profile: str | Profile = "generic") -> list[str]:
    """The visible sheets whose first rows hold a header `profile` knows, in workbook
    order; [] for a CSV, or for a file that cannot be opened as a workbook."""
    path = Path(path)
    try:
        chosen = profile if isinstance(profile, Profile) else load_profile(profile)
        with path.open("rb") as f:
            if not f.read(4).startswith(ZIP):
                return []
        _check_zip(path)
    except (OSError, ReadRefused, ProfileError):
        return []
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception:  # a damaged workbook: the reader says so when the import runs
        return []
    found = []
    try:
        for ws in book.worksheets:
            if ws.sheet_state != "visible":
                continue
            first = _guarded(ws.title, ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True))
            try:
                if _table(ws.title, enumerate(first, start=1), chosen, "") is not None:
                    found.append(ws.title)
            except ReadRefused:
                continue
    finally:
        book.close()
    return found
