"""GET /health, /ready and /version: open to anyone, no token, no personal data.

/health is liveness (the process answers); /ready is readiness (the database answers and
its tables are at this version's newest revisions: 503 until then, e.g. before `migrate`).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lcc_apr import __version__
from lcc_apr.sync.accountwire import VersionReply
from lcc_apr.sync.protocol import MIN_PROTOCOL, PROTOCOL

from .. import sequence
from ..db import is_current
from ..deps import Ctx, DbSession
from ..errors import RETRY_AFTER

router = APIRouter(tags=["meta"])
NOT_READY = "The database does not answer, or is not migrated to this version."
READY_RETRY_SECONDS = 5  # a replica starting up: ask again soon


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    responses={
        503: {
            "description": NOT_READY,
            "content": {"application/json": {}},
            "headers": RETRY_AFTER,
        }
    },
)
def ready(ctx: Ctx) -> JSONResponse:
    if is_current(ctx.engine):
        return JSONResponse({"status": "ready"})
    return JSONResponse(
        {"status": "not ready", "detail": NOT_READY},
        status_code=503,
        headers={"Retry-After": str(READY_RETRY_SECONDS)},
    )


@router.get("/version", response_model=VersionReply)
def version(ctx: Ctx, session: DbSession) -> dict[str, object]:
    return {
        "server_version": __version__,
        "protocol": PROTOCOL,
        "min_protocol": MIN_PROTOCOL,
        "templates": sorted(ctx.catalogue.templates),
        "epoch": sequence.epoch(session),
    }
