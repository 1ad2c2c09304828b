"""GET /health and GET /version: open to anyone, no token, no personal data."""

from __future__ import annotations

from fastapi import APIRouter

from lcc_apr import __version__
from lcc_apr.sync.protocol import MIN_PROTOCOL, PROTOCOL, VersionReply

from .. import sequence
from ..deps import Ctx, DbSession

router = APIRouter(tags=["meta"])


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/version", response_model=VersionReply)
def version(ctx: Ctx, session: DbSession) -> dict[str, object]:
    return {
        "server_version": __version__,
        "protocol": PROTOCOL,
        "min_protocol": MIN_PROTOCOL,
        "templates": sorted(ctx.catalogue.templates),
        "epoch": sequence.epoch(session),
    }
