"""The customer's page for a GDAP relationship: the approval link a partner sends.

In Azure the partner sends the customer's Global Administrator the admin center page
`https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/{id}`.
A fragment never reaches a server, so locally the page is the fragment's path made a real
one (`services.gdap_approval.LOCAL_APPROVAL_PATH`), at the server's authority:

    GET  /partners/invitation/granularAdminRelationships/{id}
              signed out: the sign-in form, and nothing else
              signed in: the partner, the relationship's name, its duration and end date,
              auto-extend and each requested Entra role; Approve (200), or why the user
              cannot approve (403, 400; see `gdap_outcomes`); a relationship addressed
              to another organization 403, an unknown one 404
    POST …/{id}/sign-in    user name and password, by the token service's rules
    POST …/{id}/approve    the session's CSRF token; the approved page (200)
    POST …/{id}/sign-out   the session's CSRF token

Every rule is `services.gdap_approval`'s: who may approve, and which status allows it.
The approve is recorded in the activity log as the JSON endpoint's is
(`delegated_admin_approval`), with the signed-in user as its caller, refused ones too.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cspadmin.api.activity import note_caller, note_operation
from cspadmin.api.graph.delegated_admin_approval import OPERATION
from cspadmin.api.graph.delegated_admin_wire import RELATIONSHIPS_PATH
from cspadmin.api.state import state_of
from cspadmin.authz.decision import Caller
from cspadmin.domain.gdap import GdapStatus
from cspadmin.domain.gdap_lifecycle import GdapStatusConflict
from cspadmin.services import gdap_approval
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.gdap_approval import ApprovalView
from cspadmin.services.partner_center import GlobalAdministratorRequired
from cspadmin.web import gdap_outcomes as outcomes
from cspadmin.web import session as sessions
from cspadmin.web import signing
from cspadmin.web.forms import read_form
from cspadmin.web.gdap_outcomes import Verdict, refused, verdict
from cspadmin.web.outcomes import long_date
from cspadmin.web.render import page
from cspadmin.web.signing import Entry

PAGE = gdap_approval.LOCAL_APPROVAL_PATH.replace("{id}", "{relationship_id}")
PREFIX = PAGE.split("{", 1)[0]
"""`/partners/invitation/granularAdminRelationships/`: every path under it is a page's."""
APPROVE = f"{OPERATION}/approve/action"


async def show(request: Request) -> Response:
    relationship_id = _id(request)
    session = sessions.current(request)
    if session is None:
        return signing.sign_in_page(entry(relationship_id))
    plane = state_of(request).plane
    view = await run_in_threadpool(
        gdap_approval.open_approval, plane, session.caller, relationship_id
    )
    return _approval_page(relationship_id, session, view, verdict(view))


async def sign_in(request: Request) -> Response:
    return await signing.sign_in(request, entry(_id(request)))


async def approve(request: Request) -> Response:
    relationship_id = _id(request)
    note_operation(request, APPROVE, f"/{RELATIONSHIPS_PATH}/{relationship_id}")
    session = sessions.verified(request, await read_form(request))
    note_caller(request, session.object_id, session.user_principal_name, session.tenant_id)
    plane = state_of(request).plane
    view, refusal = await run_in_threadpool(_approve, plane, session.caller, relationship_id)
    if refusal is not None:
        return _approval_page(relationship_id, session, view, refusal)
    relationship = view.relationship
    note_operation(request, APPROVE, f"/{RELATIONSHIPS_PATH}/{relationship.id}")
    end = relationship.end_at_time(view.now)
    return page(
        "gdap_approved.html",
        session=session,
        partner=view.partner,
        customer=view.customer,
        name=relationship.display_name,
        roles=outcomes.roles(view),
        ends_on=long_date(end) if end is not None else None,
        auto_extends=relationship.auto_extends,
        path=approval_path(relationship_id),
    )


async def sign_out(request: Request) -> Response:
    return await signing.sign_out(request, entry(_id(request)))


ROUTES = [
    Route(PAGE, show, methods=["GET"]),
    Route(PAGE + "/sign-in", sign_in, methods=["POST"]),
    Route(PAGE + "/approve", approve, methods=["POST"]),
    Route(PAGE + "/sign-out", sign_out, methods=["POST"]),
]


def _approve(
    plane: ControlPlane, caller: Caller, relationship_id: str
) -> tuple[ApprovalView, Verdict | None]:
    """The approved relationship's view; or, when the service refuses, the view as it is
    with the refusal's verdict. Another organization's or an unknown relationship raises."""
    try:
        return gdap_approval.approve(plane, caller, relationship_id), None
    except (GlobalAdministratorRequired, GdapStatusConflict) as error:
        view = gdap_approval.open_approval(plane, caller, relationship_id)
        return view, refused(view, error)


def _approval_page(
    relationship_id: str, session: sessions.Session, view: ApprovalView, verdict: Verdict
) -> Response:
    relationship = view.relationship
    end = outcomes.end_fact(view)
    pending = relationship.status_at(view.now) is GdapStatus.APPROVAL_PENDING
    valid_until = view.approval_expires_at if pending else None
    return page(
        "gdap_approval.html",
        verdict.status,
        session=session,
        partner=view.partner,
        customer=view.customer,
        name=relationship.display_name,
        state=outcomes.status_label(view),
        duration=outcomes.duration_words(relationship.duration),
        iso_duration=relationship.duration,
        end_label=end[0] if end else None,
        end_on=long_date(end[1]) if end else None,
        auto_extends=relationship.auto_extends,
        valid_until=long_date(valid_until) if valid_until else None,
        roles=outcomes.roles(view),
        verdict=verdict,
        path=approval_path(relationship_id),
    )


def _id(request: Request) -> str:
    return str(request.path_params["relationship_id"])


def approval_path(relationship_id: str) -> str:
    """The page's path; the id is quoted, as a made-up one may hold anything."""
    return gdap_approval.local_approval_path(relationship_id)


def entry(relationship_id: str) -> Entry:
    return Entry(
        approval_path(relationship_id),
        heading="Sign in to review an admin relationship request",
        intro=(
            "A Microsoft partner asks for administrative roles in your organization's "
            "directory. Sign in with your work account to see who the partner is, which "
            "roles it asks for and for how long. Only a Global Administrator of your "
            "organization can approve the request."
        ),
        back="Back to the admin relationship request",
    )


def entry_of(request: Request) -> Entry | None:
    """The approval page a request is about, if it is about one."""
    relationship_id = request.path_params.get("relationship_id")
    return None if relationship_id is None else entry(str(relationship_id))
