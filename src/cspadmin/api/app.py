"""The ASGI application: every wire surface on one server."""

from __future__ import annotations

from fastapi import FastAPI

from cspadmin import __version__
from cspadmin.api import errors, token
from cspadmin.api.activity import ActivityLog
from cspadmin.api.arm.router import router as arm_router
from cspadmin.api.graph.router import router as graph_router
from cspadmin.api.paths import CanonicalArmPaths
from cspadmin.api.state import AppState


def create_app(state: AppState) -> FastAPI:
    app = FastAPI(
        title="cspadmin control plane",
        version=__version__,
        description="Azure's token service, Resource Manager and Microsoft Graph, locally.",
    )
    app.state.cspadmin = state
    app.add_middleware(ActivityLog, plane=state.plane)
    app.add_middleware(CanonicalArmPaths)
    errors.install(app)
    app.include_router(token.router)
    app.include_router(graph_router)
    app.include_router(arm_router)
    return app
