"""GET /org: the visible part of the organisation."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from ..deps import CurrentUser, DbSession, require_protocol
from ..errors import json_response
from ..orgview import org_view
from ..schemas import ERRORS

router = APIRouter(
    tags=["org"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)


@router.get("/org", response_class=Response)
def org(user: CurrentUser, session: DbSession) -> Response:
    return json_response(org_view(session, user.viewer))
