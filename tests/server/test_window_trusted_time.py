"""Through the window: a sign-off that reached the server while the timestamp authority
was down gets its trusted time from the server's later job, and the editor's signature
list shows it (the core's words)."""

from __future__ import annotations

from lcc_apr.server import timemark, timestamp_job

from ..ui.conftest import isolated_qsettings  # noqa: F401  (autouse: settings in tmp)
from .test_signing import device, signed_by_both  # noqa: F401 (fixture)
from .test_trusted_time import tsa  # noqa: F401 (fixture)
from .test_trusted_time_later import with_tsa  # noqa: F401 (fixture)
from .test_window_sync import open_editor, open_window


def test_the_editor_shows_the_trusted_time_added_later(
    qtbot,
    live_server,
    device,  # noqa: F811
    with_tsa,  # noqa: F811
    tmp_path,
):
    record, _employee, _manager = signed_by_both(live_server, device)
    with_tsa.down = False
    timemark._down_until.clear()
    assert timestamp_job.add_missing(live_server.settings, live_server.engine).added == 2
    manager = live_server.people.manager_of(record.subject_id)
    session, runner, _context, window = open_window(
        qtbot, live_server, tmp_path / "m", manager.username
    )
    try:
        signatures = open_editor(qtbot, window, record.id).editor.signatures
        qtbot.waitUntil(lambda: signatures.text().count("Trusted time: ") == 2, timeout=10_000)
        assert signatures.text().startswith("Signatures:\nValid")
    finally:
        window.close()
        runner.shutdown()
        session.close()
