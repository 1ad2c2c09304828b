"""Is a newer version out? Read from the organisation's signed update feed (TUF).

The app never downloads or installs a new version: IT pushes each new MSI or .deb. It
only reads the feed's one small signed file, `release.json` ({"version", "notes"}),
through python-tuf's ngclient, which refuses metadata that is not signed by the keys in
the trusted root, expired, or older than what this computer has already seen (a
rollback), and a release file whose hash or length differs from the signed one.

The trusted root (`update-root.json`, made by `lcc-apr-update-feed init`) is put beside
organisation.toml by IT, or named there by `update_root`; the feed's later root
rotations are fetched and checked against it. What ngclient has seen is kept in
`cache_dir` (the user's data folder): that is what makes a rollback visible.

Runs on a worker thread (ui.start runs it once at start); network through httpx with the
organisation's certificates, pins and proxy (lcc_apr.sync.network).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from tuf.api import exceptions
from tuf.ngclient import Updater
from tuf.ngclient.fetcher import FetcherInterface

from .paths import private_folder
from .sync.network import Network

RELEASE = "release.json"  # the feed's one target
VERSION = re.compile(r"\d+(\.\d+){0,3}")
MAX_RELEASE_BYTES = 64 * 1024


class UpdateError(Exception):
    """The feed could not be read or was refused; str(err) is a sentence."""


class FeedUnreachable(UpdateError):
    """The feed could not be reached (offline, server down): nothing to tell the person."""


class FeedRefused(UpdateError):
    """The feed was reached but refused (tampered, expired, rolled back, unsigned): IT
    should know."""


@dataclass(frozen=True)
class Release:
    version: str
    notes: str = ""


def version_key(version: str) -> tuple[int, ...]:
    """'1.10.2' -> (1, 10, 2, 0); ValueError for anything but up to four numbers."""
    if not VERSION.fullmatch(version):
        raise ValueError(f"{version!r} is not a version such as 1.4.0 (numbers and dots).")
    numbers = tuple(int(part) for part in version.split("."))
    return numbers + (0,) * (4 - len(numbers))


class HttpxFetcher(FetcherInterface):
    """ngclient's downloads through httpx (the organisation's certificates and proxy)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def _fetch(self, url: str) -> Iterator[bytes]:
        try:
            response = self.client.send(self.client.build_request("GET", url), stream=True)
        except httpx.HTTPError as err:
            raise exceptions.DownloadError(str(err)) from err
        if response.status_code >= 400:
            response.close()
            raise exceptions.DownloadHTTPError(
                f"HTTP status {response.status_code}", response.status_code
            )
        return self._chunks(response)

    @staticmethod
    def _chunks(response: httpx.Response) -> Iterator[bytes]:
        try:
            yield from response.iter_bytes(64 * 1024)
        except httpx.HTTPError as err:
            raise exceptions.DownloadError(str(err)) from err
        finally:
            response.close()


def check_for_update(
    feed_url: str,
    current_version: str,
    cache_dir: Path,
    *,
    root: Path,
    network: Network | None = None,
    timeout: float = 20.0,
) -> Release | None:
    """The release the feed at `feed_url` offers when it is newer than `current_version`,
    else None. FeedRefused or FeedUnreachable (sentences) when the feed cannot be used.
    `root`: the feed's trusted root metadata file."""
    try:
        bootstrap = root.read_bytes()
    except OSError as err:
        raise FeedRefused(
            f"The update feed's trusted root file {root} cannot be read ({err.strerror}); "
            "ask your IT team to put it beside organisation.toml."
        ) from None
    metadata = private_folder(cache_dir / "metadata")
    targets = private_folder(cache_dir / "targets")
    base = feed_url.rstrip("/")
    with httpx.Client(timeout=timeout, **(network or Network()).client_options()) as client:
        try:
            updater = Updater(
                metadata_dir=str(metadata),
                metadata_base_url=f"{base}/metadata/",
                target_dir=str(targets),
                target_base_url=f"{base}/targets/",
                fetcher=HttpxFetcher(client),
                bootstrap=bootstrap,
            )
            updater.refresh()
            info = updater.get_targetinfo(RELEASE)
            if info is None:
                raise FeedRefused("The update feed lists no release; tell your IT team.")
            if info.length > MAX_RELEASE_BYTES:
                raise FeedRefused("The update feed's release file is too large to be one.")
            path = Path(updater.download_target(info))
        except UpdateError:
            raise
        except Exception as err:
            raise _words(err) from err
    release = _read_release(path)
    if version_key(release.version) <= version_key(current_version):
        return None
    return release


def _read_release(path: Path) -> Release:
    try:
        data = json.loads(path.read_bytes())
        version = str(data["version"])
        version_key(version)
        return Release(version=version, notes=str(data.get("notes", "")))
    except (ValueError, KeyError, TypeError):
        raise FeedRefused(
            "The update feed's release file is signed but not readable; tell your IT team."
        ) from None


def _words(err: Exception) -> UpdateError:
    """A sentence for what ngclient raised."""
    tell = "It was refused; tell your IT team."
    if isinstance(err, exceptions.ExpiredMetadataError):
        return FeedRefused(
            "The update feed's signed information has expired (the feed is re-signed "
            f"regularly by IT, and was not). {tell}"
        )
    if isinstance(err, exceptions.BadVersionNumberError):
        return FeedRefused(
            "The update feed sent older signed information than this computer has already "
            f"seen (a rollback). {tell}"
        )
    if isinstance(
        err, exceptions.LengthOrHashMismatchError | exceptions.DownloadLengthMismatchError
    ):
        return FeedRefused(
            "The update feed's release file does not match what was signed (it may have "
            f"been changed on the server). {tell}"
        )
    if isinstance(err, exceptions.UnsignedMetadataError):
        return FeedRefused(
            f"The update feed is not signed by your organisation's update keys. {tell}"
        )
    if isinstance(err, exceptions.DownloadError | OSError):
        return FeedUnreachable(f"The update feed could not be reached ({err}).")
    return FeedRefused(f"The update feed could not be checked ({err}). {tell}")
