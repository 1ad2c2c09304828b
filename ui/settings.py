"""The desktop's own settings, each declared once (key, default, label), kept in QSettings.

Reading or writing a key that is not declared here raises UnknownSettingError,
and a test checks every key the UI names (Picard's `options.py` and
`check_settings.py`). The settings dialog is built from the same declarations.

A setting whose `organisation_key` the organisation file (lcc_apr.orgconfig) sets is
locked: `get` gives the organisation's value whatever is stored, and the dialog shows it
read-only, "set by your organisation", with the other keys the file sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcc_apr.paths import private_file, private_folder
from lcc_apr.sync.address import AddressError, check_server_url

from .qt import QObject, QSettings, QtCore, QtWidgets, Signal

if TYPE_CHECKING:  # pydantic loads only when there is an organisation file
    from lcc_apr.orgconfig import OrgSettings

ORGANISATION = "Leicestershire County Council"
APPLICATION = "LCC APR"
SET_BY_ORGANISATION = "Set by your organisation"
# the organisation file's keys no Setting holds, as the dialog names them
ORGANISATION_ROWS = (
    ("ca_bundle", "Trusted certificates"),
    ("spki_sha256_pins", "Pinned keys"),
    ("proxy", "Proxy"),
    ("no_proxy", "Reached without the proxy"),
    ("sign_in", "Signing in"),
    ("update_feed", "Update feed"),
    ("offer_demo", "The demo"),
)


def _server_url(value: str) -> str | None:
    if not value:
        return None
    try:
        check_server_url(value)
    except AddressError as err:
        return str(err)
    return None


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    label: str
    kind: type  # str, int or bytes
    choices: tuple[tuple[Any, str], ...] = ()  # (stored value, label shown)
    minimum: int = 0
    maximum: int = 0
    hidden: bool = False  # kept by the app, not shown in the settings dialog
    check: Callable[[Any], str | None] | None = None  # a problem sentence, or None
    organisation_key: str = ""  # the organisation.toml key that locks it, if any

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, self.kind) or isinstance(value, bool):
            return f"{self.label}: expected {self.kind.__name__}, got {type(value).__name__}."
        if self.choices and value not in {v for v, _ in self.choices}:
            return f"{self.label}: {value!r} is not one of the choices."
        if (
            self.kind is int
            and isinstance(value, int)
            and not self.choices
            and not self.minimum <= value <= self.maximum
        ):
            return f"{self.label}: must be between {self.minimum} and {self.maximum}."
        return self.check(value) if self.check else None


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "sync/server_url",
            "",
            "Server address",
            str,
            check=_server_url,
            organisation_key="server_url",
        ),
        Setting(
            "sync/interval_minutes",
            5,
            "Sync every (minutes; 0 = only when asked)",
            int,
            minimum=0,
            maximum=240,
        ),
        Setting(
            "appearance/theme",
            "system",
            "Colours",
            str,
            choices=(("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")),
        ),
        Setting(
            "appearance/text_scale",
            100,
            "Text size",
            int,
            choices=((100, "100%"), (125, "125%"), (150, "150%"), (200, "200%")),
        ),
        Setting(
            "notify/new_items",
            1,
            "Desktop notice when a sync brings something for you (a count, never names)",
            int,
            choices=((1, "On"), (0, "Off")),
        ),
        Setting("account/username", "", "Signed in as (for the next start)", str, hidden=True),
        Setting("account/demo_role", "", "Demo role (for the next start)", str, hidden=True),
        # name, roles and ids (no secret): the next start builds the window before the
        # cache is open (ui.start.run_app)
        Setting("account/user", "", "Who signed in (for the next start)", str, hidden=True),
        Setting("window/geometry", b"", "Window position and size", bytes, hidden=True),
        Setting("window/state", b"", "Window layout", bytes, hidden=True),
        # management information: the filters last chosen (-1: the whole area; 0: newest year)
        Setting(
            "mi/area",
            -1,
            "Management information: area",
            int,
            minimum=-1,
            maximum=2**31 - 1,
            hidden=True,
        ),
        Setting("mi/year", 0, "Management information: year", int, maximum=9999, hidden=True),
        Setting("mi/kind", "", "Management information: kind of view", str, hidden=True),
    )
}


class UnknownSettingError(KeyError):
    """A key no Setting declares: a typing mistake, never silently ignored."""


class LockedSettingError(ValueError):
    """A setting the organisation file sets cannot be changed in the app."""


def declared(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        raise UnknownSettingError(f"No setting is declared with the key {key!r}.") from None


def default_store() -> QSettings:
    """The user's settings file (INI in the platform's user config folder), made owner-only
    (0600 in a 0700 folder, which Qt keeps when it rewrites the file)."""
    store = QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )
    path = Path(store.fileName())
    private_file(private_folder(path.parent) / path.name)
    return store


class Settings(QObject):
    """Typed access to the declared settings. UI thread only."""

    changed = Signal(str, object)  # key, new value

    def __init__(
        self,
        store: QSettings | None = None,
        parent: QObject | None = None,
        *,
        organisation: OrgSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store if store is not None else default_store()
        self.organisation = organisation

    def locked(self, key: str) -> bool:
        """Whether the organisation file sets this setting."""
        name = declared(key).organisation_key
        return bool(name) and self.organisation is not None and name in self.organisation.set_keys

    def get(self, key: str) -> Any:
        """The organisation's value when it sets the key; else the stored value, or the
        default when nothing (or nothing valid) is stored."""
        setting = declared(key)
        if self.locked(key):
            return getattr(self.organisation, setting.organisation_key)
        raw = self.store.value(key)
        if raw is None:
            return setting.default
        try:
            value = _coerce(setting, raw)
        except (TypeError, ValueError):
            return setting.default
        return setting.default if setting.problem(value) else value

    def set(self, key: str, value: Any) -> None:
        """Store a value; ValueError (a sentence) when it is not allowed. A locked key keeps
        the organisation's value: setting that value again does nothing, another one raises
        LockedSettingError."""
        setting = declared(key)
        if self.locked(key):
            if value == self.get(key):
                return
            raise LockedSettingError(f"{setting.label} is set by your organisation.")
        problem = setting.problem(value)
        if problem:
            raise ValueError(problem)
        if self.get(key) == value and self.store.contains(key):
            return
        self.store.setValue(key, QtCore.QByteArray(value) if setting.kind is bytes else value)
        self.store.sync()
        self.changed.emit(key, value)

    def reset(self, key: str) -> None:
        declared(key)
        self.store.remove(key)
        self.changed.emit(key, self.get(key))


def _coerce(setting: Setting, raw: Any) -> Any:
    if setting.kind is bytes:
        return bytes(raw.data()) if isinstance(raw, QtCore.QByteArray) else bytes(raw)
    if setting.kind is int:
        return int(raw)
    return str(raw)


class SettingsDialog(QtWidgets.QDialog):
    """One control per visible setting, built from SETTINGS; OK stores them all."""

    def __init__(self, settings: Settings, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.editors: dict[str, QtWidgets.QWidget] = {}
        self.locked: set[str] = set()
        form = QtWidgets.QFormLayout()
        for setting in SETTINGS.values():
            if setting.hidden:
                continue
            editor = self._editor(setting, settings.get(setting.key))
            editor.setAccessibleName(setting.label)
            field: QtWidgets.QWidget = editor
            if settings.locked(setting.key):
                field = self._lock(editor)
                self.locked.add(setting.key)
            label = QtWidgets.QLabel(f"&{setting.label}")
            label.setBuddy(editor)
            # room after the text: measured to the pixel, "Text size" was cut off at some
            # text sizes (drawn with its underlined T a little wider than measured)
            room = label.sizeHint().width() + label.fontMetrics().averageCharWidth()
            label.setMinimumWidth(room)
            form.addRow(label, field)
            self.editors[setting.key] = editor
        self.problem = QtWidgets.QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem")
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        for button in buttons.buttons():
            button.setAccessibleName(button.text().replace("&", ""))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        if settings.organisation is not None:
            layout.addWidget(self._organisation_box(settings.organisation))
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    @staticmethod
    def _editor(setting: Setting, value: Any) -> QtWidgets.QWidget:
        if setting.choices:
            combo = QtWidgets.QComboBox()
            for stored, label in setting.choices:
                combo.addItem(label, stored)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            return combo
        if setting.kind is int:
            spin = QtWidgets.QSpinBox()
            spin.setRange(setting.minimum, setting.maximum)
            spin.setValue(value)
            return spin
        line = QtWidgets.QLineEdit(value)
        line.setMinimumWidth(line.fontMetrics().horizontalAdvance("m") * 28)
        return line

    @staticmethod
    def _lock(editor: QtWidgets.QWidget) -> QtWidgets.QWidget:
        """The editor read-only, with "Set by your organisation" beside it (in words, and in
        its accessible description)."""
        if isinstance(editor, QtWidgets.QLineEdit | QtWidgets.QSpinBox):
            editor.setReadOnly(True)
        else:
            editor.setEnabled(False)
        editor.setAccessibleDescription(SET_BY_ORGANISATION)
        editor.setToolTip(SET_BY_ORGANISATION)
        note = QtWidgets.QLabel(f"<i>{SET_BY_ORGANISATION}</i>")
        note.setAccessibleName(SET_BY_ORGANISATION)
        row = QtWidgets.QWidget()
        line = QtWidgets.QVBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(2)
        line.addWidget(editor)
        line.addWidget(note)
        return row

    def _organisation_box(self, org: OrgSettings) -> QtWidgets.QGroupBox:
        """The organisation file's other keys, read-only: what IT set for this computer."""
        box = QtWidgets.QGroupBox(SET_BY_ORGANISATION)
        box.setAccessibleName(SET_BY_ORGANISATION)
        form = QtWidgets.QFormLayout(box)
        self.organisation_rows: dict[str, QtWidgets.QLineEdit] = {}
        shown = [(k, label) for k, label in ORGANISATION_ROWS if k in org.set_keys]
        for key, label in [("file", "Organisation file"), *shown]:
            value = QtWidgets.QLineEdit(_org_words(org, key))
            value.setReadOnly(True)
            value.setAccessibleName(label)
            value.setAccessibleDescription(SET_BY_ORGANISATION)
            value.setCursorPosition(0)
            form.addRow(f"{label}:", value)
            self.organisation_rows[key] = value
        return box

    def values(self) -> dict[str, Any]:
        """What the person chose (the locked settings left out)."""
        found: dict[str, Any] = {}
        for key, editor in self.editors.items():
            if key in self.locked:
                continue
            if isinstance(editor, QtWidgets.QComboBox):
                found[key] = editor.currentData()
            elif isinstance(editor, QtWidgets.QSpinBox):
                found[key] = editor.value()
            elif isinstance(editor, QtWidgets.QLineEdit):
                found[key] = editor.text().strip()
        return found

    def accept(self) -> None:
        values = self.values()
        problems = [p for k, v in values.items() if (p := SETTINGS[k].problem(v))]
        if problems:
            self.problem.setText("\n".join(problems))
            return
        for key, value in values.items():
            self.settings.set(key, value)
        super().accept()


def _org_words(org: OrgSettings, key: str) -> str:
    """An organisation key's value in words."""
    value = getattr(org, key)
    if key == "spki_sha256_pins":
        return f"{len(value)} pinned: " + ", ".join(pin[:12] + "…" for pin in value)
    if key == "no_proxy":
        return ", ".join(value)
    if key == "proxy":
        return {"system": "This computer's proxy settings", "none": "None (direct)"}.get(
            value, value
        )
    if key == "sign_in":
        return (
            "Your council account (single sign-on)"
            if value == "single-sign-on"
            else ("A password for LCC APR")
        )
    if key == "offer_demo":
        return "Offered" if value else "Not offered"
    return str(value)
