"""Where LCC APR keeps its files (platformdirs), overridable for tests and demos.

What it keeps is its user's alone: on Linux and macOS the data folder is 0700 and each
file in it 0600 (a laptop is shared with IT and other accounts); on Windows the user's
profile ACL already keeps other accounts out (docs/security.md).
"""

import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:  # hashlib and secrets load where used: not before the first window
    import hashlib

APP_NAME = "lcc-apr"
APP_AUTHOR = "Leicestershire County Council"
OWNER_ONLY_FOLDER = 0o700
OWNER_ONLY_FILE = 0o600
ORGANISATION_ENV = "LCC_APR_ORGANISATION_FILE"
ORGANISATION_FILE = "organisation.toml"
LINUX_ORGANISATION_FILE = Path("/etc/lcc-apr") / ORGANISATION_FILE


def data_dir() -> Path:
    """The user data folder; LCC_APR_HOME overrides it (tests, portable installs)."""
    from platformdirs import user_data_dir  # loaded when first needed: a faster start

    override = os.environ.get("LCC_APR_HOME")
    path = Path(override) if override else Path(user_data_dir(APP_NAME, APP_AUTHOR))
    return private_folder(path)


def store_path(name: str = "cache") -> Path:
    """The encrypted local store file, e.g. ~/.local/share/lcc-apr/cache.db."""
    return data_dir() / f"{name}.db"


def organisation_file() -> Path | None:
    """The organisation file to read (lcc_apr.orgconfig), or None when there is none: the
    one LCC_APR_ORGANISATION_FILE names (an empty value: none), else organisation.toml in
    the frozen app's folder (the install folder: Windows), else
    /etc/lcc-apr/organisation.toml on Linux (the .deb's conffile), the first that exists."""
    named = os.environ.get(ORGANISATION_ENV)
    if named is not None:
        return Path(named) if named.strip() else None
    places = []
    if getattr(sys, "frozen", False):
        places.append(Path(sys.executable).resolve().parent / ORGANISATION_FILE)
    if sys.platform.startswith("linux"):
        places.append(LINUX_ORGANISATION_FILE)
    return next((place for place in places if place.exists()), None)


def resources_dir() -> Path:
    """The resources/ folder: beside the code in a checkout or a bundle, inside the package
    in an installed wheel (installer/server/build-wheelhouse.sh puts it there)."""
    here = Path(__file__).resolve().parent
    packaged = here / "resources"
    return packaged if packaged.is_dir() else here.parent / "resources"


def private_folder(path: Path) -> Path:
    """The folder, made if missing, that only its owner may open (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_FOLDER)
    owner_only(path)
    return path


def owner_only(path: Path) -> None:
    """Take group and others' access away from a file or folder left open (0644 -> 0600,
    0755 -> 0700); one that is missing, or not this user's, is left alone, as is a shared
    folder (sticky, like /tmp: LCC_APR_HOME=/tmp once made /tmp 0700 for everyone). POSIX
    only."""
    if os.name == "nt":
        return
    try:
        mode = path.stat().st_mode
        current = mode & 0o777
        if current & 0o077 and not mode & stat.S_ISVTX:
            path.chmod(current & 0o700)
    except (FileNotFoundError, PermissionError):
        pass


def private_file(path: Path) -> Path:
    """An empty file made only its owner may read and write (0600), when none is there:
    SQLite and Qt then keep that mode for the file and for its journals."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE))
    except FileExistsError:
        owner_only(path)
    return path


def sha256_of(path: Path) -> str:
    """The file's SHA-256, hex."""
    with path.open("rb") as handle:
        return digest_of(handle).hexdigest()


def digest_of(handle: BinaryIO) -> "hashlib._Hash":
    """The SHA-256 of the rest of `handle`, read a megabyte at a time (more may follow)."""
    import hashlib

    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest


def write_private(path: Path, data: bytes) -> None:
    """Write the file whole (a draft beside it, then replaced), readable by its owner only."""
    import secrets

    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(draft, path)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise


def append_private(path: Path, text: str) -> None:
    """Append to a text file, made owner-only (0600) when new."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, OWNER_ONLY_FILE)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(text)
