"""create_app(settings): the FastAPI application, built fresh each call (no module state)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from lcc_apr import __version__

from . import ready_cache, retention, timestamp_job
from .busy import Busy
from .context import ServerContext
from .db import make_engine
from .deps import document_protocol
from .errors import EVERYWHERE, NoStore, SafeErrors, install_handlers
from .gate import LimitBody, SignedInFirst
from .routes import absences, auth, certificates, hr, hr_audit, meta, mi, org, sso, sync
from .routes import retention as retention_routes
from .settings import ServerSettings

DESCRIPTION = """The LCC APR sync server: sign-in, the organisation, record sync, HR's
organisation import, and management information for HR and managers.

Every request but /health and /version carries `LCC-APR-Protocol: 1`; every route
but /health, /version, /auth/login, /auth/refresh and /auth/sso (single sign-on) needs a
bearer token.
See docs/sync-protocol.md."""


def create_app(
    settings: ServerSettings, engine: Engine | None = None, *, serving: Path | bool = False
) -> FastAPI:
    """The app for `settings`; pass `engine` to share one (tests), else one is made.
    `serving`: run by `serve` (True, or the settings file it was given), which also builds
    HR's ready-made cache when stale (lcc_apr.server.ready_cache).

    The database must already be prepared (lcc_apr.server.db.prepare_database).
    """
    owns_engine = engine is None
    engine = engine or make_engine(settings.database_url, pool_size=settings.pool_size)
    ctx = ServerContext.build(settings, engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        jobs = [
            asyncio.create_task(retention.daily(engine)),  # lists what is due; purges nothing
            asyncio.create_task(timestamp_job.every_while_serving(settings, engine)),
        ]
        if serving and settings.ready_caches:
            config = serving if isinstance(serving, Path) else None
            jobs.append(asyncio.create_task(ready_cache.every_while_serving(config)))
        yield
        for job in jobs:
            job.cancel()
        if owns_engine:
            engine.dispose()

    app = FastAPI(
        title="LCC APR sync server",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=EVERYWHERE,
    )
    app.state.ctx = ctx
    install_handlers(app)
    document_protocol(app)
    routers = (
        meta.router,
        auth.router,
        sso.router,
        org.router,
        sync.router,
        certificates.router,
        hr.router,
        mi.router,
        retention_routes.router,
        hr_audit.router,
        absences.router,
    )
    for router in routers:
        app.include_router(router)
    app.add_middleware(SignedInFirst, tokens=ctx.tokens)
    app.add_middleware(LimitBody, most=settings.max_request_mb * 1024 * 1024)
    app.add_middleware(NoStore)
    busy = settings.busy_retry_seconds
    app.add_middleware(Busy, most=settings.in_flight_limit, retry_after=busy)
    app.add_middleware(SafeErrors, retry_after=busy)  # added last: the outermost
    return app
