"""`python main.py` without a screen says so instead of letting Qt abort."""

import sys

import pytest

import main as cli  # the composition root: `python main.py`


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux display rules")
def test_no_display_is_a_clear_message_and_exit_code(monkeypatch, capsys):
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main([]) == 1
    assert "no display found" in capsys.readouterr().err


def test_core_commands_still_work_without_a_window(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    assert cli.main(["demo", "--size", "20", "--as-of", "2026-11-30"]) == 0
    assert "20 employees" in capsys.readouterr().out
