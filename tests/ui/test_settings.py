"""Settings: declared once, unknown keys refused, values checked, real settings untouched."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui.qt import QSettings
from ui.settings import SETTINGS, Settings, SettingsDialog, UnknownSettingError

UI = Path(__file__).resolve().parents[2] / "ui"


def test_an_unknown_key_is_an_error(settings):
    with pytest.raises(UnknownSettingError):
        settings.get("sync/intervall_minutes")
    with pytest.raises(UnknownSettingError):
        settings.set("appearance/colour", "dark")
    with pytest.raises(UnknownSettingError):
        settings.reset("nope")


def test_defaults_and_labels_are_declared_once(settings):
    assert settings.get("sync/interval_minutes") == 5
    assert settings.get("appearance/theme") == "system"
    assert settings.get("appearance/text_scale") == 100
    assert settings.get("sync/server_url") == ""
    assert settings.get("window/geometry") == b""
    assert all(s.label for s in SETTINGS.values())


def test_values_round_trip_through_the_file(tmp_path, settings):
    settings.set("appearance/theme", "dark")
    settings.set("appearance/text_scale", 150)
    settings.set("window/geometry", b"\x01\x02\x00\xff")
    settings.set("sync/server_url", "https://apr.example.org")
    again = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert again.get("appearance/theme") == "dark"
    assert again.get("appearance/text_scale") == 150
    assert again.get("window/geometry") == b"\x01\x02\x00\xff"
    assert again.get("sync/server_url") == "https://apr.example.org"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("appearance/theme", "purple"),
        ("appearance/text_scale", 110),
        ("appearance/text_scale", "150"),
        ("sync/interval_minutes", -1),
        ("sync/interval_minutes", True),
        ("sync/server_url", "ftp://apr.example"),
        ("sync/server_url", "http://apr.example.org"),  # the connection's rule: https only
    ],
)
def test_a_value_that_is_not_allowed_is_refused(settings, key, value):
    with pytest.raises(ValueError):
        settings.set(key, value)


def test_a_damaged_stored_value_falls_back_to_the_default(tmp_path, settings):
    settings.store.setValue("appearance/text_scale", "huge")
    settings.store.setValue("appearance/theme", "neon")
    assert settings.get("appearance/text_scale") == 100
    assert settings.get("appearance/theme") == "system"


def test_changes_are_announced(qtbot, settings):
    with qtbot.waitSignal(settings.changed) as blocker:
        settings.set("sync/interval_minutes", 15)
    assert blocker.args == ["sync/interval_minutes", 15]


def test_every_key_the_ui_names_is_declared():
    pattern = re.compile(r"settings\.(?:get|set|reset)\(\s*\"([^\"]+)\"")
    used = {m for path in UI.rglob("*.py") for m in pattern.findall(path.read_text())}
    assert used, "the scan found no settings calls: the pattern is out of date"
    assert used - set(SETTINGS) == set()


def test_default_settings_never_touch_the_real_file(isolated_qsettings):
    settings = Settings()  # as the app builds it
    assert Path(settings.store.fileName()).is_relative_to(isolated_qsettings)


def test_the_dialog_is_built_from_the_declarations_and_stores_what_is_chosen(qtbot, settings):
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    shown = {s.key for s in SETTINGS.values() if not s.hidden}
    assert set(dialog.editors) == shown
    assert all(e.accessibleName() for e in dialog.editors.values())
    theme = dialog.editors["appearance/theme"]
    theme.setCurrentIndex(theme.findData("dark"))
    dialog.editors["sync/interval_minutes"].setValue(30)
    dialog.editors["sync/server_url"].setText("not a url")
    dialog.accept()
    assert "server address" in dialog.problem.text().lower()
    assert settings.get("appearance/theme") == "system"  # nothing stored while a value is wrong
    dialog.editors["sync/server_url"].setText("https://apr.example.org")
    dialog.accept()
    assert settings.get("appearance/theme") == "dark"
    assert settings.get("sync/interval_minutes") == 30
