"""`lcc-apr-server retention ...` and `lcc-apr-server check`: HR's retention commands.

    lcc-apr-server retention due [--as-of YYYY-MM-DD]
    lcc-apr-server retention confirm --by USERNAME RECORD_ID... [--yes] [--as-of YYYY-MM-DD]
    lcc-apr-server retention hold --by USERNAME (--employee N | --record ID) --reason CODE
    lcc-apr-server retention release --by USERNAME HOLD_ID
    lcc-apr-server retention holds
    lcc-apr-server check

`due` writes the due list (what HR reviews) and prints it; nothing is purged. `confirm`
purges the records named, once HR (--by, an HR user) has said yes: each is checked
again and a refused one is kept with its reason. Output names employee ids, never names.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lcc_apr.models import Role, UserRole, now_utc
from lcc_apr.retention import HOLD_REASONS
from lcc_apr.uk_time import uk_time

from . import accounts, retention
from .settings import ServerSettings

EXIT_OK, EXIT_PROBLEM = 0, 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("retention", help="records due under the retention rules; holds")
    inner = group.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    due = inner.add_parser("due", help="list (and record) what is due; purges nothing")
    confirm = inner.add_parser("confirm", help="purge records from the due list (HR)")
    confirm.add_argument("record_ids", nargs="+", metavar="RECORD_ID")
    confirm.add_argument("--yes", action="store_true", help="do not ask again")
    for command in (due, confirm):
        command.add_argument("--as-of", type=date.fromisoformat, help="today, for a rehearsal")
    hold = inner.add_parser("hold", help="place a legal hold on a person or a record")
    target = hold.add_mutually_exclusive_group(required=True)
    target.add_argument("--employee", type=int, help="the employee id")
    target.add_argument("--record", help="the record id")
    hold.add_argument("--reason", required=True, choices=sorted(HOLD_REASONS))
    release = inner.add_parser("release", help="release a legal hold")
    release.add_argument("hold_id", type=int)
    for command in (confirm, hold, release):
        command.add_argument("--by", required=True, help="the HR user's username")
    inner.add_parser("holds", help="list the legal holds in force")
    sub.add_parser("check", help="verify every record's history and the purges' tombstones")


def _today() -> date:
    return uk_time(now_utc())[0].date()


def _hr_user(session: Session, username: str) -> int:
    user = accounts.find_user(session, username)
    roles = set(session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)))
    if Role.HR not in roles:
        raise ValueError(f"{username!r} is not an HR user: only HR confirms purges and holds.")
    return user.id


def cmd_retention(settings: ServerSettings, engine: Engine, args: argparse.Namespace) -> int:
    action = args.retention_command
    with Session(engine) as session, session.begin():
        if action == "due":
            return _due(session, args.as_of or _today())
        if action == "holds":
            return _holds(session)
        user_id = _hr_user(session, args.by)
        try:
            if action == "hold":
                hold = retention.place_hold(
                    session, user_id, args.reason, employee_id=args.employee, record_id=args.record
                )
                print(f"Legal hold {hold.id} placed ({HOLD_REASONS[hold.reason]}).")
                return EXIT_OK
            if action == "release":
                retention.release_hold(session, args.hold_id, user_id)
                print(f"Legal hold {args.hold_id} released.")
                return EXIT_OK
        except retention.HoldError as err:
            print(f"lcc-apr-server: {err}", file=sys.stderr)
            return EXIT_PROBLEM
    return _confirm(engine, user_id, args, settings.purge_ledger())


def _due(session: Session, today: date) -> int:
    found = retention.list_due(session, today)
    if not found:
        print(f"Nothing is due under the retention rules on {today.isoformat()}.")
        return EXIT_OK
    for d in found:
        state = f"KEPT: {d.blocked}" if d.blocked else "may be purged"
        print(
            f"{d.record_id}  {d.kind.value:<11} employee {d.subject_id:<6} due "
            f"{d.due_on.isoformat()} ({d.rule})  {state}"
        )
    ready = sum(1 for d in found if not d.blocked)
    print(f"{len(found)} record(s) due, {ready} may be purged once HR confirms.")
    return EXIT_OK


def _holds(session: Session) -> int:
    found = retention.holds(session)
    for hold in found:
        target = f"employee {hold.employee_id}" if hold.employee_id else f"record {hold.record_id}"
        print(
            f"{hold.id:<5} {target}  {HOLD_REASONS.get(hold.reason, hold.reason)}  "
            f"placed {hold.placed_at:%Y-%m-%d} by user {hold.placed_by}"
        )
    print(f"{len(found)} legal hold(s) in force.")
    return EXIT_OK


def _confirm(engine: Engine, user_id: int, args: argparse.Namespace, ledger: Path) -> int:
    ids = list(dict.fromkeys(args.record_ids))
    if not args.yes:
        answer = input(f"Purge {len(ids)} record(s) for good, on every laptop too? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was purged.")
            return EXIT_OK
    with Session(engine) as session, session.begin():
        outcomes = retention.confirm(session, ids, user_id, args.as_of or _today(), ledger=ledger)
    for outcome in outcomes:
        print(
            f"{outcome.record_id}  " + ("purged" if outcome.purged else f"KEPT: {outcome.reason}")
        )
    purged = sum(o.purged for o in outcomes)
    print(f"Purged {purged} of {len(outcomes)} record(s).")
    return EXIT_OK if purged == len(outcomes) else EXIT_PROBLEM


def cmd_check(settings: ServerSettings, engine: Engine, args: argparse.Namespace) -> int:
    with Session(engine) as session:
        checked, problems = retention.check(session)
    for problem in problems:
        print(problem)
    print(f"Checked {checked:,} record histories and the purges: {len(problems)} problem(s).")
    return EXIT_OK if not problems else EXIT_PROBLEM


COMMANDS = {"retention": cmd_retention, "check": cmd_check}
