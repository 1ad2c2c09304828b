"""The command line: `lcc-apr` and `python main.py`.

Exit codes: 0 done, 1 a problem was reported (store refused, check failed),
2 wrong usage, 130 interrupted. Messages go to stderr and never contain
personal data.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcc_apr import __version__
from lcc_apr.paths import store_path

if TYPE_CHECKING:
    from lcc_apr.launch import DemoServerFactory

# The store (SQLAlchemy, SQLCipher) loads inside the commands: `lcc-apr` opening the window
# only parses its arguments here, and the window shows sooner.

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
SELFTEST_PASSWORD = "LCC_APR_SELFTEST_PASSWORD"
CHECK_PASSWORD = "LCC_APR_PASSWORD"  # check --against-server, when the keyring has no token


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lcc-apr",
        description="LCC APR: performance reviews, supervisions, probation and capability records.",
    )
    p.add_argument("--version", action="version", version=f"lcc-apr {__version__}")
    p.add_argument(
        "--store", type=Path, help="store file (default: the demo store in the user data folder)"
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="open the app (the default)")
    run.add_argument(
        "--demo",
        choices=["manager", "employee", "hr"],
        help="skip the welcome screen: try the demo in this role",
    )
    run.add_argument(
        "--quit-after",
        type=float,
        metavar="SECONDS",
        help="close the window after this long (smoke tests)",
    )
    run.set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="build or refresh the demo store")
    demo.add_argument("--small", action="store_true", help="a 50-person organisation for tests")
    demo.add_argument("--size", type=int, help="number of employees (default 6087)")
    demo.add_argument("--seed", type=int, default=2020, help="random seed (default 2020)")
    demo.add_argument(
        "--as-of", type=date.fromisoformat, help="the demo's 'today' (default: today)"
    )
    demo.add_argument(
        "--hr-export",
        type=Path,
        metavar="DIR",
        help="instead, write the demo organisation as each HR system profile's sample export "
        "(as of --as-of, default 2025-11-30: the same bytes every time)",
    )
    demo.add_argument(
        "--remove",
        action="store_true",
        help="instead, delete every demo file in the user data folder (the demo server, the "
        "demo people's caches, their keys and keyring entries); refused while the app has "
        "the demo open",
    )
    demo.set_defaults(func=cmd_demo)
    summary = sub.add_parser("summary", help="print what a store holds")
    summary.set_defaults(func=cmd_summary)
    check = sub.add_parser("check", help="check a store's integrity and every record's history")
    check.add_argument(
        "--against-server",
        action="store_true",
        help="also check every record against the server the store syncs with (signing in "
        "from the keyring, else asking for the password): a copy that differs is named and "
        "the server's restored",
    )
    check.add_argument("--user", metavar="NAME", help="who signs in, for an older store")
    check.set_defaults(func=cmd_check)
    hr = sub.add_parser(
        "hr-export",
        help="HR: export the records accepted since the last export, for the HR system",
    )
    hr.add_argument("--to", type=Path, metavar="DIR", help="the folder to write the export in")
    hr.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="default: csv")
    hr.add_argument(
        "--user",
        metavar="NAME",
        help="who exports (HR), when the store has no signed-in person (the demo store)",
    )
    hr.add_argument("--again", type=int, metavar="ID", help="make past export ID again")
    hr.add_argument("--list", action="store_true", help="list the exports made from this store")
    hr.set_defaults(func=cmd_hr_export)
    test = sub.add_parser(
        "selftest",
        help="check this installation (keyring, encrypted store, signed PDF, sync); "
        "prints JSON, exit 0 when all pass",
    )
    test.add_argument(
        "--allow-no-keyring",
        action="store_true",
        help="pass the keyring check on a computer without a secure keyring (the app "
        "then asks for a passphrase)",
    )
    test.add_argument(
        "--server",
        metavar="URL",
        help="sync with this server instead of the embedded demo (password from "
        f"{SELFTEST_PASSWORD})",
    )
    test.add_argument("--username", metavar="NAME", help="who signs in to --server")
    test.add_argument(
        "--ca-bundle", type=Path, metavar="FILE", help="PEM file of the CA(s) --server's TLS uses"
    )
    test.add_argument(
        "--output", type=Path, metavar="FILE", help="also write the JSON report to this file"
    )
    test.set_defaults(func=cmd_selftest)
    from lcc_apr.cli_pdf import add_parser as add_pdf_timestamps

    add_pdf_timestamps(sub, _open)
    return p


def main(argv: Sequence[str] | None = None, *, demo_server: DemoServerFactory | None = None) -> int:
    """Run a command; `demo_server` (from main.py, the composition root) is the embedded
    demo server the selftest starts."""
    args = parser().parse_args(argv)
    func = getattr(args, "func", cmd_run)
    if func is cmd_selftest:
        return cmd_selftest(args, demo_server=demo_server)
    from sqlalchemy.exc import DatabaseError

    from lcc_apr.store import StoreError
    from lcc_apr.store.store import damaged

    try:
        return func(args)
    except StoreError as err:
        print(f"lcc-apr: {err}", file=sys.stderr)
        return EXIT_PROBLEM
    except DatabaseError:  # a damaged page found after the store opened (only read)
        print(f"lcc-apr: {damaged(_demo_path(args).resolve())}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        print("lcc-apr: interrupted; nothing was changed.", file=sys.stderr)
        return EXIT_INTERRUPTED


def _demo_path(args: argparse.Namespace) -> Path:
    return args.store or store_path("demo")


def _progress(stage: str, count: int) -> None:
    end = "\r" if sys.stderr.isatty() else "\n"
    print(f"  {stage}: {count:,}".ljust(40), end=end, file=sys.stderr, flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from lcc_apr.demo import format_summary
    from lcc_apr.demo.build import FULL_SIZE, SMALL_SIZE, build_demo_store

    size = args.size or (SMALL_SIZE if args.small else FULL_SIZE)
    if size < 2:
        print("lcc-apr: --size must be at least 2.", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "remove", False):
        return _remove_demo()
    if args.hr_export:
        return _hr_samples(args.hr_export, size, args.seed, args.as_of)
    path = _demo_path(args)
    print(f"Building the demo organisation ({size:,} people) in {path} ...", file=sys.stderr)
    summary = build_demo_store(
        path,
        size=size,
        seed=args.seed,
        as_of=args.as_of or date.today(),
        keyring_backend=_keyring_or_warn(),
        progress=_progress,
    )
    print(file=sys.stderr)
    print(format_summary(summary))
    return EXIT_OK


def _remove_demo() -> int:
    from lcc_apr.demo.remove import DemoInUse, remove_demo
    from lcc_apr.paths import data_dir
    from lcc_apr.store import keys

    folder = data_dir()
    try:
        removed = remove_demo(folder, keyring_backend=keys.secure_keyring())
    except DemoInUse as err:
        print(f"lcc-apr: {err}", file=sys.stderr)
        return EXIT_PROBLEM
    for path in removed.files:
        print(f"removed {path}")
    print(removed.words())
    return EXIT_OK


def _hr_samples(folder: Path, size: int, seed: int, as_of: date | None) -> int:
    from lcc_apr.demo.organisation import build_organisation
    from lcc_apr.hr.samples import SAMPLES_AS_OF, write_samples

    org = build_organisation(seed=seed, size=size, as_of=as_of or SAMPLES_AS_OF)
    for path in write_samples(folder, org):
        print(path)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Without the Qt layer (the core alone): make sure the demo store exists and describe it.
    `python main.py` and the `lcc-apr` command open the window instead (ui.cli)."""
    path = _demo_path(args)
    if not path.exists():
        args.small, args.size, args.seed, args.as_of = False, None, 2020, None
        args.hr_export = None
        return cmd_demo(args)
    return cmd_summary(args)


