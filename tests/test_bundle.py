"""The frozen app (`make bundle`) and its .deb (`make deb`), as IT gets them.

- `lcc-apr selftest` of the frozen app passes, with a real Secret Service (gnome-keyring
  under dbus-run-session), and fails with a fix when there is no secure keyring;
- the frozen app under Xvfb reaches the main window of the demo (a screenshot: to a
  temporary folder, or to docs/screenshots/frozen-demo.png with LCC_APR_SCREENSHOTS=1);
- the .deb: Depends covers every system library the binaries need, the conffile, lintian
  clean (overrides explained in installer/debian/lintian-overrides);
- the .deb's files, owned by root and run as `nobody`, pass the selftest and nothing in the
  install changes;
- third-party licences are bundled for every distribution in it.

The bundle is built once per session (frozen_bundle), the .deb once (gzip: quicker than
the release's xz, same files). Tools: Xvfb, dbus-run-session, gnome-keyring, lintian,
dpkg-deb, setpriv (installer/debian-packages.txt); a missing one fails the test, saying so.
"""

from __future__ import annotations

import functools
import io
import json
import os
import pwd
import re
import select
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.bundle_build import ROOT

PACKAGE_FILE = "installer/debian-packages.txt"
CHECKS = ["keyring", "store", "pdf", "sync"]
# Under dbus-run-session: an unlocked login keyring, then the command.
WITH_KEYRING = (
    'printf selftest | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"'
)


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: `make` installs it ({PACKAGE_FILE})."
    return path


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh user: own HOME and data folder, the system keyring
    (not the tests' failing one), no offscreen Qt."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PYTHON_KEYRING"))}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    (home / "data").mkdir(parents=True, exist_ok=True)
    return env | {"HOME": str(home), "LCC_APR_HOME": str(home / "data")} | extra


def selftest(exe: Path, *args: str, env: dict[str, str], prefix: tuple[str, ...] = ()):
    done = subprocess.run(
        [*prefix, str(exe), "selftest", *args], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.stdout.startswith("{"), f"no report (exit {done.returncode}): {done.stderr}"
    return done, json.loads(done.stdout)


def test_the_frozen_selftest_passes_with_a_secret_service(frozen_bundle: Path, tmp_path: Path):
    keyring_session = (tool("dbus-run-session"), "--", "sh", "-c", WITH_KEYRING, "sh")
    tool("gnome-keyring-daemon")
    out = tmp_path / "report.json"
    done, report = selftest(
        frozen_bundle / "lcc-apr",
        "--output",
        str(out),
        env=app_env(tmp_path / "home"),
        prefix=keyring_session,
    )
    assert done.returncode == 0, report
    assert report["ok"] and report["frozen"]
    assert [c["name"] for c in report["checks"]] == CHECKS
    assert all(c["ok"] for c in report["checks"]), report["checks"]
    assert "SecretService" in report["checks"][0]["detail"]
    assert "key in the keyring" in report["checks"][1]["detail"]
    assert json.loads(out.read_text()) == report
    assert report["seconds"] < 60


def test_the_frozen_selftest_fails_without_a_secure_keyring_and_says_what_to_do(
    frozen_bundle: Path, tmp_path: Path
):
    env = app_env(tmp_path / "home", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    done, report = selftest(frozen_bundle / "lcc-apr", env=env)
    assert done.returncode == 1 and not report["ok"]
    keyring_check, *others = report["checks"]
    assert not keyring_check["ok"] and "--allow-no-keyring" in keyring_check["fix"]
    assert all(c["ok"] for c in others), others
    assert "Traceback" not in done.stderr


# -- the window under Xvfb ----------------------------------------------------------------


@pytest.fixture
def xvfb(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(DISPLAY, the screen's framebuffer file) of an Xvfb on a free display."""
    frames = tmp_path / "fb"
    frames.mkdir()
    read, write = os.pipe()
    server = subprocess.Popen(
        [tool("Xvfb"), "-displayfd", str(write), "-screen", "0", "1280x800x24"]
        + ["-fbdir", str(frames), "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as display:
        number = display.readline().strip()
    try:
        assert number, "Xvfb did not start"
        yield f":{number}", frames / "Xvfb_screen0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def screenshot(framebuffer: Path, target: Path) -> tuple[int, int, int]:
    """The Xvfb screen (an XWD file) as a PNG; (width, height, colours used)."""
    from PIL import Image

    data = framebuffer.read_bytes()
    fields = [int.from_bytes(data[i : i + 4], "big") for i in range(0, 100, 4)]
    header, width, height = fields[0], fields[4], fields[5]
    bits, line, colours = fields[11], fields[12], fields[19]
    assert bits == 32, f"a {bits}-bit screen: expected 32 (Xvfb -screen 0 WxHx24)"
    start = header + 12 * colours
    image = Image.frombuffer("RGB", (width, height), data[start:], "raw", "BGRX", line, 1)
    image.save(target)
    return width, height, len(image.getcolors(maxcolors=1 << 20) or [])


def read_line(process: subprocess.Popen, seconds: float) -> str:
    """The process's next line on stdout, waiting at most `seconds`."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    if not ready:
        raise TimeoutError(f"no line from the app in {seconds} s")
    return process.stdout.readline().strip()


def test_the_frozen_app_reaches_the_main_window_under_xvfb(
    frozen_bundle: Path, tmp_path: Path, xvfb: tuple[str, Path]
):
    from lcc_apr.server.embedded import EmbeddedServer

    display, framebuffer = xvfb
    env = app_env(tmp_path / "home", DISPLAY=display, LCC_APR_SHOWN="print")
    demo = EmbeddedServer(Path(env["LCC_APR_HOME"]), size=50)
    demo.prepare()  # the small demo, ready
    demo.stop()  # its lock given back: the app takes it
    before = tree(frozen_bundle)
    app = subprocess.Popen(
        [str(frozen_bundle / "lcc-apr"), "run", "--demo", "manager", "--quit-after", "5"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [read_line(app, 60), read_line(app, 60)]
    except TimeoutError:
        app.kill()
        raise
    assert lines == ["shown: welcome", "shown: main"], app.communicate()[1]
    time.sleep(2)  # the team's list fills in
    target = ROOT / "docs" / "screenshots" if os.environ.get("LCC_APR_SCREENSHOTS") else tmp_path
    width, height, colours = screenshot(framebuffer, target / "frozen-demo.png")
    assert app.wait(timeout=30) == 0
    assert tree(frozen_bundle) == before, "the app wrote into its own folder"
    assert (width, height) == (1280, 800)
    assert colours > 50, "the screen is (nearly) blank: the window drew nothing"


# -- the .deb ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def deb(frozen_bundle: Path) -> Path:
    """dist/lcc-apr_*.deb, built once from the bundle."""
    for name in ("dpkg-deb", "dpkg-shlibdeps"):
        tool(name)
    env = os.environ | {"DEB_COMPRESSION": "gzip"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "installer/debian/build_deb.py")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip())


@pytest.fixture(scope="session")
def installed(deb: Path) -> Iterator[Path]:
    """The .deb's files unpacked into a root-owned folder anyone may read (its root)."""
    root = Path(tempfile.mkdtemp(prefix="lcc-apr-install-"))
    try:
        root.chmod(0o755)
        subprocess.run([tool("dpkg-deb"), "-x", str(deb), str(root)], check=True)
        yield root
    finally:
        shutil.rmtree(root)


def control_field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True
    ).stdout.strip()


def needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+)\]", out)


@functools.cache
def debian_package(path: str) -> str:
    """The Debian package holding a file (its /usr/lib name, too, on a merged /usr)."""
    for candidate in (path, "/usr" + path, str(Path(path).resolve())):
        found = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if found.returncode == 0:
            return found.stdout.split(":")[0]
    raise AssertionError(f"no Debian package holds {path}")


def test_the_deb_depends_on_every_system_library_the_app_needs(deb: Path, installed: Path):
    depends = {d.split()[0] for d in control_field(deb, "Depends").split(", ")}
    qt_list = (ROOT / PACKAGE_FILE).read_text().split("# readable text")[0]
    qt_packages = {line for line in qt_list.splitlines() if line and not line.startswith("#")}
    assert qt_packages <= depends, qt_packages - depends
    assert "fonts-dejavu-core" in depends
    bundle = installed / "opt" / "lcc-apr"
    inside = {p.name for p in bundle.rglob("*.so*")}
    system: dict[str, str] = {}  # soname -> path, from the dynamic linker's cache
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    for soname, path in re.findall(r"^\s+(\S+) \(libc6,x86-64[^)]*\) => (\S+)$", cache, re.M):
        system.setdefault(soname, path)
    missing = set()
    for elf in [bundle / "lcc-apr", *bundle.rglob("*.so*")]:
        if elf.is_symlink() or not elf.is_file():
            continue
        for soname in needed(elf):
            if soname in inside or soname.startswith(("libc.so", "libm.so", "ld-linux")):
                continue
            path = system.get(soname)
            assert path, f"{elf.name} needs {soname}, found neither in the bundle nor here"
            package = debian_package(path)
            if package not in depends and package != "libc6":
                missing.add((soname, package))
    assert missing == set()


def test_the_deb_installs_the_organisation_file_as_a_conffile_and_the_desktop_entry(
    deb: Path, installed: Path
):
    meta = subprocess.run(
        ["dpkg-deb", "--ctrl-tarfile", str(deb)], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(meta)) as control:
        member = control.extractfile("./conffiles")
        assert member is not None
        assert member.read().decode().split() == ["/etc/lcc-apr/organisation.toml"]
        owners = {(m.uid, m.gid) for m in control.getmembers()}
    example = (ROOT / "installer" / "organisation.toml.example").read_text()
    assert (installed / "etc/lcc-apr/organisation.toml").read_text() == example
    assert os.readlink(installed / "usr/bin/lcc-apr") == "/opt/lcc-apr/lcc-apr"
    entry = (installed / "usr/share/applications/lcc-apr.desktop").read_text()
    assert "Exec=lcc-apr\n" in entry and "Icon=lcc-apr\n" in entry
    assert (installed / "usr/share/icons/hicolor/scalable/apps/lcc-apr.svg").is_file()
    assert owners == {(0, 0)}
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert {line.split()[1] for line in listing.splitlines()} == {"root/root"}


def test_lintian_finds_nothing_but_what_is_overridden_and_explained(deb: Path):
    done = subprocess.run(
        [tool("lintian"), "-I", "--tag-display-limit", "0", str(deb)],
        capture_output=True,
        text=True,
    )
    tags = [line for line in done.stdout.splitlines() if re.match(r"[EWI]: ", line)]
    # An override can go unused on another Python build (Debian's python3 links its
    # extension modules differently from a self-built one); a mismatched one is a problem.
    problems = [
        t
        for t in tags
        if t.startswith(("E:", "W:")) or ("override" in t and "unused-override" not in t)
    ]
    assert done.returncode == 0 and problems == [], problems
    lines = (ROOT / "installer/debian/lintian-overrides").read_text().splitlines()
    for before, line in zip(lines, lines[1:], strict=False):
        if line.startswith("lcc-apr:") and not before.startswith("lcc-apr:"):
            assert before.startswith("#"), f"no reason given before: {line}"


def tree(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every path under the folder: (mode, size, modification time)."""
    return {
        str(p.relative_to(folder)): (p.lstat().st_mode, p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def test_a_root_owned_install_run_as_nobody_passes_and_writes_nothing_into_itself(
    installed: Path,
):
    nobody = pwd.getpwnam("nobody")
    home = Path(tempfile.mkdtemp(prefix="lcc-apr-nobody-"))
    try:
        os.chown(home, nobody.pw_uid, nobody.pw_gid)
        before = tree(installed)
        become_nobody = (
            tool("setpriv"),
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
        )
        env = app_env(home, TMPDIR=str(home))
        os.chown(home / "data", nobody.pw_uid, nobody.pw_gid)
        done, report = selftest(
            installed / "opt/lcc-apr/lcc-apr", "--allow-no-keyring", env=env, prefix=become_nobody
        )
        assert done.returncode == 0 and report["ok"], report
        assert tree(installed) == before
        written = {p.stat().st_uid for p in home.rglob("*")}
        assert written <= {nobody.pw_uid}
        # Its owner could write there: the app does not even try.
        done, report = selftest(
            installed / "opt/lcc-apr/lcc-apr", "--allow-no-keyring", env=app_env(home / "root")
        )
        assert done.returncode == 0 and report["ok"], report
        assert tree(installed) == before
    finally:
        shutil.rmtree(home)


# -- licences -----------------------------------------------------------------------------


def bundled_top_levels(bundle: Path) -> set[str]:
    """Top-level Python packages in the bundle: in its archive and as folders."""
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(bundle / "lcc-apr")).open_embedded_archive("PYZ.pyz")
    names = {name.split(".")[0] for name in archive.toc}
    names |= {p.name.split(".")[0] for p in (bundle / "_internal").iterdir()}
    return names


def test_every_bundled_distribution_has_its_licence_in_the_bundle(frozen_bundle: Path):
    licences = frozen_bundle / "licenses"
    index = json.loads((licences / "index.json").read_text())
    owners = packages_distributions()
    expected = {
        dist
        for name in bundled_top_levels(frozen_bundle)
        for dist in owners.get(name, [])
        if dist.lower() != "lcc-apr"
    }
    listed = {name.lower().replace("_", "-") for name in index["python"]}
    missing = {d for d in expected if d.lower().replace("_", "-") not in listed}
    assert missing == set()
    assert {"PySide6_Essentials", "cryptography", "sqlcipher3", "reportlab"} <= set(index["python"])
    for name, info in index["python"].items():
        folder = licences / "python" / f"{name}-{info['version']}"
        if not info["files"]:  # only Qt's, whose licence is the notice's
            assert name in {"PySide6_Essentials", "PySide6_Addons", "shiboken6"}, name
        for file in info["files"]:
            assert (folder / file).stat().st_size > 0
    notice = (licences / "Qt-LGPL-notice.txt").read_text()
    assert "LGPL" in notice and "replace" in notice
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (licences / "LGPL-3.0.txt").read_text()
    assert "PYTHON SOFTWARE FOUNDATION" in (licences / "Python-LICENSE.txt").read_text()
    assert "python-runtime" in index
