"""Removing the demo: every file the demo left and its keyring entries, nothing else;
refused while another app has it open; the CLI's `demo --remove`; progress on stderr."""

import subprocess
import sys
from pathlib import Path

import pytest

from lcc_apr import cli
from lcc_apr.demo.remove import DemoInUse, demo_files, remove_demo, size_words
from lcc_apr.forms import Catalogue
from lcc_apr.launch import sign_in_demo
from lcc_apr.progress import Echo, Step
from lcc_apr.store.lock import lock_path
from main import demo_server

from .conftest import MemoryKeyring


@pytest.fixture(scope="module")
def tried(tmp_path_factory) -> tuple[Path, MemoryKeyring]:
    """A data folder where the small demo was tried as the manager, beside someone's real
    cache and keyring entry."""
    folder = tmp_path_factory.mktemp("tried")
    ring = MemoryKeyring()
    (folder / "cache-https---apr-example-gov-uk-jo.db").write_bytes(b"real records")
    ring.set_password("lcc-apr", "store:real", "kept")
    session = sign_in_demo(
        "manager",
        demo_server=demo_server,
        folder=folder,
        keyring_backend=ring,
        catalogue=Catalogue.load(),
        size=50,
    )
    session.close()
    return folder, ring


def test_every_demo_file_and_keyring_entry_goes_and_nothing_else(tried):
    folder, ring = tried
    made = folder / "demo-ready-cache"  # as a full demo's second stage leaves it
    made.mkdir()
    for name in ("0123456789abcdef.sqlcipher", "ready-cache.json", "building.lock"):
        (made / name).write_bytes(b"HR's ready-made first sync")
    before = demo_files(folder)
    names = {path.name for path in before}
    assert {"demo-server.db", "demo-server.key", "demo-signing-ca.key"} <= names
    assert {"0123456789abcdef.sqlcipher", "ready-cache.json"} <= names
    assert any(n.startswith("cache-demo-") and n.endswith(".db.key.json") for n in names)
    assert len(ring.items) > 1  # the demo's store key at least, beside the real one
    size = sum(path.stat().st_size for path in before)

    removed = remove_demo(folder, keyring_backend=ring)

    assert set(removed.files) == set(before) and removed.size == size
    assert sorted(p.name for p in folder.iterdir()) == ["cache-https---apr-example-gov-uk-jo.db"]
    assert ring.items == {("lcc-apr", "store:real"): "kept"}
    assert removed.keyring_entries >= 1
    assert "freed" in removed.words()
    assert remove_demo(folder, keyring_backend=ring).words() == "There are no demo files to remove."


def test_refused_while_another_app_has_the_demo_open(tmp_path):
    server_db = tmp_path / "demo-server.db"
    server_db.write_bytes(b"x" * 10)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from lcc_apr.store.lock import StoreLock; "
            f"StoreLock.take(Path({str(server_db)!r})); print('held', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DemoInUse, match="quit it"):
            remove_demo(tmp_path, keyring_backend=None)
        assert server_db.exists()
    finally:
        holder.communicate("")
    assert remove_demo(tmp_path, keyring_backend=None).size == 10
    assert not server_db.exists() and not lock_path(server_db).exists()


def test_the_command_says_what_it_removed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LCC_APR_HOME", str(tmp_path))
    (tmp_path / "demo-server.db").write_bytes(b"x" * 2_500_000)
    (tmp_path / "settings.ini").write_text("kept")
    assert cli.main(["demo", "--remove"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "demo-server.db" in out and "Removed 1 demo file(s) (2.5 MB freed)." in out
    assert [p.name for p in tmp_path.iterdir()] == ["settings.ini"]


def test_sizes_in_words():
    assert [size_words(n) for n in (12, 12_000, 436_200_912, 1_700_000_000)] == [
        "12 bytes",
        "12 KB",
        "436 MB",
        "1.7 GB",
    ]


def test_progress_on_the_terminal_a_line_per_stage_and_at_most_every_two_seconds():
    lines: list[str] = []
    now = [0.0]
    echo = Echo(lines.append, clock=lambda: now[0])
    echo(Step("Adding the people", 0, 6087))
    for second in (0.5, 1.0, 1.5, 2.1, 2.5):
        now[0] = second
        echo(Step("Adding the people", int(second * 1000), 6087))
    echo(Step("Receiving records"))  # a new stage: at once
    echo("Signing in")
    assert lines == [
        "lcc-apr: Adding the people: 0 of about 6,087\n",
        "lcc-apr: Adding the people: 2,100 of about 6,087\n",
        "lcc-apr: Receiving records\n",
        "lcc-apr: Signing in\n",
    ]
