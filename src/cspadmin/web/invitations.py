"""The invitation pages: the link a partner sends, signing in, accepting, signing out.

    GET  /invitations/{token}            signed out: the sign-in form, and nothing else
                                         signed in: who asks for what, and Accept (200),
                                         or why the user cannot accept (403, 400)
    POST /invitations/{token}/sign-in    user name and password, by the token service's rules
    POST /invitations/{token}/accept     the session's CSRF token; the accepted page (200)
    POST /invitations/{token}/sign-out   the session's CSRF token

Before sign-in nothing is looked up, so the link answers the same whether it is genuine or
forged: its secret only counts together with a customer account. A forged link is 404 once
signed in. The accept is recorded in the activity log exactly as the API's is: named by the
token's hash before anything is checked, by the invitation once it is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from cspadmin.api.activity import note_caller, note_operation
from cspadmin.api.partnercenter.invitations import ACCEPT
from cspadmin.api.state import state_of
from cspadmin.authz.decision import Caller
from cspadmin.domain.invitations import Invitation, token_hash
from cspadmin.domain.relationships import RelationshipState, ResellerRelationship
from cspadmin.services import partner_center
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.partner_center import (
    GlobalAdministratorRequired,
    InvitationRefused,
    InvitationView,
)
from cspadmin.services.tokens import SignInError, sign_in_user
from cspadmin.web import session as sessions
from cspadmin.web.forms import read_form
from cspadmin.web.outcomes import Verdict, long_date, refused, verdict
from cspadmin.web.render import HEADERS, page


async def show(request: Request) -> Response:
    token = _token(request)
    session = sessions.current(request)
    if session is None:
        return sign_in_page(token)
    plane = state_of(request).plane
    view = await run_in_threadpool(partner_center.open_invitation, plane, session.caller, token)
    return _invitation_page(token, session, view, verdict(view))


async def sign_in(request: Request) -> Response:
    token = _token(request)
    form = await read_form(request)
    username = form.get("username", "").strip()
    state = state_of(request)
    plane = state.plane
    try:
        identity = await run_in_threadpool(
            sign_in_user, plane.database, plane.engine, None, username, form.get("password", "")
        )
    except SignInError as error:
        return sign_in_page(token, username=username, error=error.message, status=error.status)
    note_caller(request, identity.object_id, identity.name, identity.tenant.id)
    response = RedirectResponse(invitation_path(token), status_code=303, headers=HEADERS)
    sessions.start(response, state, identity)
    return response


async def accept(request: Request) -> Response:
    token = _token(request)
    note_operation(request, ACCEPT, f"/invitations/{token_hash(token)}")
    session = sessions.verified(request, await read_form(request))
    note_caller(request, session.object_id, session.user_principal_name, session.tenant_id)
    plane = state_of(request).plane
    view, result = await run_in_threadpool(_accept, plane, session.caller, token)
    if isinstance(result, Verdict):
        return _invitation_page(token, session, view, result)
    invitation = result.invitation
    note_operation(
        request, ACCEPT, f"/partners/{invitation.partner_tenant_id}/invitations/{invitation.id}"
    )
    return page(
        "accepted.html",
        session=session,
        partner=view.partner,
        customer=view.customer,
        active=result.relationship.state is RelationshipState.ACTIVE,
        delegated=result.relationship.grants_delegated_access,
        already=result.already,
        accepted_on=long_date(invitation.accepted_at or view.now),
        path=invitation_path(token),
    )


async def sign_out(request: Request) -> Response:
    token = _token(request)
    form = await read_form(request)
    if sessions.current(request) is not None:
        sessions.verified(request, form)
    response = RedirectResponse(invitation_path(token), status_code=303, headers=HEADERS)
    sessions.end(response)
    return response


ROUTES = [
    Route("/invitations/{token}", show, methods=["GET"]),
    Route("/invitations/{token}/sign-in", sign_in, methods=["POST"]),
    Route("/invitations/{token}/accept", accept, methods=["POST"]),
    Route("/invitations/{token}/sign-out", sign_out, methods=["POST"]),
]


@dataclass(frozen=True, slots=True)
class _Accepted:
    invitation: Invitation
    relationship: ResellerRelationship
    already: bool
    """Accepted before, by this organization: accepting again changed nothing."""


def _accept(
    plane: ControlPlane, caller: Caller, token: str
) -> tuple[InvitationView, _Accepted | Verdict]:
    view = partner_center.open_invitation(plane, caller, token)
    already = verdict(view).accepted_at is not None
    try:
        invitation, relationship = partner_center.accept_invitation(plane, caller, token)
    except (GlobalAdministratorRequired, InvitationRefused) as error:
        return view, refused(error)
    return view, _Accepted(invitation, relationship, already)


def sign_in_page(
    token: str, *, username: str = "", error: str | None = None, status: int = 200
) -> Response:
    return page(
        "sign_in.html",
        status,
        path=invitation_path(token),
        username=username,
        error=error,
        session=None,
    )


def _invitation_page(
    token: str, session: sessions.Session, view: InvitationView, verdict: Verdict
) -> Response:
    return page(
        "invitation.html",
        verdict.status,
        session=session,
        partner=view.partner,
        customer=view.customer,
        dap=view.invitation.dap,
        expires_on=long_date(view.invitation.expires_at),
        verdict=verdict,
        accepted_on=long_date(verdict.accepted_at) if verdict.accepted_at else None,
        path=invitation_path(token),
    )


def _token(request: Request) -> str:
    return str(request.path_params["token"])


def invitation_path(token: str) -> str:
    """The invitation page's path; the token is quoted, as a forged one may hold anything."""
    return "/invitations/" + quote(token, safe="")
