"""POST /sync/push, GET /sync/pull, GET /sync/snapshot, and GET /sync/digests, GET
/sync/hashes with POST /sync/records (a cache's check against the server). Replies are
orjson bytes (pages can be large); snapshot parts are zstd-compressed orjson."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import FileResponse
from pydantic import Field

from lcc_apr.sync.protocol import (
    FEED_END_HEADER,
    HASHES_LIMIT,
    MOST_NUMBER,
    RANGE_SIZE,
    SNAPSHOT_LIMIT,
    SNAPSHOT_TYPE,
    UUID_TEXT,
    DigestsReply,
    HashesPage,
    PullPage,
    PushBody,
    PushReply,
    RecordsBody,
    RecordsReply,
)
from lcc_apr.sync.readywire import ReadyCacheReply

from .. import evidence as evidence_service
from .. import pull as pull_service
from .. import push as push_service
from .. import ready_cache as ready_service
from .. import sequence
from .. import snapshot as snapshot_service
from ..deps import Ctx, CurrentUser, DbSession, RoutePath, require_protocol
from ..errors import BODY, ERRORS, ApiError, documented

Person = Annotated[int, Field(ge=0, le=MOST_NUMBER)]  # an employee id

router = APIRouter(
    prefix="/sync",
    tags=["sync"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)

JSON = "application/json"


@router.post("/push", response_class=Response, responses={200: {"model": PushReply}, **BODY})
def push(
    body: PushBody, ctx: Ctx, user: CurrentUser, session: DbSession, route: RoutePath
) -> Response:
    return Response(push_service.push(ctx, session, user, body, route), media_type=JSON)


@router.get("/pull", response_class=Response, responses={200: {"model": PullPage}})
def pull(
    ctx: Ctx,
    user: CurrentUser,
    session: DbSession,
    cursor: Annotated[int, Query(ge=0, le=MOST_NUMBER)] = 0,
    epoch: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int | None, Query(ge=1, le=MOST_NUMBER)] = None,
) -> Response:
    size = min(limit or ctx.settings.page_limit, ctx.settings.page_limit)
    reply = pull_service.pull(
        session,
        user.viewer,
        cursor=cursor,
        epoch=epoch,
        limit=size,
        indirect_reports=ctx.settings.indirect_reports,
    )
    end = str(sequence.committed_high(session))
    return Response(reply, media_type=JSON, headers={FEED_END_HEADER: end})


@router.get(
    "/snapshot",
    response_class=Response,
    responses={200: {"content": {SNAPSHOT_TYPE: {}}, "description": "One part (zstd JSON)"}},
)
def snapshot(
    ctx: Ctx,
    user: CurrentUser,
    session: DbSession,
    after: Annotated[str, Query(pattern=f"({UUID_TEXT})|^$", max_length=36)] = "",
    limit: Annotated[int | None, Query(ge=1, le=MOST_NUMBER)] = None,
    subjects: Annotated[list[Person] | None, Query(max_length=100_000)] = None,
) -> Response:
    """A part of the user's records now, after the record id `after`: a first sync's load;
    with `subjects`, only those about these people not yet shared with them (what HR's
    ready-made cache leaves out)."""
    body = snapshot_service.part(
        session,
        user.viewer,
        after=after,
        limit=min(limit or SNAPSHOT_LIMIT, SNAPSHOT_LIMIT),
        indirect_reports=ctx.settings.indirect_reports,
        subjects=None if subjects is None else (True, frozenset(subjects)),
    )
    return Response(body, media_type=SNAPSHOT_TYPE)


@router.get(
    "/ready-cache",
    response_class=Response,
    responses={200: {"model": ReadyCacheReply}, **documented(404)},
)
def ready_cache(
    ctx: Ctx,
    user: CurrentUser,
    session: DbSession,
    revision: Annotated[str, Query(min_length=1, max_length=40)],
) -> Response:
    """HR's ready-made cache for a cache of schema `revision`, with its key; 404 when
    none is offered to this user (lcc_apr.server.ready_cache says when)."""
    found = ready_service.offer(session, ctx.settings, user.viewer, revision)
    if found is None:
        raise ApiError(404, "No ready-made cache is offered to you.", code="no_ready_cache")
    reply = ReadyCacheReply.model_validate(
        {k: getattr(found, k) for k in ReadyCacheReply.model_fields}
    )
    return Response(reply.model_dump_json(), media_type=JSON)


@router.get(
    "/ready-cache/{cache_id}",
    response_class=FileResponse,
    responses={206: {"description": "The part of the file asked for"}, **documented(404)},
)
def ready_cache_file(
    ctx: Ctx,
    user: CurrentUser,
    session: DbSession,
    cache_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")],
    revision: Annotated[str, Query(min_length=1, max_length=40)],
) -> FileResponse:
    """The ready-made cache's file (encrypted), whole or by HTTP range."""
    found = ready_service.offer(session, ctx.settings, user.viewer, revision)
    if found is None or found.id != cache_id:
        raise ApiError(404, "That ready-made cache is no longer offered.", code="no_ready_cache")
    path = ready_service.path_of(ctx.settings, found)
    return FileResponse(path, media_type="application/octet-stream")


@router.get("/digests", response_class=Response, responses={200: {"model": DigestsReply}})
def digests(
    ctx: Ctx,
    user: CurrentUser,
    session: DbSession,
    size: Annotated[int | None, Query(ge=1, le=MOST_NUMBER)] = None,
) -> Response:
    """The digest of each range of `size` of the user's records now, in id order."""
    body = evidence_service.digests(
        session,
        user.viewer,
        size=min(size or RANGE_SIZE, HASHES_LIMIT),
        indirect_reports=ctx.settings.indirect_reports,
    )
    return Response(body, media_type=JSON)


@router.get("/hashes", response_class=Response, responses={200: {"model": HashesPage}})
def hashes(
    ctx: Ctx,
    user: CurrentUser,
    session: DbSession,
    after: Annotated[str, Query(pattern=f"({UUID_TEXT})|^$", max_length=36)] = "",
    upto: Annotated[str | None, Query(pattern=UUID_TEXT, max_length=36)] = None,
    limit: Annotated[int | None, Query(ge=1, le=MOST_NUMBER)] = None,
) -> Response:
    """The content hash of each of the user's records now, after the record id `after` (and
    up to `upto`, when given)."""
    body = evidence_service.hashes(
        session,
        user.viewer,
        after=after,
        upto=upto,
        limit=min(limit or HASHES_LIMIT, HASHES_LIMIT),
        indirect_reports=ctx.settings.indirect_reports,
    )
    return Response(body, media_type=JSON)


@router.post("/records", response_class=Response, responses={200: {"model": RecordsReply}, **BODY})
def records(body: RecordsBody, ctx: Ctx, user: CurrentUser, session: DbSession) -> Response:
    """The server's current copy of each record asked for that the user may see now."""
    reply = evidence_service.records(
        session, user.viewer, ids=body.ids, indirect_reports=ctx.settings.indirect_reports
    )
    return Response(reply, media_type=JSON)
