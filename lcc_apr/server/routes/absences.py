"""GET /absences (the episodes the user may see: whole, or changed since the cursor a
newer laptop sends) and POST /absences (a laptop's unsent episodes): lcc_apr.server.absences."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.sync.absencewire import AbsencePushBody, AbsencePushReply, AbsencesReply
from lcc_apr.sync.protocol import MOST_NUMBER

from .. import absences as service
from ..deps import CurrentUser, DbSession, RoutePath, require_protocol
from ..errors import BODY, ERRORS, json_response

router = APIRouter(
    tags=["absences"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)


@router.get("/absences", response_class=Response, responses={200: {"model": AbsencesReply}})
def absences(
    user: CurrentUser,
    session: DbSession,
    cursor: Annotated[int | None, Query(ge=0, le=MOST_NUMBER)] = None,
    epoch: Annotated[str | None, Query(max_length=36)] = None,
    view: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    if cursor is None:  # an older laptop: the whole list, as it knows it
        return json_response({"absences": service.visible(session, user.viewer)})
    reply = service.changed_since(session, user.viewer, cursor=cursor, epoch=epoch, view=view)
    return json_response(reply)


@router.post(
    "/absences", response_class=Response, responses={200: {"model": AbsencePushReply}, **BODY}
)
def push_absences(
    body: AbsencePushBody, user: CurrentUser, session: DbSession, route: RoutePath
) -> Response:
    results = service.apply_pushed(
        session,
        user.viewer,
        body,
        route=route,
        today=date.today(),
        policy=default_attendance_policy(),
    )
    session.commit()
    return json_response({"results": results})
