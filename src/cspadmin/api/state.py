"""What every request handler reaches: the control plane, the endpoints, the token issuer."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from cspadmin.api.endpoints import Endpoints
from cspadmin.api.jwt_issuer import TokenIssuer
from cspadmin.services.control_plane import ControlPlane


@dataclass
class AppState:
    plane: ControlPlane
    endpoints: Endpoints
    issuer: TokenIssuer


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.cspadmin
    return state
