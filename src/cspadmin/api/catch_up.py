"""Every request starts by bringing this replica up to date with the store.

A pure ASGI middleware, outside everything that reads the engine (the token endpoint,
the bearer-token checks, every route's decision, the web pages' sign-in): it runs
`ControlPlane.catch_up` first, so a write acknowledged by any replica (or the CLI, or a
world load) is in force here before this request decides anything. When nothing
changed, that is one small query. Only the paths that serve the API's own description
(`/openapi.json`, `/docs`), which decide nothing, go straight through.

The catch-up runs on a worker thread, as a sync route would: it reads the store, and a
rebuild can take seconds on a large store; the event loop keeps serving meanwhile. If the
store cannot be read, the request is answered 503 in its surface's envelope rather than
decided by an engine that may be out of date.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

import anyio.to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from cspadmin.api.activity import redacted_path
from cspadmin.api.errors import render
from cspadmin.services.control_plane import ControlPlane

log = logging.getLogger("cspadmin.api")


class CatchUp:
    def __init__(self, app: ASGIApp, plane: ControlPlane, documents: Collection[str]) -> None:
        self.app = app
        self.plane = plane
        self.documents = frozenset(documents)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in self.documents:
            try:
                await anyio.to_thread.run_sync(self.plane.catch_up)
            except Exception:
                log.exception("could not catch up before %s", redacted_path(scope["path"]))
                response = render(
                    Request(scope),
                    503,
                    "ServiceUnavailable",
                    "The service could not read the store to bring itself up to date; "
                    "retry the request.",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
