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
from starlette.responses import Response
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
from cspadmin.web import session as sessions
from cspadmin.web import signing
from cspadmin.web.forms import read_form
from cspadmin.web.outcomes import Verdict, long_date, refused, verdict
from cspadmin.web.render import page
from cspadmin.web.signing import Entry


async def show(request: Request) -> Response:
    token = _token(request)
    session = sessions.current(request)
    if session is None:
        return signing.sign_in_page(entry(token))
    plane = state_of(request).plane
    view = await run_in_threadpool(partner_center.open_invitation, plane, session.caller, token)
    return _invitation_page(token, session, view, verdict(view))


async def sign_in(request: Request) -> Response:
    return await signing.sign_in(request, entry(_token(request)))


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
    return await signing.sign_out(request, entry(_token(request)))


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


def entry(token: str) -> Entry:
    return Entry(
        invitation_path(token),
        heading="Sign in to review a partner invitation",
        intro=(
            "A Microsoft Cloud Solution Provider has sent your organization an invitation. "
            "Sign in with your work account to see who the partner is and what it asks for. "
            "Only a Global Administrator of your organization can accept it."
        ),
        back="Back to the invitation",
    )


def entry_of(request: Request) -> Entry | None:
    """The invitation page a request is about, if it is about one."""
    token = request.path_params.get("token")
    return None if token is None else entry(str(token))


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
        already_reseller=view.already_reseller,
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
