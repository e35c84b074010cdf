"""The ASGI application: every wire surface on one server.

Middleware, outermost first: `CanonicalArmPaths` (route on canonical ARM casing),
`ActivityLog` (record every write, refused ones too), `CatchUp` (bring this replica's
engine up to the store before anything is decided), `WebPages` (the customer pages,
`cspadmin.web`, which read their own forms), `RequestLimits` (refuse oversized and
non-JSON bodies before any route reads them); then FastAPI's own error handling, with
the handlers `errors.install` registers. `openapi` makes the served document precise.
"""

from __future__ import annotations

from fastapi import FastAPI

from cspadmin import __version__
from cspadmin.api import errors, openapi, token
from cspadmin.api.activity import ActivityLog
from cspadmin.api.arm.router import router as arm_router
from cspadmin.api.catch_up import CatchUp
from cspadmin.api.graph.delegated_admin_approval import router as gdap_approval_router
from cspadmin.api.graph.router import router as graph_router
from cspadmin.api.limits import RequestLimits
from cspadmin.api.partnercenter.router import router as partner_center_router
from cspadmin.api.paths import CanonicalArmPaths
from cspadmin.api.state import AppState
from cspadmin.web.app import WebPages


def create_app(state: AppState) -> FastAPI:
    app = FastAPI(
        title="cspadmin control plane",
        version=__version__,
        description=(
            "Azure's token service, Resource Manager, Microsoft Graph and Partner Center, locally."
        ),
    )
    app.state.cspadmin = state
    # add_middleware puts each one outside those added before it.
    app.add_middleware(RequestLimits)
    app.add_middleware(WebPages, state=state)
    pages = (app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url)
    documents = [p for p in pages if p]
    app.add_middleware(CatchUp, plane=state.plane, documents=documents)
    app.add_middleware(ActivityLog, plane=state.plane)
    app.add_middleware(CanonicalArmPaths)
    errors.install(app)
    openapi.install(app)
    app.include_router(token.router)
    app.include_router(graph_router)
    app.include_router(gdap_approval_router)  # the customer's side of GDAP: no Graph path
    app.include_router(partner_center_router)
    app.include_router(arm_router)
    return app
