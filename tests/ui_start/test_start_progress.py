"""Defect 13: the first start's progress is plain words with counts and an estimate, and
a bar that fills (the demo build, then HR's first sync)."""

import re

from lcc_apr.forms import Catalogue
from lcc_apr.progress import Pace, Step, time_left
from main import make_sign_in
from ui.qt import Qt
from ui.tasks import TaskRunner
from ui.welcome import WelcomeDialog

CATALOGUE = Catalogue.load()


def test_a_step_in_plain_words():
    step = Step("Receiving records", 12_500, 241_000, 41)
    assert step.words() == "Receiving records: 12,500 of about 241,000 — about 40 s left"
    assert Step("Signing in").words() == "Signing in"
    assert time_left(200) == "about 3 min left" and time_left(3) == "a few seconds left"
    clock = iter([0.0, 2.0])
    pace = Pace(clock=lambda: next(clock))
    assert pace.left(100, 1000) is None
    assert pace.left(300, 1000) == 7.0  # 200 in 2 s: 700 more in 7 s


def test_the_first_start_shows_counts_of_about_a_total_and_a_bar(qtbot, tmp_path, monkeypatch):
    from lcc_apr.store import keys

    monkeypatch.setattr(keys, "secure_keyring", lambda backend=None: None)  # demo passphrase
    runner = TaskRunner()
    dialog = WelcomeDialog(runner=runner, sign_in=make_sign_in(tmp_path, CATALOGUE, demo_size=50))
    qtbot.addWidget(dialog)
    seen: list[tuple[str, int, int]] = []
    shown = dialog.show_message

    def watch(value):
        shown(value)
        seen.append((dialog.message.text(), dialog.bar.maximum(), dialog.bar.value()))

    monkeypatch.setattr(dialog, "show_message", watch)
    try:
        with qtbot.waitSignal(dialog.accepted, timeout=120_000):
            qtbot.mouseClick(dialog.demo_buttons["hr"], Qt.MouseButton.LeftButton)
    finally:
        runner.shutdown()
        if dialog.session is not None:
            dialog.session.close()
    texts = [text for text, _, _ in seen]
    assert not [t for t in texts if "_" in t], texts  # no table names
    assert any(re.fullmatch(r"Writing the demo's records: [\d,]+ of about 2,100", t) for t in texts)
    # the snapshot's one part may be shown, or only the step after it (the UI shows the
    # latest step when busy): either way a count of about a total
    counted = r"(Receiving records|Making the records quick to find): [\d,]+ of about [\d,]+"
    assert any(re.match(counted, t) for t in texts), texts
    assert any(top > 0 and 0 < value <= top for _, top, value in seen)  # a bar with a total
