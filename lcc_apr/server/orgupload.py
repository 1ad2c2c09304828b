"""The work behind POST /hr/org-import: the uploaded file into a private temporary folder,
the one import path (lcc_apr.server.orgrun.import_organisation, as the command line),
and what it said as the wire reply (lcc_apr.sync.orgwire.OrgImportReply).

Runs on the request's worker thread. The file is read from its bytes, whatever its
name; the name is kept (its last part only) for the reader's messages. The folder and
the file are gone when the request ends; nothing of the file is logged.
"""

from __future__ import annotations

import base64
import binascii
import re
import tempfile
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from lcc_apr.hr import ProfileError, ReadRefused
from lcc_apr.hr.planned import LEAVER_SHARE, Plan
from lcc_apr.sync.orgwire import OrgImportBody

from .context import ServerContext
from .errors import ApiError
from .orgimport import Applied
from .orgrun import ImportRun, import_organisation

HR_ONLY = "Only HR can import the organisation."
NOT_BASE64 = "The file's content is not valid base64; nothing was read."
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:]")


def upload_name(name: str) -> str:
    """The uploaded file's name as a plain file name: its last part, no control characters
    or separators; "upload" when nothing is left."""
    last = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return last[:200] or "upload"


def run_upload(ctx: ServerContext, body: OrgImportBody) -> tuple[ImportRun, dict[str, Any]]:
    """Import (or dry-run) the uploaded file; returns the run and the reply.

    ApiError 422 `unreadable` when the file or the profile cannot be used (the reader's
    plain message), 422 `bad_content` for content that is not base64, 409
    `import_refused` when the apply is refused (nothing was changed)."""
    try:
        content = base64.b64decode(body.content, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, NOT_BASE64, code="bad_content") from None
    with tempfile.TemporaryDirectory(prefix="lcc-apr-import-") as folder:
        path = Path(folder) / upload_name(body.file_name)
        path.write_bytes(content)
        del content
        try:
            run = import_organisation(
                ctx.engine,
                path,
                profile=body.profile,
                sheet=body.sheet,
                as_of=body.as_of or date.today(),
                complete=body.complete,
                dry_run=body.dry_run,
                confirm_leavers=body.confirm_leavers,
                indirect_reports=ctx.settings.indirect_reports,
                expect=body.expect,
            )
        except (ReadRefused, ProfileError) as err:
            raise ApiError(422, str(err), code="unreadable") from None
    if run.refused is not None:
        raise ApiError(409, run.refused, code="import_refused")
    return run, report_wire(run.plan, run.applied)


def report_wire(plan: Plan, applied: Applied | None) -> dict[str, Any]:
    """The plan (and what was applied) as an OrgImportReply's dict."""
    reading = plan.reading
    return {
        "file": reading.file,
        "profile": reading.profile,
        "sheet": reading.sheet,
        "encoding": reading.encoding,
        "rows": len(reading.rows),
        "as_of": plan.as_of,
        "complete": plan.complete,
        "staff": plan.staff,
        "new_people": len({a.payroll for a in plan.adds if a.new_person}),
        "ignored": len(plan.ignored),
        "needs_confirmation": plan.needs_confirmation,
        "leaver_share": LEAVER_SHARE,
        "digest": plan.digest(),
        "skipped": [asdict(s) for s in reading.skipped],
        "adds": [asdict(a) for a in plan.adds],
        "changes": [asdict(c) for c in plan.changes],
        "leavers": [
            {
                "payroll": leaver.payroll,
                "name": leaver.name,
                "leaving_date": leaver.leaving_date,
                "row": leaver.row,
                "open_items": [asdict(i) for i in leaver.open_items],
            }
            for leaver in plan.leavers
        ],
        "movers": [{k: v for k, v in asdict(m).items() if k != "employee_id"} for m in plan.movers],
        "accounts": [asdict(a) for a in plan.accounts],
        "errors": [asdict(p) for p in plan.errors],
        "applied": None
        if applied is None
        else {
            "adds": applied.adds,
            "changes": applied.changes,
            "movers": applied.movers,
            "leavers": len(applied.leavers),
            "accounts": applied.accounts,
            "scope_events": applied.scope_events,
        },
    }
