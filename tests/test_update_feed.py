"""The signed update feed: a real TUF repository made by lcc-apr-update-feed in a temporary
folder, served over HTTP on 127.0.0.1, read by lcc_apr.updates (python-tuf ngclient)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lcc_apr.update_feed import ROOT_FILE, FeedRepository, main
from lcc_apr.updates import FeedRefused, FeedUnreachable, Release, check_for_update
from tests.net_tools import folder_server, url_of


class Feed:
    """The feed's folder, its web server and a laptop's cache."""

    def __init__(self, folder: Path, url: str) -> None:
        self.folder, self.url = folder, url
        self.cache = folder.parent / "laptop-cache"
        self.root = folder / ROOT_FILE
        self.metadata = folder / "site" / "metadata"

    def check(self, current: str = "0.1.0") -> Release | None:
        return check_for_update(self.url, current, self.cache, root=self.root, timeout=5)

    def repository(self, **kw) -> FeedRepository:
        return FeedRepository(self.folder, **kw)


@pytest.fixture
def feed(tmp_path):
    folder = tmp_path / "feed"
    assert main(["init", str(folder)]) == 0
    assert main(["release", str(folder), "0.2.0", "--notes", "Faster sync"]) == 0
    with folder_server(folder / "site") as server:
        yield Feed(folder, url_of(server, scheme="http"))


def test_a_newer_version_is_reported_and_the_same_one_is_not(feed):
    assert feed.check("0.1.0") == Release(version="0.2.0", notes="Faster sync")
    assert feed.check("0.2.0") is None
    assert feed.check("0.10.0") is None  # numbers, not text: 0.10 is after 0.2
    feed.repository().release("0.10.1")
    assert feed.check("0.10.0") == Release(version="0.10.1")


def test_the_keys_are_owner_only_and_the_root_is_ready_to_ship(feed):
    keys = feed.folder / "keys"
    assert oct(keys.stat().st_mode & 0o777) == "0o700"
    assert {oct(p.stat().st_mode & 0o777) for p in keys.iterdir()} == {"0o600"}
    assert json.loads(feed.root.read_text())["signed"]["_type"] == "root"


def test_a_tampered_release_file_is_refused(feed):
    (target,) = (feed.folder / "site" / "targets").iterdir()
    target.write_text(target.read_text().replace("0.2.0", "9.9.9"))
    with pytest.raises(FeedRefused, match="does not match what was signed"):
        feed.check()


def test_changed_metadata_is_refused_as_unsigned(feed):
    (targets,) = sorted(feed.metadata.glob("2.targets.json"))
    data = json.loads(targets.read_text())
    data["signed"]["targets"]["release.json"]["length"] += 1
    targets.write_text(json.dumps(data))
    with pytest.raises(FeedRefused, match="not signed by your organisation's update keys"):
        feed.check()


def test_expired_metadata_is_refused(feed):
    feed.repository(now=datetime.now(UTC) - timedelta(days=8)).release("0.3.0")  # 7-day stamp
    with pytest.raises(FeedRefused, match="has expired"):
        feed.check()


def test_a_rolled_back_timestamp_is_refused(feed):
    assert feed.check() == Release("0.2.0", "Faster sync")
    older = (feed.metadata / "timestamp.json").read_bytes()
    feed.repository().release("0.3.0")
    assert feed.check() == Release("0.3.0")  # this laptop has now seen the newer feed
    (feed.metadata / "timestamp.json").write_bytes(older)  # the server put back an old copy
    with pytest.raises(FeedRefused, match="a rollback"):
        feed.check()


def test_a_new_timestamp_naming_an_older_snapshot_is_refused(feed):
    feed.repository().release("0.3.0")
    assert feed.check() == Release("0.3.0")
    repository = feed.repository()
    with repository.edit_timestamp() as timestamp:  # properly signed, but points back
        timestamp.snapshot_meta.version -= 1
    with pytest.raises(FeedRefused, match="a rollback"):
        feed.check()


def test_a_feed_that_cannot_be_reached_is_only_unreachable(tmp_path, feed):
    with pytest.raises(FeedUnreachable, match="could not be reached"):
        check_for_update(
            "http://127.0.0.1:9", "0.1.0", tmp_path / "cache", root=feed.root, timeout=2
        )


def test_the_tool_says_what_is_wrong(tmp_path, feed, capsys):
    assert main(["release", str(feed.folder), "1.0-beta"]) == 1
    assert "is not a version such as 1.4.0" in capsys.readouterr().err
    assert main(["init", str(feed.folder)]) == 1
    assert "already holds a feed" in capsys.readouterr().err
    assert main(["refresh", str(feed.folder)]) == 0
    assert "nothing was due" in capsys.readouterr().out
    stale = feed.repository(now=datetime.now(UTC) + timedelta(days=5))
    assert stale.refresh() == ["timestamp"]  # 2 of 7 days left: re-signed
    assert feed.check() == Release("0.2.0", "Faster sync")


def test_the_window_says_a_newer_version_exists_without_blocking(qtbot, feed):
    from ui.start import UpdateCheck
    from ui.status import StatusBar
    from ui.tasks import TaskRunner

    runner = TaskRunner()
    status = StatusBar(runner=runner, facts=lambda: None, sync=None)  # type: ignore[arg-type,return-value]
    qtbot.addWidget(status)
    updates = UpdateCheck(lambda: feed.check("0.1.0"))
    updates.show_in(status, runner)  # returns at once: the check runs in a worker
    qtbot.waitUntil(lambda: not status.update_notice.isHidden(), timeout=5000)
    text = "Version 0.2.0 is available; your IT team will install it."
    assert status.update_notice.text() == text
    assert status.update_notice.accessibleDescription() == text
    again = StatusBar(runner=runner, facts=lambda: None, sync=None)  # type: ignore[arg-type,return-value]
    qtbot.addWidget(again)
    updates.show_in(again, runner)  # after signing out and in: no second check
    assert again.update_notice.text() == text
    runner.shutdown()
