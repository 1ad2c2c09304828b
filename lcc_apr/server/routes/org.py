"""GET /org: the visible part of the organisation."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from lcc_apr.sync.protocol import OrgReply

from ..deps import CurrentUser, DbSession, require_protocol
from ..errors import ERRORS, json_response
from ..orgview import org_view

router = APIRouter(
    tags=["org"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)


@router.get("/org", response_class=Response, responses={200: {"model": OrgReply}})
def org(user: CurrentUser, session: DbSession) -> Response:
    return json_response(org_view(session, user.viewer))
