"""The .deb of the desktop app, from the bundle (`make bundle`): `make deb` ->
dist/lcc-apr_VERSION_ARCH.deb.

/opt/lcc-apr (the bundle), /usr/bin/lcc-apr (a symlink), the desktop entry and icon, a man
page, /etc/lcc-apr/organisation.toml (a conffile: an upgrade keeps IT's edits), the
copyright file. Depends: what dpkg-shlibdeps finds the bundle's binaries need from the
system (the bundle carries no system library: installer/freeze.py), plus a font.
Built by `dpkg-deb --root-owner-group` (no fakeroot, every file root's).

Environment: DEB_MAINTAINER ("Name <address>"), DEB_COMPRESSION (xz, the default; zstd or
gzip for quick test builds).
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "installer" / "debian"
BUNDLE = ROOT / "dist" / "lcc-apr"
STAGE = ROOT / "build" / "deb"
PACKAGE = "lcc-apr"
EXTRA_DEPENDS = ["fonts-dejavu-core"]  # Qt draws the window's text with the system's fonts
DESCRIPTION = """\
Performance reviews for Leicestershire County Council (desktop app)
 LCC APR records annual performance reviews, supervisions, probation reviews and
 capability cases. Line managers work offline from an encrypted local store that
 syncs with the council's server; staff read, comment and sign off; every record
 prints as a signed PDF.
 .
 `lcc-apr selftest` checks an installation. The organisation's settings are in
 /etc/lcc-apr/organisation.toml."""


def version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"]) + "-1"


def run(*args: str, **kw) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def stage_files(stage: Path, maintainer: str, ver: str) -> None:
    opt = stage / "opt" / PACKAGE
    shutil.copytree(BUNDLE, opt, symlinks=True)
    for path in [opt, *opt.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:  # only the program is executable; shared libraries are not (Debian policy)
            path.chmod(0o755 if path == opt / PACKAGE else 0o644)
    place(stage / "usr/bin", None)
    (stage / "usr/bin" / PACKAGE).symlink_to(f"/opt/{PACKAGE}/{PACKAGE}")  # Debian policy 10.5
    place(stage / "usr/share/applications", HERE / "lcc-apr.desktop")
    place(stage / "usr/share/icons/hicolor/scalable/apps", ROOT / "resources/icons/lcc-apr.svg")
    place(stage / "etc/lcc-apr", ROOT / "installer/organisation.toml.example", "organisation.toml")
    doc = place(stage / f"usr/share/doc/{PACKAGE}", HERE / "copyright")
    place(stage / "usr/share/lintian/overrides", HERE / "lintian-overrides", PACKAGE)
    when = email.utils.formatdate(
        int(os.environ.get("SOURCE_DATE_EPOCH", time.time())), usegmt=False
    )
    changelog = (
        f"{PACKAGE} ({ver}) unstable; urgency=medium\n\n"
        "  * The desktop app as a Debian package (installer/debian/build_deb.py).\n\n"
        f" -- {maintainer}  {when}\n"
    )
    write_gzip(doc / "changelog.Debian.gz", changelog.encode())
    man = place(stage / "usr/share/man/man1", None)
    write_gzip(man / "lcc-apr.1.gz", (HERE / "lcc-apr.1").read_bytes())


def place(folder: Path, source: Path | None, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if source is not None:
        target = folder / (name or source.name)
        shutil.copyfile(source, target)
        target.chmod(0o644)
    return folder


def write_gzip(path: Path, data: bytes) -> None:
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(data)  # gzip -9n: no name, no time stamp
    path.chmod(0o644)


def depends(stage: Path) -> list[str]:
    """dpkg-shlibdeps over every ELF file; the bundle's own libraries are found with -l."""
    opt = stage / "opt" / PACKAGE
    elves = [str(p) for p in opt.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p)]
    folders = sorted({f"-l{p.parent}" for p in opt.rglob("*.so*")} | {f"-l{opt}/_internal"})
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "debian").mkdir()
        (Path(work) / "debian" / "control").write_text(
            f"Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: any\n"
        )
        out = run("dpkg-shlibdeps", "-O", "--ignore-missing-info", *folders, *elves, cwd=work)
    found = re.search(r"^shlibs:Depends=(.*)$", out, re.M)
    if found is None:
        raise SystemExit("dpkg-shlibdeps found no dependencies: is the bundle built?")
    return [d.strip() for d in found.group(1).split(",")] + EXTRA_DEPENDS


def control(stage: Path, maintainer: str, ver: str, needs: list[str]) -> None:
    meta = stage / "DEBIAN"
    meta.mkdir()
    size = sum(p.lstat().st_size for p in stage.rglob("*") if not p.is_dir()) // 1024
    (meta / "control").write_text(
        f"Package: {PACKAGE}\n"
        f"Version: {ver}\n"
        f"Architecture: {run('dpkg', '--print-architecture').strip()}\n"
        f"Maintainer: {maintainer}\n"
        f"Installed-Size: {size}\n"
        f"Depends: {', '.join(needs)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Description: {DESCRIPTION}\n"
    )
    (meta / "conffiles").write_text("/etc/lcc-apr/organisation.toml\n")
    sums = []
    for path in sorted(stage.rglob("*")):
        if path.is_file() and not path.is_symlink() and meta not in path.parents:
            digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
            sums.append(f"{digest}  {path.relative_to(stage)}\n")
    (meta / "md5sums").write_text("".join(sums))
    for name in ("control", "conffiles", "md5sums"):
        (meta / name).chmod(0o644)


def build() -> Path:
    if not (BUNDLE / PACKAGE).exists():
        raise SystemExit(f"No bundle at {BUNDLE}: run `make bundle` first.")
    maintainer = os.environ.get("DEB_MAINTAINER", "LCC APR maintainers <lcc-apr@example.org>")
    ver = version()
    if STAGE.exists():
        shutil.rmtree(STAGE)
    STAGE.mkdir(parents=True)
    os.umask(0o022)
    stage_files(STAGE, maintainer, ver)
    control(STAGE, maintainer, ver, depends(STAGE))
    out = ROOT / "dist" / f"{PACKAGE}_{ver}_{run('dpkg', '--print-architecture').strip()}.deb"
    compression = os.environ.get("DEB_COMPRESSION", "xz")
    run("dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(STAGE), str(out))
    return out


if __name__ == "__main__":
    started = time.perf_counter()
    made = build()
    seconds = time.perf_counter() - started
    print(f"{made} ({made.stat().st_size / 1e6:.1f} MB, {seconds:.0f} s)", file=sys.stderr)
    print(made)
