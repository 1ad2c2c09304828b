"""`lcc-apr-update-feed`: IT's tool to publish the signed update feed (a TUF repository).

    lcc-apr-update-feed init FOLDER                 # keys, the first metadata, update-root.json
    lcc-apr-update-feed release FOLDER 1.4.0 [--notes TEXT]   # announce a version
    lcc-apr-update-feed refresh FOLDER              # re-sign before expiry (a daily timer)

FOLDER holds `keys/` (one Ed25519 private key per TUF role, 0600 in a 0700 folder: keep
it off the web server), `site/` (what the web server serves at the `update_feed`
address: `metadata/` and `targets/`) and `update-root.json` (the trusted root, for IT to
put beside organisation.toml on every laptop). The feed holds one target, `release.json`
({"version", "notes"}); the installers themselves are pushed by IT, never downloaded by
the app (lcc_apr.updates).

Consistent snapshots: every metadata and target file is written under a new name, so a
client reading while a release is published never mixes versions. Expiry: timestamp 7
days, snapshot 30, targets and root 365; `refresh` re-signs what expires within half its
period (a root re-signed this way is rotated: clients fetch and check it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner, Signer
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer
from tuf.repository import Repository

from .paths import private_file, private_folder
from .updates import RELEASE, version_key

ROLES = (Root.type, Targets.type, Snapshot.type, Timestamp.type)
EXPIRY = {
    Root.type: timedelta(days=365),
    Targets.type: timedelta(days=365),
    Snapshot.type: timedelta(days=30),
    Timestamp.type: timedelta(days=7),
}
ROOT_FILE = "update-root.json"
NEW: dict[str, type[Root | Targets | Snapshot | Timestamp]] = {
    Root.type: Root,
    Targets.type: Targets,
    Snapshot.type: Snapshot,
    Timestamp.type: Timestamp,
}


class FeedError(Exception):
    """The feed cannot be made or changed; str(err) says why and what to do."""


class FeedRepository(Repository):
    """A TUF repository in a folder (tuf.repository's editing, our storage and keys).
    `now` is when it signs (tests sign in the past to make expired metadata)."""

    def __init__(self, folder: Path, *, now: datetime | None = None) -> None:
        self.folder = folder
        self.keys = folder / "keys"
        self.metadata = folder / "site" / "metadata"
        self.targets_dir = folder / "site" / "targets"
        self.now = now or datetime.now(UTC)

    # -- storage ------------------------------------------------------------------

    def _current_path(self, role: str) -> Path | None:
        if role == Timestamp.type:
            path = self.metadata / "timestamp.json"
            return path if path.exists() else None
        versions = sorted(
            (int(p.name.split(".")[0]), p) for p in self.metadata.glob(f"*.{role}.json")
        )
        return versions[-1][1] if versions else None

    def open(self, role: str) -> Metadata:  # type: ignore[type-arg]
        path = self._current_path(role)
        if path is None:
            md: Metadata = Metadata(NEW[role]())  # type: ignore[type-arg]
            md.signed.version = 0  # close() makes it 1
            return md
        return Metadata.from_file(str(path))

    def close(self, role: str, md: Metadata) -> None:  # type: ignore[type-arg]
        md.signed.version += 1
        md.signed.expires = (self.now + EXPIRY[role]).replace(microsecond=0)
        md.signatures.clear()
        md.sign(self.signer(role), append=True)
        name = "timestamp.json" if role == Timestamp.type else f"{md.signed.version}.{role}.json"
        private_folder(self.metadata)
        md.to_file(str(self.metadata / name), JSONSerializer(compact=False))
        if role == Root.type and md.signed.version == 1:
            md.to_file(str(self.folder / ROOT_FILE), JSONSerializer(compact=False))

    @property
    def targets_infos(self) -> dict[str, MetaFile]:
        return {"targets.json": MetaFile(self.targets().version)}

    @property
    def snapshot_info(self) -> MetaFile:
        return MetaFile(self.snapshot().version)

    # -- keys ---------------------------------------------------------------------

    def signer(self, role: str) -> Signer:
        path = self.keys / f"{role}.pem"
        try:
            key = load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as err:
            raise FeedError(f"The {role} key {path} cannot be read ({err}).") from None
        return CryptoSigner(key)  # type: ignore[arg-type]

    def make_keys(self) -> None:
        private_folder(self.keys)
        for role in ROLES:
            signer = CryptoSigner.generate_ed25519()
            path = private_file(self.keys / f"{role}.pem")
            path.write_bytes(signer.private_bytes)

    # -- what IT does ---------------------------------------------------------------

    def init(self) -> None:
        if (self.keys / "root.pem").exists() or self._current_path(Root.type):
            raise FeedError(f"{self.folder} already holds a feed: use release or refresh.")
        self.make_keys()
        with self.edit_root() as root:
            root.consistent_snapshot = True
            for role in ROLES:
                root.add_key(self.signer(role).public_key, role)
        with self.edit_targets():
            pass
        self.do_snapshot(force=True)
        self.do_timestamp(force=True)

    def release(self, version: str, notes: str = "") -> None:
        try:
            version_key(version)
        except ValueError as err:
            raise FeedError(str(err)) from None
        data = json.dumps({"version": version, "notes": notes}, indent=2).encode()
        target = TargetFile.from_data(RELEASE, data, ["sha256"])
        private_folder(self.targets_dir)
        (self.targets_dir / f"{target.hashes['sha256']}.{RELEASE}").write_bytes(data)
        with self.edit_targets() as targets:
            targets.targets[RELEASE] = target
        self.do_snapshot()
        self.do_timestamp()

    def refresh(self) -> list[str]:
        """Re-sign each role that expires within half its period; the roles re-signed."""
        done = []
        for role in ROLES:
            signed = self.open(role).signed
            if signed.expires - self.now < EXPIRY[role] / 2:
                with self.edit(role):
                    pass
                done.append(role)
        if Targets.type in done:
            self.do_snapshot()
        if Snapshot.type in done or Targets.type in done:
            self.do_timestamp()
        return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lcc-apr-update-feed", description="Publish LCC APR's signed update feed."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, text in (
        ("init", "make the keys, the first metadata and update-root.json"),
        ("release", "announce a new version"),
        ("refresh", "re-sign what expires soon (run daily)"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("folder", type=Path)
        if name == "release":
            command.add_argument("version")
            command.add_argument("--notes", default="", help="one line for the person")
    args = parser.parse_args(argv)
    feed = FeedRepository(args.folder)
    try:
        if args.command == "init":
            feed.init()
            print(
                f"Feed made. Serve {args.folder / 'site'} at the update_feed address, and "
                f"put {args.folder / ROOT_FILE} beside organisation.toml."
            )
        elif args.command == "release":
            feed.release(args.version, args.notes)
            print(f"Version {args.version} announced.")
        else:
            done = feed.refresh()
            print("Re-signed: " + (", ".join(done) or "nothing was due."))
    except FeedError as err:
        print(f"lcc-apr-update-feed: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
