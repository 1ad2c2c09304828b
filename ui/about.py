"""The About box: what this is and the versions underneath it (for support calls)."""

from __future__ import annotations

import platform
import sqlite3

import sqlcipher3

from lcc_apr import __version__

from .qt import BINDING, BINDING_VERSION, Qt, QtCore, QtWidgets


def versions() -> dict[str, str]:
    """Name -> version for the app and the libraries it stands on (UI thread or any)."""
    connection = sqlcipher3.connect(":memory:")
    try:
        cipher = connection.execute("PRAGMA cipher_version").fetchone()[0]
    finally:
        connection.close()
    return {
        "LCC APR": __version__,
        "Python": platform.python_version(),
        "Qt": QtCore.qVersion(),
        BINDING: BINDING_VERSION,
        "SQLite (store)": sqlcipher3.sqlite_version,
        "SQLCipher": cipher,
        "SQLite (Python)": sqlite3.sqlite_version,
    }


class AboutDialog(QtWidgets.QDialog):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About LCC APR")
        self.setAccessibleName("About LCC APR")
        rows = "".join(f"<tr><td>{k}</td><td>&nbsp;{v}</td></tr>" for k, v in versions().items())
        self.text = QtWidgets.QLabel(
            "<h2>LCC APR</h2>"
            "<p>LCC APR is Leicestershire County Council's app for staff records: Annual "
            "Performance Reviews, supervisions, probation reviews and capability cases. "
            "Managers write them, staff comment and sign, HR oversees; records are kept "
            "encrypted on this computer and synced with the council's server.</p>"
            "<p>Help &gt; Guide (F1) explains how to use it.</p>"
            f"<p>Versions, for support:</p><table>{rows}</table>"
        )
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName("About LCC APR and versions")
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.button(QtWidgets.QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        close.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(close)
