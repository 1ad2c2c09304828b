"""Record editor fixtures: a demo store per test, its people, and editors built on it.

The demo store and the helpers come from tests/test_editing.py (Qt-free). Writes
run inline (ui.editor.run_inline), as a task runner in tests would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from lcc_apr.editing import EditSession
from lcc_apr.models import RecordKind
from tests.test_editing import (  # noqa: F401 (fixtures)
    CATALOGUE,
    Cast,
    _demo_template,
    cast,
    start,
    store,
)
from ui.editor import RecordEditor


class Clock:
    """Times handed to the editor for history entries: one minute apart."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


MakeEditor = Callable[..., RecordEditor]


@pytest.fixture
def make_editor(qtbot, store, cast: Cast) -> MakeEditor:  # noqa: F811 (the fixtures above)
    """make_editor(kind | record_id, party="manager", **editor_options) -> a shown editor."""

    def make(what: RecordKind | str, party: str = "manager", **options) -> RecordEditor:
        record_id = start(store, cast, what) if isinstance(what, RecordKind) else what
        session = EditSession(store, record_id, actor=cast[party], catalogue=CATALOGUE)
        options.setdefault("clock", Clock())
        options.setdefault("confirm", lambda _parent, _option: True)
        editor = RecordEditor(session, **options)
        qtbot.addWidget(editor)
        editor.resize(900, 700)
        editor.show()
        qtbot.waitExposed(editor)
        editor.activateWindow()
        qtbot.waitUntil(editor.isActiveWindow)
        return editor

    return make
