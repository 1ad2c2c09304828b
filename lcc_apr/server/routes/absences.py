"""GET /absences (the episodes the user may see, whole) and POST /absences (a laptop's
unsent episodes): lcc_apr.server.absences."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Response

from lcc_apr.attendance.policy import default_attendance_policy
from lcc_apr.sync.absencewire import AbsencePushBody, AbsencePushReply, AbsencesReply

from .. import absences as service
from ..deps import CurrentUser, DbSession, RoutePath, require_protocol
from ..errors import BODY, ERRORS, json_response

router = APIRouter(
    tags=["absences"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)


@router.get("/absences", response_class=Response, responses={200: {"model": AbsencesReply}})
def absences(user: CurrentUser, session: DbSession) -> Response:
    return json_response({"absences": service.visible(session, user.viewer)})


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
