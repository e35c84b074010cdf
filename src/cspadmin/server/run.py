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


def bind(host: str, port: int) -> socket.socket | None:
    """A listening socket on (host, port), or None when the port is taken or not ours."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        return None
    sock.set_inheritable(True)
    return sock


class PortUnavailable(RuntimeError):
    pass


def serve(plan: ServerPlan, realm: socket.socket | None) -> None:
    """Run until interrupted, on the plan's port and, when given, the realm socket (443).

    Sockets are bound before anything starts, so a port that is taken is reported at once
    and can never take the whole server down later.
    """
    main = bind(plan.host, plan.port)
    if main is None:
        raise PortUnavailable(f"{plan.host}:{plan.port} is already in use")
    app = create_app(plan.state)
    servers = [(uvicorn.Server(_config(app, plan, plan.port)), main)]
    if realm is not None:
        servers.append((uvicorn.Server(_config(app, plan, REALM_PORT)), realm))
    asyncio.run(_serve_all(servers))


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


async def _serve_all(servers: list[tuple[uvicorn.Server, socket.socket]]) -> None:
    await asyncio.gather(*(server.serve(sockets=[sock]) for server, sock in servers))