def cmd_summary(args: argparse.Namespace) -> int:
    from lcc_apr.demo import format_summary, summarise

    with _open(args) as store, store.session() as session:
        print(format_summary(summarise(session)))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from sqlalchemy import select
    from sqlalchemy.exc import DatabaseError

    from lcc_apr.history import verify_history
    from lcc_apr.models import Record

    with _open(args) as store:
        problems = store.integrity_problems()
        checked = 0
        try:
            with store.session() as session:
                for record in session.scalars(select(Record).execution_options(yield_per=2000)):
                    checked += 1
                    problems += [
                        f"record {record.id}: {p}" for p in verify_history(session, record)
                    ]
        except DatabaseError:
            for problem in problems:  # what the integrity check found; main adds the sentence
                print(problem)
            raise
        if getattr(args, "against_server", False):
            found = _against_server(store, getattr(args, "user", None))
            if found is None:
                return EXIT_PROBLEM
            problems += found
    for problem in problems:
        print(problem)
    print(f"Checked the store and {checked:,} record histories: {len(problems)} problem(s).")
    return EXIT_PROBLEM if problems else EXIT_OK


def _against_server(store: Any, username: str | None) -> list[str] | None:
    """The findings of the check against the server, as problems; None (said on stderr)
    when it could not be made."""
    import os

    from lcc_apr.check_server import CannotCheck, against_server
    from lcc_apr.store import keys

    def password(name: str) -> str | None:
        given = os.environ.get(CHECK_PASSWORD)
        if given or not sys.stdin.isatty():
            return given
        return getpass.getpass(f"Password for {name}: ")

    try:
        found = against_server(
            store, keyring_backend=keys.secure_keyring(), password=password, username=username
        )
    except CannotCheck as err:
        print(f"lcc-apr check: {err}", file=sys.stderr)
        return None
    print(found.summary())
    return found.lines() if found.problems else []


