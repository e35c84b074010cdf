"""`cspadmin serve`: the control plane over HTTPS on uvicorn.

It listens on the given port and, when it can bind it, on 443 of the same host too:
MSAL's user-realm discovery (the first step of `az login -u … -p …`) always goes to 443.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from cspadmin.api.app import create_app
from cspadmin.api.endpoints import Endpoints
from cspadmin.api.jwt_issuer import TokenIssuer
from cspadmin.api.state import AppState
from cspadmin.server.keys import ensure_signing_key
from cspadmin.server.tls import TlsFiles, ensure_tls
from cspadmin.services.control_plane import ControlPlane, utcnow
from cspadmin.store.database import Database

log = logging.getLogger("cspadmin.server")
REALM_PORT = 443


@dataclass(frozen=True)
class ServerPlan:
    state: AppState
    tls: TlsFiles
    host: str
    port: int


def prepare(database: Database, data_dir: Path, host: str, port: int) -> ServerPlan:
    """Everything a server needs before it listens: TLS, keys, the engine."""
    tls = ensure_tls(data_dir)
    endpoints = Endpoints(port=port, host=host)
    plane = ControlPlane.open(database)
    issuer = TokenIssuer(ensure_signing_key(data_dir), endpoints, utcnow)
    return ServerPlan(AppState(plane, endpoints, issuer), tls, host, port)


def can_bind(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def serve(plan: ServerPlan, realm_port: int | None = REALM_PORT) -> None:
    """Run until interrupted; also on `realm_port` when given and free."""
    app = create_app(plan.state)
    configs = [_config(app, plan, plan.port)]
    if realm_port and realm_port != plan.port:
        configs.append(_config(app, plan, realm_port))
    asyncio.run(_serve_all([uvicorn.Server(c) for c in configs]))


def _config(app: FastAPI, plan: ServerPlan, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=plan.host,
        port=port,
        ssl_certfile=str(plan.tls.server_cert),
        ssl_keyfile=str(plan.tls.server_key),
        log_level="warning",
        access_log=False,
        h11_max_incomplete_event_size=64 * 1024,
    )


async def _serve_all(servers: list[uvicorn.Server]) -> None:
    await asyncio.gather(*(s.serve() for s in servers))
