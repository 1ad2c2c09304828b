"""POST /certificates (a signing certificate for the user's key), GET /certificates/trust
and GET /certificates/crl (the authority's revocation list, DER)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from lcc_apr.models import User
from lcc_apr.signing.certs import CertificateError, b64, unb64
from lcc_apr.sync.accountwire import CertificateBody, CertificateReply, TrustReply

from .. import audit
from ..ca import AuthorityLocked, EnrolmentRefused, issue_certificate, trust_reply
from ..context import ServerContext
from ..crl import CRL_TYPE, current_crl, trusted_time_reply
from ..deps import Ctx, CurrentUser, DbSession, RoutePath, require_protocol
from ..errors import ERRORS, ApiError, documented

router = APIRouter(
    prefix="/certificates",
    tags=["signing"],
    dependencies=[Depends(require_protocol)],
    responses=ERRORS,
)

NO_AUTHORITY = (
    "The server has no signing authority yet, so it cannot issue signing certificates: "
    "ask IT to run 'lcc-apr-server init-ca'."
)


def _authority(ctx: ServerContext):
    try:
        authority = ctx.authority.get()
    except AuthorityLocked as locked:
        raise ApiError(503, _refused(locked), code=locked.code) from None
    if authority is None:
        raise ApiError(503, NO_AUTHORITY, code="no_authority")
    return authority


def _refused(locked: AuthorityLocked) -> str:
    return f"The server cannot issue signing certificates now: {locked.reason}"


@router.post(
    "",
    response_model=CertificateReply,
    responses=documented(400, 409, 503),
)
def request_certificate(
    body: CertificateBody, ctx: Ctx, user: CurrentUser, session: DbSession, route: RoutePath
) -> dict[str, object]:
    authority = _authority(ctx)
    person = session.get(User, user.user_id)
    assert person is not None
    try:
        csr = unb64(body.csr)
        row = issue_certificate(session, authority, person, csr, settings=ctx.settings)
    except AuthorityLocked as locked:  # the HSM went away or refused
        session.rollback()
        ctx.authority.forget()
        raise ApiError(503, _refused(locked), code=locked.code) from None
    except CertificateError:
        raise ApiError(400, "The signing request is not valid base64.", code="bad_csr") from None
    except EnrolmentRefused as refusal:
        session.rollback()
        audit.write(ctx.engine, user.user_id, "certificate", route, f"refused:{refusal.code}")
        status = 400 if refusal.code == "bad_csr" else 409
        raise ApiError(status, refusal.reason, code=refusal.code) from None
    reply = {
        "certificate": b64(row.certificate),
        "serial": row.serial,
        "not_after": row.not_after.isoformat(),
        "user_id": row.user_id,
    }
    audit.add(session, user.user_id, "certificate", route, "issued")
    session.commit()
    return reply


@router.get("/trust", response_model=TrustReply)
def trust(ctx: Ctx, user: CurrentUser, session: DbSession) -> dict[str, object]:
    reply = trust_reply(session, ctx.authority.certificate())
    reply.update(trusted_time_reply(ctx, session))
    return reply


@router.get(
    "/crl",
    response_class=Response,
    responses={
        200: {"content": {CRL_TYPE: {}}, "description": "The CRL, DER"},
        **documented(503),
    },
)
def crl(ctx: Ctx, user: CurrentUser, session: DbSession) -> Response:
    der = current_crl(ctx, session)
    if der is None:
        raise ApiError(503, NO_AUTHORITY, code="no_authority")
    return Response(der, media_type=CRL_TYPE, headers={"Cache-Control": "no-store"})