def cmd_hr_export(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from lcc_apr.forms import Catalogue
    from lcc_apr.ops import hr_export
    from lcc_apr.ops.intake import HrOnly
    from lcc_apr.progress import Step

    if not args.list and args.to is None:
        print("lcc-apr: say where to write the export: --to DIR.", file=sys.stderr)
        return EXIT_USAGE
    if args.to is not None and not args.to.is_dir():
        print("lcc-apr: --to must be an existing folder.", file=sys.stderr)
        return EXIT_USAGE
    with _open(args) as store:
        user = _exporter(store, args.user)
        if user is None:
            return EXIT_USAGE
        catalogue = Catalogue.load()

        def progress(step: Step) -> None:
            _progress(step.text, step.done or 0)

        made: hr_export.Made | None

        try:
            if args.list:
                for past in hr_export.past_exports(store, user=user):
                    print(
                        f"{past.export_id}\t{past.made_at:%Y-%m-%d %H:%M} UTC\t{past.format}\t"
                        f"{past.entries} record(s)\t{past.name}"
                    )
                return EXIT_OK
            if args.again is not None:
                made = hr_export.export_again(
                    store,
                    user=user,
                    export_id=args.again,
                    folder=args.to,
                    catalogue=catalogue,
                    progress=progress,
                )
            else:
                made = hr_export.export_to_hr(
                    store,
                    user=user,
                    folder=args.to,
                    fmt=args.format,
                    catalogue=catalogue,
                    at=datetime.now(UTC),
                    progress=progress,
                )
        except (HrOnly, LookupError, FileExistsError) as err:
            print(f"lcc-apr: {err}", file=sys.stderr)
            return EXIT_PROBLEM
    print(file=sys.stderr)
    if made is None:
        print("Nothing new was accepted since the last export: no file written.")
    else:
        print(f"Export {made.export_id}: {made.entries:,} record(s) in {made.path}")
    return EXIT_OK


def cmd_selftest(args: argparse.Namespace, *, demo_server: DemoServerFactory | None = None) -> int:
    import json
    import os

    from lcc_apr.selftest import Server, run_selftest
    from lcc_apr.sync.address import AddressError, check_server_url

    server = None
    if args.server is None and (args.username or args.ca_bundle):
        return _usage("--username and --ca-bundle go with --server URL.")
    if args.server is not None:
        try:
            check_server_url(args.server)
        except AddressError as err:
            return _usage(f"--server: {err}")
        if not args.username:
            return _usage("Say who signs in to the server: --username NAME.")
        password = os.environ.get(SELFTEST_PASSWORD) or (
            getpass.getpass("Password: ") if sys.stdin.isatty() else ""
        )
        if not password:
            return _usage(f"Give the password in the environment variable {SELFTEST_PASSWORD}.")
        if args.ca_bundle is not None and not args.ca_bundle.is_file():
            return _usage(f"--ca-bundle {args.ca_bundle}: no such file; give the CA's PEM file.")
        server = Server(args.server, args.username, password, args.ca_bundle)
    report = run_selftest(
        demo_server=demo_server, server=server, allow_no_keyring=args.allow_no_keyring
    )
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.output is not None:
        try:
            args.output.write_text(text + "\n", encoding="utf-8")
        except OSError as err:
            print(f"lcc-apr: cannot write {args.output}: {err.strerror}.", file=sys.stderr)
            return EXIT_PROBLEM
    return EXIT_OK if report["ok"] else EXIT_PROBLEM


def _usage(message: str) -> int:
    print(f"lcc-apr selftest: {message}", file=sys.stderr)
    return EXIT_USAGE


def _exporter(store: Any, username: str | None) -> Any:
    """The person exporting: the store's signed-in person, else the user named (the demo
    store has nobody signed in). None, said on stderr, when there is no such person."""
    from sqlalchemy import select

    from lcc_apr.models import SyncState, User
    from lcc_apr.ops.user import CurrentUser

    with store.session() as session:
        state = session.get(SyncState, 1)
        signed_in = state.user_id if state is not None else None
        if username is not None:
            found = session.scalars(select(User).where(User.username == username)).first()
        else:
            found = session.get(User, signed_in) if signed_in is not None else None
        if found is None or (signed_in is not None and found.id != signed_in):
            print(
                "lcc-apr: say who exports with --user NAME (someone in this store; on a "
                "signed-in store, the person signed in).",
                file=sys.stderr,
            )
            return None
        return CurrentUser.from_user(found)


class _open:
    """Open the store named on the command line (the demo store by default)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.path = _demo_path(args)
        self.is_demo = args.store is None

    def __enter__(self):
        from lcc_apr.demo.build import open_demo_store
        from lcc_apr.store import StoreError, keys, open_store

        if not self.path.exists():
            raise StoreError(self.path, "There is no store here", "Run `lcc-apr demo` first.")
        backend = keys.secure_keyring()
        if self.is_demo:
            self.store = open_demo_store(self.path, keyring_backend=backend)
        else:
            self.store = open_store(self.path, keyring_backend=backend, ask_passphrase=_ask)
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def _ask(new: bool) -> str:
    """Ask for the store passphrase on the terminal (twice when choosing one)."""
    if not sys.stdin.isatty():
        return ""
    first = getpass.getpass("Passphrase for the local store: ")
    if new and getpass.getpass("Type it again: ") != first:
        print("The two passphrases differ.", file=sys.stderr)
        return ""
    return first


def _keyring_or_warn():
    from lcc_apr.store import keys

    backend = keys.secure_keyring()
    if backend is None:
        print(
            "No secure keyring on this machine: the demo store is encrypted with the "
            "published demo passphrase 'demo' (demo data only; real stores ask for yours).",
            file=sys.stderr,
        )
    return backend
