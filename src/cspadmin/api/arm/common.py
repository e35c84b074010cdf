"""What every ARM handler shares: api-version checks, authorization, paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from cspadmin.api.auth import ArmPrincipal, Principal
from cspadmin.api.state import AppState, state_of
from cspadmin.domain.scope import Scope
from cspadmin.errors import (
    AuthorizationFailed,
    InvalidApiVersionParameter,
    MissingApiVersionParameter,
)


def api_version(*supported: str) -> Callable[..., str]:
    """A dependency that requires `api-version` to be one of `supported`."""

    def check(version: Annotated[str | None, Query(alias="api-version")] = None) -> str:
        if not version:
            raise MissingApiVersionParameter()
        if version not in supported:
            raise InvalidApiVersionParameter(version, supported)
        return version

    return check


def authorize(state: AppState, principal: Principal, action: str, scope: str | Scope) -> None:
    """Raise Azure's AuthorizationFailed unless the engine allows `action` at `scope`."""
    decision = state.plane.engine.decide(principal.caller, action, scope)
    if not decision.allowed:
        assert decision.missing is not None
        raise AuthorizationFailed(
            principal.name,
            principal.caller.object_id,
            action,
            scope.id if isinstance(scope, Scope) else scope,
            decision.missing.message,
        )


def page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"value": items}


State = Annotated[AppState, Depends(state_of)]
__all__ = ["ArmPrincipal", "Request", "State", "api_version", "authorize", "page"]
