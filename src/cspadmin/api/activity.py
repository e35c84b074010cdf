"""Recording every write in the activity log, in one place.

A pure ASGI middleware: after each PUT, PATCH, POST or DELETE on ARM or Graph it appends
who, what, where, when, the correlation id and the outcome. Handlers name the operation
and scope with `note_operation`; a write refused before its handler ran (bad token,
malformed body) is recorded with its method and path.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cspadmin.domain.activity import ActivityEvent
from cspadmin.domain.scope import key_chain
from cspadmin.errors import InvalidScope
from cspadmin.services.control_plane import ControlPlane
from cspadmin.store.activity import append_event

log = logging.getLogger("cspadmin.activity")
_WRITES = {"PUT", "PATCH", "POST", "DELETE"}
_SECRET_IN_PATH = re.compile(r"(/invitations/)[^/]+", re.IGNORECASE)
ARM_CORRELATION = ("x-ms-client-request-id", "client-request-id")
"""The headers ARM and Graph clients send their correlation id in, first found wins."""
PARTNER_CENTER_CORRELATION = ("ms-correlationid",)


def redacted_path(path: str) -> str:
    """The path with any secret it carries (an invitation link's token) blanked out."""
    return _SECRET_IN_PATH.sub(r"\1(redacted)", path)


def correlation_id(headers: Mapping[str, str], names: Sequence[str]) -> str:
    """The correlation id the client sent in the first of the `names` headers it used
    (lower-case names), or a new one."""
    sent = (headers.get(name) for name in names)
    return next((value for value in sent if value), None) or str(uuid.uuid4())


def note_operation(request: Request, operation: str, scope: str) -> None:
    """Name the action and scope of the write this request performs."""
    request.state.activity_operation = operation
    request.state.activity_scope = scope


def note_caller(request: Request, object_id: str, name: str, tenant_id: str) -> None:
    request.state.activity_caller = (object_id, name, tenant_id)


class ActivityLog:
    def __init__(self, app: ASGIApp, plane: ControlPlane) -> None:
        self.app = app
        self.plane = plane

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITES or _is_read(scope):
            await self.app(scope, receive, send)
            return
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            self._record(scope, status)

    def _record(self, scope: Scope, status: int) -> None:
        state: dict[str, Any] = scope.setdefault("state", {})
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        path = redacted_path(scope["path"])
        target = str(state.get("activity_scope") or path)
        caller_id, caller, tenant_id = state.get("activity_caller", (None, None, None))
        event = ActivityEvent(
            event_id=str(uuid.uuid4()),
            at=self.plane.clock(),
            operation=state.get("activity_operation", f"{scope['method']} {path}"),
            http_method=scope["method"],
            scope=target,
            status="Succeeded" if status < 400 else "Failed",
            status_code=status,
            correlation_id=correlation_id(headers, ARM_CORRELATION),
            tenant_id=tenant_id,
            subscription_id=_subscription_of(target),
            caller_id=caller_id,
            caller=caller,
        )
        try:
            with self.plane.database.begin() as connection:
                append_event(connection, event)
        except Exception:  # the write itself has been answered; never fail it here
            log.exception("could not record activity event %s", event.event_id)


_READS_BY_POST = ("/v1.0/directoryObjects/getByIds",)


def _is_read(scope: Scope) -> bool:
    """Token requests and the POSTs that only read (getByIds) change nothing."""
    path: str = scope["path"]
    return "/oauth2/" in path or path.rstrip("/") in _READS_BY_POST


def _subscription_of(target: str) -> str | None:
    try:
        return key_chain(target)[0]
    except InvalidScope:
        return None
