"""`lcc-apr-server`: serve, and the administrators' commands.

    lcc-apr-server [--config FILE] serve [--host H] [--port P] [--workers N]
    lcc-apr-server create-user USERNAME --role manager [--role hr] [--employee-id N]
                               [--display-name NAME] [--password-stdin]
    lcc-apr-server reset-password USERNAME [--password-stdin]
    lcc-apr-server disable-user USERNAME | enable-user USERNAME
    lcc-apr-server unlink-sso USERNAME | --all
    lcc-apr-server move-employee EMPLOYEE_ID --manager N|none
    lcc-apr-server org-import FILE [--profile NAME] [--sheet NAME] [--as-of YYYY-MM-DD]
                              [--dry-run] [--complete] [--confirm-leavers]
    lcc-apr-server demo [--size N | --small] [--seed S] [--as-of YYYY-MM-DD]
    lcc-apr-server migrate | new-epoch | check-config | ready-cache [--if-stale]
    lcc-apr-server init-ca [--replace]
    lcc-apr-server import-ca --cert FILE --key FILE [--key-password-stdin] [--replace]
    lcc-apr-server revoke-certificate --user USERNAME [--reason lost|left] [--serial HEX]
    lcc-apr-server backup ARCHIVE [--passphrase-file FILE]
    lcc-apr-server restore ARCHIVE [--passphrase-file FILE] [--force]
    lcc-apr-server retention due|confirm|hold|release|holds ... | check  (cli_retention)
    lcc-apr-server timestamps [--limit N]  (cli_timestamps)
    lcc-apr-server absence-import FILE [--profile NAME] [--dry-run]  (cli_absences)

The backup passphrase comes from --passphrase-file, else LCC_APR_BACKUP_PASSPHRASE, else
a prompt; never from the command line.

`serve --workers N` (or the `workers` setting) runs N server processes on one port (uvicorn's
workers); each builds its app with `worker_app` from the same settings (the file's path
passes to them in LCC_APR_SERVE_CONFIG) and has its own database pool.

`serve` refuses to run as root (unless `allow_root`, for test machines only). `migrate`
takes a PostgreSQL advisory lock, so replicas starting together migrate once.
`check-config` prints the effective settings, secrets masked.

Exit codes: 0 done, 1 refused (the message says why), 2 wrong usage. Messages
never contain passwords or personal data beyond the username typed.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lcc_apr.models import Role

from . import (
    accounts,
    audit,
    cli_absences,
    cli_ca,
    cli_retention,
    cli_timestamps,
    ready_cache,
    sequence,
)
from .ca import AuthorityError
from .db import make_engine, prepare_database
from .security import Passwords
from .settings import ServerSettings, effective, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
MIN_PASSWORD = 12
PASSPHRASE_ENV = "LCC_APR_BACKUP_PASSPHRASE"
CONFIG_ENV = "LCC_APR_SERVE_CONFIG"  # the settings file, for the workers of `serve`
WORKER_APP = "lcc_apr.server.cli:worker_app"


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lcc-apr-server", description="The LCC APR sync server.")
    p.add_argument("--config", type=Path, help="TOML settings file (LCC_APR_SERVER_* override it)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=_at_least_one, help="server processes (default 1)")
    create = sub.add_parser("create-user", help="add a user and their account")
    create.add_argument("username")
    create.add_argument("--employee-id", type=int)
    create.add_argument("--display-name")
    create.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    create.add_argument("--password-stdin", action="store_true")
    reset = sub.add_parser("reset-password", help="set a new password; ends the user's sessions")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    for name, text in (
        ("disable-user", "end a user's sessions and refuse them everywhere"),
        ("enable-user", "let a disabled user sign in again"),
    ):
        sub.add_parser(name, help=text).add_argument("username")
    unlink = sub.add_parser("unlink-sso", help="forget the council account linked to a user")
    who = unlink.add_mutually_exclusive_group(required=True)
    who.add_argument("username", nargs="?")
    who.add_argument("--all", action="store_true", help="every user (a new sign-in service)")
    move = sub.add_parser("move-employee", help="give someone a new line manager")
    move.add_argument("employee_id", type=int)
    move.add_argument("--manager", required=True, help="the new manager's employee id, or none")
    org = sub.add_parser("org-import", help="the organisation from an HR system's export")
    org.add_argument("file", type=Path, help="CSV or XLSX")
    org.add_argument("--profile", default="generic", help="the HR system's profile")
    org.add_argument("--sheet", help="the sheet to read, when several could be")
    org.add_argument("--as-of", type=date.fromisoformat, help="the file's date (default today)")
    org.add_argument("--dry-run", action="store_true", help="report what would change, only")
    org.add_argument("--complete", action="store_true", help="anyone not in the file leaves")
    org.add_argument(
        "--confirm-leavers", action="store_true", help="apply even if over 5%% of staff leave"
    )
    demo = sub.add_parser("demo", help="load the demo organisation (password 'demo')")
    demo.add_argument("--size", type=int, help="number of employees (default 6087)")
    demo.add_argument("--small", action="store_true", help="50 employees")
    demo.add_argument("--seed", type=int, default=2020)
    demo.add_argument("--as-of", type=date.fromisoformat, help="the demo's today")
    sub.add_parser("migrate", help="create or upgrade the database tables")
    sub.add_parser("check-config", help="print the effective settings, secrets masked")
    sub.add_parser("new-epoch", help="every client checks all it holds (restore does this)")
    made = sub.add_parser("ready-cache", help="build HR's ready-made cache (serve does when stale)")
    made.add_argument("--if-stale", action="store_true", help="only when the last one is stale")
    cli_ca.add_parsers(sub)  # init-ca, import-ca, protect-ca-key
    revoke = sub.add_parser("revoke-certificate", help="revoke a user's signing certificates")
    revoke.add_argument("--user", required=True, help="the username")
    revoke.add_argument("--reason", choices=["lost", "left"], default="lost")
    revoke.add_argument("--serial", help="only this certificate (hex serial)")
    for name, text in (
        ("backup", "seal the database, signing authority and settings into one archive"),
        ("restore", "put a backup back; the server gets a new epoch (stop it first)"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("archive", type=Path)
        command.add_argument(
            "--passphrase-file", type=Path, help="its first line is the passphrase"
        )
    restore = sub.choices["restore"]
    restore.add_argument(
        "--force",
        action="store_true",
        help="replace a database holding data, and files that differ",
    )
    cli_retention.add_parsers(sub)
    cli_timestamps.add_parsers(sub)
    cli_absences.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "restore":  # the archive may hold the settings file itself
        return _reporting(lambda: cmd_restore(args))
    try:
        settings = load_settings(args.config)
    except (FileNotFoundError, ValueError) as err:
        print(f"lcc-apr-server: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "serve":
        return serve(settings, args)
    if args.command == "check-config":
        print("\n".join(effective(settings)))
        return EXIT_OK
    if args.command == "backup":  # reads the database, never migrates it
        return _reporting(lambda: cmd_backup(settings, args))
    engine = make_engine(settings.database_url)
    try:
        migrated = prepare_database(engine)
        if args.command == "migrate":
            print(
                "Migrated the " + "; the ".join(migrated)
                if migrated
                else "The database is up to date."
            )
            return EXIT_OK
        return COMMANDS[args.command](settings, engine, args)
    except (accounts.AccountError, AuthorityError, ValueError) as err:
        print(f"lcc-apr-server: {err}", file=sys.stderr)
        return EXIT_PROBLEM
    finally:
        engine.dispose()


def _reporting(command: Callable[[], int]) -> int:
    from .backup import BackupError

    try:
        return command()
    except (BackupError, ValueError) as err:
        print(f"lcc-apr-server: {err}", file=sys.stderr)
        return EXIT_PROBLEM


def _passphrase(args: argparse.Namespace, *, new: bool) -> str:
    """The backup passphrase: --passphrase-file, LCC_APR_BACKUP_PASSPHRASE, or asked."""
    if args.passphrase_file is not None:
        try:
            passphrase = args.passphrase_file.read_text().splitlines()[0]
        except (OSError, IndexError):
            raise ValueError(f"No passphrase could be read from {args.passphrase_file}.") from None
    elif os.environ.get(PASSPHRASE_ENV):
        passphrase = os.environ[PASSPHRASE_ENV]
    else:
        passphrase = getpass.getpass("Backup passphrase: ")
        if new and getpass.getpass("Again: ") != passphrase:
            raise ValueError("The two passphrases differ; nothing was written.")
    if new and len(passphrase) < MIN_PASSWORD:
        raise ValueError(f"A backup passphrase needs at least {MIN_PASSWORD} characters.")
    return passphrase


def cmd_backup(settings: ServerSettings, args: argparse.Namespace) -> int:
    from .backup import make_backup

    summary = make_backup(settings, args.archive, _passphrase(args, new=True), config=args.config)
    held = ", ".join(["the database", *summary.files])
    counts = f" ({summary.users} users, {summary.records} records)" if summary.users else ""
    size = args.archive.stat().st_size / 1e6
    print(
        f"Backed up {held} of the {summary.backend} server{counts}: {args.archive}, {size:.1f} MB."
    )
    print("Keep the passphrase apart from the archive: without it nothing can be restored.")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from .backup import restore_backup

    summary = restore_backup(
        args.archive, _passphrase(args, new=False), config=args.config, force=args.force
    )
    print(
        f"Restored the {summary.backend} database backed up at {summary.made_at}: "
        f"{summary.users} users, {summary.records} records."
    )
    for path in summary.files:
        print(f"Put back {path}.")
    for note in summary.notes:
        print(note)
    print(
        f"New epoch {summary.epoch}: laptops will pull everything again, keep their unsent "
        "changes and send back what the server lost. Start the server."
    )
    return EXIT_OK


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            raise ValueError("The two passwords differ; nothing was changed.")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"A password needs at least {MIN_PASSWORD} characters.")
    return password


def cmd_create_user(settings: ServerSettings, engine, args: argparse.Namespace) -> int:
    password_hash = Passwords(settings).hash(_password(args))
    with Session(engine) as session, session.begin():
        user = accounts.create_user(
            session,
            username=args.username,
            password_hash=password_hash,
            roles=[Role(r) for r in args.role],
            employee_id=args.employee_id,
            display_name=args.display_name,
        )
        session.flush()
        print(f"Created user {args.username!r} (id {user.id}).")
    return EXIT_OK


def cmd_reset_password(settings: ServerSettings, engine, args: argparse.Namespace) -> int:
    password_hash = Passwords(settings).hash(_password(args))
    with Session(engine) as session, session.begin():
        accounts.set_password(session, accounts.find_user(session, args.username), password_hash)
    print(f"New password set for {args.username!r}; their sessions have ended.")
    return EXIT_OK


def cmd_disable_user(settings: ServerSettings, engine, args: argparse.Namespace) -> int:
    with Session(engine) as session, session.begin():
        revoked = accounts.disable_user(session, accounts.find_user(session, args.username))
    print(
        f"Disabled {args.username!r}; their sessions have ended and {revoked} signing "
        "certificate(s) were revoked."
    )
    return EXIT_OK


def cmd_enable_user(settings: ServerSettings, engine, args: argparse.Namespace) -> int:
    with Session(engine) as session, session.begin():
        accounts.enable_user(session, accounts.find_user(session, args.username))
    print(f"Enabled {args.username!r}.")
    return EXIT_OK


def cmd_unlink_sso(settings: ServerSettings, engine, args: argparse.Namespace) -> int:
    with Session(engine) as session, session.begin():
        if args.all:
            users = accounts.linked_users(session)
        else:
            users = [accounts.find_user(session, args.username)]
        unlinked = accounts.unlink_sso(session, users)
        for user_id in unlinked:
            audit.add(session, user_id, "sso_link", "cli:unlink-sso", "unlinked")
    if args.all:
        print(f"Unlinked {len(unlinked)} user(s) from their council accounts.")
    elif unlinked:
        print(f"Unlinked {args.username!r}: their next council sign-in links that account.")
    else:
        print(f"{args.username!r} was not linked to a council account; nothing changed.")
    return EXIT_OK


def cmd_move_employee(settings: ServerSettings, engine, args: argparse.Namespace) -> int:
    from .org import OrgError, move_employee

    manager = None if args.manager.lower() == "none" else int(args.manager)
    try:
        with Session(engine) as session, session.begin():
            events = move_employee(
                session, args.employee_id, manager, indirect_reports=settings.indirect_reports
            )
    except OrgError as err:
        raise ValueError(str(err)) from None
    print(f"Moved employee {args.employee_id}: {len(events)} scope change(s) recorded.")
    return EXIT_OK


def cmd_org_import(settings: ServerSettings, engine, args: argparse.Namespace) -> int:
    """The dry run's report; then, without --dry-run and with no errors, the import applied
    in one transaction (lcc_apr.server.orgrun, the route's path too)."""
    from lcc_apr.hr import ProfileError, ReadRefused
    from lcc_apr.hr.dryrun import plan_lines

    from .orgrun import applied_words, import_organisation

    try:
        run = import_organisation(
            engine,
            args.file,
            profile=args.profile,
            sheet=args.sheet,
            as_of=args.as_of or date.today(),
            complete=args.complete,
            dry_run=args.dry_run,
            confirm_leavers=args.confirm_leavers,
            indirect_reports=settings.indirect_reports,
        )
    except (ReadRefused, ProfileError) as err:
        raise ValueError(str(err)) from None
    print("\n".join(plan_lines(run.plan)))
    if run.plan.errors:
        print("Nothing was applied: correct the errors in the file first.")
        return EXIT_PROBLEM
    if run.refused is not None:
        raise ValueError(run.refused)
    if run.applied is None:
        print("Dry run: nothing was applied.")
        return EXIT_OK
    print(applied_words(run.applied))
    return EXIT_OK


def cmd_demo(settings: ServerSettings, engine, args: argparse.Namespace) -> int:
    from lcc_apr.demo import format_summary
    from lcc_apr.demo.build import FULL_SIZE, SMALL_SIZE

    from .demo import DemoError, load_server_demo

    size = args.size or (SMALL_SIZE if args.small else FULL_SIZE)
    try:
        summary = load_server_demo(
            engine,
            Passwords(settings),
            size=size,
            seed=args.seed,
            as_of=args.as_of or date.today(),
        )
    except DemoError as err:
        raise ValueError(str(err)) from None
    print(format_summary(summary))
    print("Every demo account's password is 'demo'.")
    _authority_ready(settings, engine)
    return EXIT_OK


def cmd_new_epoch(settings: ServerSettings, engine, args: argparse.Namespace) -> int:
    with Session(engine) as session, session.begin():
        sequence.new_epoch(session)
    print("New epoch set: every client will pull everything again (keeping unsent changes).")
    return EXIT_OK


def _authority_ready(settings: ServerSettings, engine) -> None:
    """The signing authority, made the first time (serve, demo)."""
    cli_ca.authority_ready(settings, engine)


def cmd_revoke_certificate(settings: ServerSettings, engine, args: argparse.Namespace) -> int:
    from .ca import revoke_certificates

    with Session(engine) as session, session.begin():
        user = accounts.find_user(session, args.user)
        count = revoke_certificates(session, user.id, args.reason, serial=args.serial)
    if count == 0:
        print(f"{args.user!r} has no signing certificate in force to revoke.")
        return EXIT_PROBLEM
    print(
        f"Revoked {count} signing certificate(s) of {args.user!r} ({args.reason}); "
        "signatures made with them from now on are refused."
    )
    return EXIT_OK


COMMANDS = {
    "ready-cache": ready_cache.cmd_ready_cache,
    "create-user": cmd_create_user,
    "reset-password": cmd_reset_password,
    "disable-user": cmd_disable_user,
    "enable-user": cmd_enable_user,
    "unlink-sso": cmd_unlink_sso,
    "move-employee": cmd_move_employee,
    "org-import": cmd_org_import,
    "demo": cmd_demo,
    "new-epoch": cmd_new_epoch,
    "init-ca": cli_ca.cmd_init_ca,
    "import-ca": cli_ca.cmd_import_ca,
    "protect-ca-key": cli_ca.cmd_protect_ca_key,
    "revoke-certificate": cmd_revoke_certificate,
    **cli_retention.COMMANDS,
    **cli_timestamps.COMMANDS,
    **cli_absences.COMMANDS,
}


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(settings: ServerSettings, args: argparse.Namespace) -> int:
    import uvicorn

    if os.geteuid() == 0 and not settings.allow_root:
        print(
            "lcc-apr-server: refusing to serve as root: run it as its own system user "
            "(installer/server/lcc-apr-server.service does).",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    behind_proxy = settings.forwarded_allow_ips is not None
    if not (settings.tls or behind_proxy or settings.allow_plain_http or _loopback(host)):
        print(
            "lcc-apr-server: refusing to serve personal data over plain HTTP on "
            f"{host}: set tls_cert_file and tls_key_file, or forwarded_allow_ips when a TLS "
            "proxy sits in front, or allow_plain_http to insist.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    _log_to_stderr(settings)
    workers = args.workers or settings.workers
    engine = make_engine(settings.database_url)
    try:
        prepare_database(engine)
        cli_ca.unlock_at_start(settings)
        _authority_ready(settings, engine)
        _check_connections(settings, engine, workers)
    except AuthorityError as err:
        print(f"lcc-apr-server: {err}", file=sys.stderr)
        return EXIT_PROBLEM
    finally:
        engine.dispose()
    if args.config is not None:  # the workers read the same file (and environment)
        os.environ[CONFIG_ENV] = str(args.config.resolve())
    else:
        os.environ.pop(CONFIG_ENV, None)
    uvicorn.run(
        WORKER_APP,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        ssl_certfile=str(settings.tls_cert_file) if settings.tls else None,
        ssl_keyfile=str(settings.tls_key_file) if settings.tls else None,
        proxy_headers=behind_proxy,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level=settings.log_level,
        server_header=False,
    )
    return EXIT_OK


def worker_app() -> FastAPI:
    """One server process's app (uvicorn calls it in each worker of `serve`): the settings
    file `serve` was given, then the environment. The database is already prepared."""
    from .app import create_app

    config = os.environ.get(CONFIG_ENV)
    settings = load_settings(Path(config) if config else None)
    _log_to_stderr(settings)
    return create_app(settings, serving=Path(config) if config else True)


def _log_to_stderr(settings: ServerSettings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s"
    )


def _check_connections(settings: ServerSettings, engine: Engine, workers: int) -> None:
    """Warn when the workers' pools together may ask PostgreSQL for more connections than
    it allows (each worker: pool_size, and twice as many more when busy)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        allowed = int(connection.exec_driver_sql("SHOW max_connections").scalar_one())
    wanted = workers * 3 * settings.pool_size
    if wanted > allowed:
        print(
            f"lcc-apr-server: warning: {workers} worker(s) may open {wanted} database "
            f"connections but PostgreSQL allows {allowed}: lower pool_size or raise "
            "max_connections.",
            file=sys.stderr,
        )
