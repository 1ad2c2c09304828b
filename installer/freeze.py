"""What installer/lcc-apr.spec (and bench/bundle.py's bare window) leave out, and the
third-party licences written into the bundle. Runs at build time, inside PyInstaller.

Left out:
- Qt plugins the desktop never loads (GTK theme, virtual keyboard, embedded-device
  platforms, TLS and network-information backends, rare image formats) and the Qt
  libraries only they need (Qt Quick, QML, virtual keyboard, EGLFS); Qt's translations
  (the app is in English only);
- on Linux, the system's own shared libraries (from /lib and /usr/lib, but libpython):
  the .deb depends on the Debian packages that hold them instead (installer/debian/).
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
from importlib.metadata import Distribution, distributions
from pathlib import Path

HERE = Path(__file__).resolve().parent
QT_PLUGINS = "PySide6/Qt/plugins/"
DROPPED_QT = [
    "PySide6/Qt/translations/*",
    QT_PLUGINS + "platformthemes/libqgtk3.so",
    QT_PLUGINS + "platforminputcontexts/libqtvirtualkeyboardplugin.so",
    QT_PLUGINS + "egldeviceintegrations/*",
    QT_PLUGINS + "generic/*",
    QT_PLUGINS + "networkinformation/*",
    QT_PLUGINS + "tls/*",
    *(
        f"{QT_PLUGINS}platforms/lib{name}.so"
        for name in ("qeglfs", "qlinuxfb", "qvnc", "qvkkhrdisplay", "qminimalegl")
    ),
    *(
        f"{QT_PLUGINS}imageformats/libq{name}.so"
        for name in ("tiff", "webp", "icns", "tga", "wbmp")
    ),
    *(
        f"{where}libQt6{name}.so.6"
        for where in ("", "PySide6/Qt/lib/")
        for name in (
            "Quick",
            "Qml",
            "QmlModels",
            "QmlMeta",
            "QmlWorkerScript",
            "VirtualKeyboard",
            "VirtualKeyboardQml",
            "EglFSDeviceIntegration",
            "EglFsKmsSupport",
        )
    ),
]
# Python packages the desktop never imports (the server's PostgreSQL driver among them).
EXCLUDED_MODULES = [
    "tkinter",
    "pytest",
    "_pytest",  # anyio's pytest plugin, imported when pytest is there
    "hypothesis",
    "schemathesis",
    "mypy",
    "IPython",
    "psycopg",
    "psycopg_binary",
    "yaml",
    "jinja2",
    "setuptools",
    "pkg_resources",
    "distutils",
    # `make bench` puts WeasyPrint and what it needs beside the app (bench/pdf.py compares
    # with it); reportlab would then carry pyphen's dictionaries, httpx brotli
    "weasyprint",
    "pyphen",
    "tinycss2",
    "cssselect2",
    "pydyf",
    "tinyhtml5",
    "brotli",
    "zopfli",
]
SYSTEM_DIRS = ("/lib/", "/usr/lib/", "/lib64/", "/usr/lib64/")


def is_system_library(source: str) -> bool:
    """A shared library of the Linux system itself (left to the .deb's Depends), not
    libpython (the frozen interpreter) nor one a wheel vendors."""
    return (
        sys.platform.startswith("linux")
        and source.startswith(SYSTEM_DIRS)
        and not Path(source).name.startswith("libpython")
    )


def kept(entry: tuple[str, str, str]) -> bool:
    dest, source, kind = entry
    if any(fnmatch.fnmatch(dest, pattern) for pattern in DROPPED_QT):
        return False
    return not (kind == "BINARY" and is_system_library(source))


def trim(toc: list) -> list:
    """A PyInstaller TOC (binaries or datas) without what this module leaves out."""
    return [entry for entry in toc if kept(entry)]


# -- licences --------------------------------------------------------------------------


def _owners() -> dict[Path, Distribution]:
    """Every installed file -> the distribution that installed it."""
    owners: dict[Path, Distribution] = {}
    for dist in distributions():
        for file in dist.files or []:
            owners[Path(str(dist.locate_file(file))).resolve()] = dist
    return owners


def _licence_files(dist: Distribution) -> list[Path]:
    """The licence files a distribution ships (License-File metadata, else by name)."""
    files = [f for f in dist.files or [] if ".dist-info" in str(f)]
    named = dist.metadata.get_all("License-File") or []
    found = [f for f in files if any(str(f).endswith("/" + n) for n in named)]
    if not found:
        found = [f for f in files if f.name.upper().startswith(("LICEN", "COPYING", "NOTICE"))]
    return [Path(str(dist.locate_file(f))) for f in found]


def _licence_name(dist: Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [
        c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License")
    ]
    text = (meta.get("License") or "").strip().splitlines()
    return "; ".join(classifiers) or (text[0][:80] if text else "not stated")


def _debian_package(path: str) -> str | None:
    if shutil.which("dpkg-query") is None:
        return None
    found = subprocess.run(["dpkg-query", "-S", path], capture_output=True, text=True)
    if found.returncode != 0:
        found = subprocess.run(
            ["dpkg-query", "-S", str(Path(path).resolve())], capture_output=True, text=True
        )
    if found.returncode != 0:
        return None
    return found.stdout.split(":")[0].strip()


def write_licences(sources: list[str], out: Path, *, project: str) -> dict:
    """licenses/ in the bundle: each bundled distribution's licence files, the Debian
    copyright of each system library bundled, Qt's LGPL notice; an index as README.txt
    and index.json. `sources`: the source path of every module, binary and data file."""
    if out.exists():
        shutil.rmtree(out)
    (out / "python").mkdir(parents=True)
    owners = _owners()
    bundled: dict[str, Distribution] = {}
    debian: set[str] = set()
    for source in sources:
        dist = owners.get(Path(source).resolve())
        if dist is not None:
            bundled.setdefault(dist.metadata["Name"], dist)
        elif source.startswith(SYSTEM_DIRS):
            package = _debian_package(source)
            if package:
                debian.add(package)
    index: dict = {"python": {}, "debian": {}, "qt": "Qt-LGPL-notice.txt"}
    for name in sorted(bundled, key=str.lower):
        if name.lower().replace("_", "-") == project:
            continue
        dist = bundled[name]
        folder = out / "python" / f"{name}-{dist.version}"
        folder.mkdir()
        copied = []
        for file in _licence_files(dist):
            if file.is_file():
                shutil.copyfile(file, folder / file.name)
                copied.append(file.name)
        index["python"][name] = {
            "version": dist.version,
            "licence": _licence_name(dist),
            "files": copied,
        }
    for package in sorted(debian):
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        if copyright_file.is_file():
            (out / "debian" / package).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(copyright_file, out / "debian" / package / "copyright")
            index["debian"][package] = f"debian/{package}/copyright"
    _qt_notice(out, bundled)
    index["python-runtime"] = _python_licence(out)
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    (out / "README.txt").write_text(_readme(index))
    return index


def _python_licence(out: Path) -> str:
    """The licence of the Python interpreter frozen into the bundle (PSF)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    base = Path(sys.base_prefix)
    for candidate in (base / "lib" / version / "LICENSE.txt", base / "LICENSE.txt"):
        if candidate.is_file():
            shutil.copyfile(candidate, out / "Python-LICENSE.txt")
            return "Python-LICENSE.txt"
    debian = Path("/usr/share/doc") / f"lib{version}" / "copyright"
    if debian.is_file():
        shutil.copyfile(debian, out / "Python-LICENSE.txt")
        return "Python-LICENSE.txt"
    raise SystemExit(f"No licence file of the Python interpreter under {base}.")


def _qt_notice(out: Path, bundled: dict[str, Distribution]) -> None:
    version = next((d.version for n, d in bundled.items() if n.lower().startswith("pyside6")), "6")
    for name in ("LGPL-3.0.txt", "GPL-3.0.txt"):
        shutil.copyfile(HERE / "licenses" / name, out / name)
    (out / "Qt-LGPL-notice.txt").write_text(
        f"""Qt {version} and Qt for Python (PySide6 {version}, shiboken6)

This application uses the Qt libraries and PySide6 under the GNU Lesser General Public
License version 3 (LGPL-3.0.txt here, which builds on GPL-3.0.txt). Qt is a product of
The Qt Company Ltd and other contributors.

The Qt libraries are separate, dynamically linked shared libraries, left unmodified, in
_internal/PySide6/Qt/lib/ (Linux) or _internal/PySide6/ (Windows), with their plugins in
_internal/PySide6/Qt/plugins/. You may replace them with your own build of the same Qt
version: the application loads whatever libraries are there.

Source code of this Qt version: https://download.qt.io/official_releases/qt/
and of PySide6: https://download.qt.io/official_releases/QtForPython/ and
https://code.qt.io/cgit/pyside/pyside-setup.git/ (the tag v{version}).
Qt includes third-party code under its own licences (among them ICU, the Unicode licence):
see https://doc.qt.io/qt-6/licenses-used-in-qt.html.
"""
    )


def _readme(index: dict) -> str:
    lines = [
        "Third-party software in LCC APR",
        "",
        "Python packages (name, version, licence; their licence files are in python/):",
        "",
    ]
    for name, info in index["python"].items():
        files = ", ".join(info["files"]) or "no licence file shipped; see the package"
        lines.append(f"  {name} {info['version']}: {info['licence']} ({files})")
    if index["debian"]:
        lines += ["", "Debian libraries bundled (copyright files in debian/):", ""]
        lines += [f"  {package}" for package in index["debian"]]
    lines += [
        "",
        f"Python {sys.version.split()[0]}: see {index['python-runtime']}.",
        "Qt and PySide6: see Qt-LGPL-notice.txt.",
        "",
    ]
    return "\n".join(lines)
