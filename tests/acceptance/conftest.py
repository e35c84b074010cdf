"""Acceptance fixtures: a real `cspadmin serve` process, and the real Azure CLI against it.

`server` starts the project venv's `cspadmin serve` on a free port with a data directory of
its own and tests/acceptance/world.yaml, waits until it answers, and stops it at the end of
the session. It is parametrized over the store: SQLite, and PostgreSQL in a fresh schema of
CSPADMIN_TEST_POSTGRES_URL (marked `postgres`, as the rest of the suite). Limit the
backends with CSPADMIN_ACCEPTANCE_BACKENDS=sqlite (or =postgres).

`az(identity, *args)` runs the real az (CSPADMIN_AZ, default <repo>/.venv-az/bin/az:
azure-cli pins too many Azure packages to share the project venv) in a config directory of
that identity's own, set up the way shared/az-cli-notes.md prescribes: the server's CA
trusted through REQUESTS_CA_BUNDLE, instance discovery off, telemetry off, a proxy that
refuses every connection for anything that is not 127.0.0.1/localhost. It returns the exit
code, stdout, stderr and the parsed `-o json` output. Every call is also appended to
`<server root>/az.log`; CSPADMIN_AZ_DEBUG=1 adds `--debug` to every call.

Port 443: MSAL asks https://127.0.0.1:443 for user-realm discovery before every password
sign-in. The server binds 443 when it can (tests run as root). When another cspadmin
server already holds it (a developer's `cspadmin serve`, or a second pytest-xdist worker),
that one answers: its CA, which it sends with its certificate, is added to the bundle az
trusts. Tests that sign users in are skipped, with the reason, only when nothing usable
answers on 443.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import yaml
from cryptography import x509
from cryptography.x509.oid import NameOID

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WORLD_FILE = HERE / "world.yaml"
AZ = Path(os.environ.get("CSPADMIN_AZ", str(REPO / ".venv-az" / "bin" / "az")))
AZ_PYTHON = Path(os.environ.get("CSPADMIN_AZ_PYTHON", str(AZ.parent / "python")))
AZ_MISSING = (
    f"the Azure CLI is not at {AZ}: create its venv with "
    "`python3 -m venv .venv-az && .venv-az/bin/pip install azure-cli azure-identity` "
    "(or `make az`), or point CSPADMIN_AZ at an az executable"
)
POSTGRES_URL = os.environ.get(
    "CSPADMIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
XDIST_GROUP = "cspadmin-acceptance"
"""All acceptance tests share one server per backend: with `pytest -n 2 --dist loadgroup`
they run on one worker (the modules mark themselves with this group)."""

REALM_PORT = 443
OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
"""The built-in Owner role definition's GUID, as in Azure."""
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
AZ_TIMEOUT = float(os.environ.get("CSPADMIN_AZ_TIMEOUT", "120"))
START_TIMEOUT = 90.0
_START_LOCK = Path(tempfile.gettempdir()) / "cspadmin-acceptance-start.lock"


def pytest_configure(config: pytest.Config) -> None:
    # pyproject.toml runs pytest with --strict-markers; register ours here too, so this
    # folder works before (and without) the marker being listed there.
    config.addinivalue_line(
        "markers", "acceptance: end-to-end through a `cspadmin serve` process and real clients"
    )


# --------------------------------------------------------------------------------------
# The world the server is seeded with, as the tests need to name it


@dataclass(frozen=True)
class Principal:
    name: str
    """UPN of a user, app id of a service principal."""
    secret: str
    object_id: str


@dataclass(frozen=True)
class AcceptanceWorld:
    partner_tenant_id: str
    partner_domain: str
    customer_tenant_id: str
    customer_domain: str
    admin_agents_id: str
    owner: Principal
    """The customer's Global admin, Owner of both subscriptions."""
    ordinary: Principal
    """A customer user without Owner or User Access Administrator."""
    agent: Principal
    """The partner's admin agent: a member of AdminAgents."""
    partner_app: Principal
    """The partner's service principal, in AdminAgents, with a secret."""
    az_subscription: str
    """Lost its AdminAgents Owner grant; reinstated with az."""
    az_resource_group: str
    az_storage_account: str
    sdk_subscription: str
    """Lost its AdminAgents Owner grant; reinstated with the SDKs."""
    sdk_resource_group: str
    sdk_storage_account: str


def _load_world(path: Path = WORLD_FILE) -> AcceptanceWorld:
    doc = yaml.safe_load(path.read_text())
    partner = next(t for t in doc["tenants"] if t.get("partner"))
    customer = next(t for t in doc["tenants"] if not t.get("partner"))
    users = {u["upn"].split("@")[0]: u for t in doc["tenants"] for u in t.get("users", ())}
    groups = {g["name"]: g for g in partner["groups"]}
    sp = partner["service_principals"][0]
    by_name = {s["name"]: s for s in customer["subscriptions"]}
    az_sub, sdk_sub = by_name["Contoso Dev-Test"], by_name["Contoso Data Platform"]

    def person(key: str) -> Principal:
        user = users[key]
        return Principal(user["upn"], user["password"], user["id"])

    def storage(sub: dict[str, Any]) -> tuple[str, str]:
        for group in sub["resource_groups"]:
            for resource in group.get("resources", ()):
                if resource["type"] == "Microsoft.Storage/storageAccounts":
                    return group["name"], resource["name"]
        raise AssertionError(f"no storage account in {sub['name']}")

    az_rg, az_sa = storage(az_sub)
    sdk_rg, sdk_sa = storage(sdk_sub)
    return AcceptanceWorld(
        partner_tenant_id=partner["id"],
        partner_domain=partner["domain"],
        customer_tenant_id=customer["id"],
        customer_domain=customer["domain"],
        admin_agents_id=groups["AdminAgents"]["id"],
        owner=person("bob"),
        ordinary=person("carol"),
        agent=person("agent"),
        partner_app=Principal(sp["app_id"], sp["secret"], sp["id"]),
        az_subscription=az_sub["id"],
        az_resource_group=az_rg,
        az_storage_account=az_sa,
        sdk_subscription=sdk_sub["id"],
        sdk_resource_group=sdk_rg,
        sdk_storage_account=sdk_sa,
    )


def owner_role_id(subscription: str) -> str:
    """Owner's id as ARM gives it inside a subscription, at any scope there; lower case."""
    return (
        f"/subscriptions/{subscription}/providers/Microsoft.Authorization"
        f"/roleDefinitions/{OWNER_ROLE}"
    ).lower()


@pytest.fixture(scope="session")
def world() -> AcceptanceWorld:
    return _load_world()


# --------------------------------------------------------------------------------------
# The server process


@dataclass
class Server:
    backend: str
    port: int
    root: Path
    """Everything of this server's session: data dir, logs, az config dirs."""
    data_dir: Path
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    ca_bundle: Path = field(init=False)
    realm_problem: str | None = None
    """Why password sign-ins cannot work here (nothing usable on 443), or None."""

    def __post_init__(self) -> None:
        self.ca_bundle = self.root / "ca-bundle.pem"

    @property
    def ca(self) -> Path:
        return self.data_dir / "tls" / "ca.pem"

    @property
    def authority(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def arm(self) -> str:
        return f"https://127.0.0.1:{self.port}/"

    @property
    def graph(self) -> str:
        return f"https://localhost:{self.port}/"

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's stderr (tracebacks of 500s land there)."""
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def require_password_sign_in(self) -> None:
        if self.realm_problem:
            pytest.skip(self.realm_problem)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cspadmin_command() -> list[str]:
    script = Path(sys.executable).with_name("cspadmin")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "cspadmin.cli.main"]


@contextlib.contextmanager
def _start_lock() -> Iterator[None]:
    """Servers of this machine start one at a time: each checks whether 443 is free and
    then binds it, and two doing that at once would race for it."""
    with open(_START_LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _get(url: str, cafile: Path) -> httpx.Response:
    context = ssl.create_default_context(cafile=str(cafile))
    return httpx.get(url, verify=context, timeout=5, trust_env=False)


def _wait_until_answering(server: Server, world: AcceptanceWorld) -> None:
    url = f"{server.authority}/{world.customer_tenant_id}/v2.0/.well-known/openid-configuration"
    deadline = time.monotonic() + START_TIMEOUT
    last = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"cspadmin serve exited with {server.process.returncode} before answering:\n"
                f"{server.log_tail()}\n{server.stdout_path.read_text(errors='replace')}"
            )
        if server.ca.exists():
            try:
                response = _get(url, server.ca)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:300]}"
            except (httpx.HTTPError, ssl.SSLError, OSError) as error:
                last = repr(error)
        time.sleep(0.2)
    raise RuntimeError(f"cspadmin serve did not answer {url} in {START_TIMEOUT:.0f} s: {last}")


def _cspadmin_ca_on_realm_port(own_ca: bytes) -> bytes | None:
    """The CA certificate (PEM) another cspadmin server on 443 sends with its own, if any."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection(("127.0.0.1", REALM_PORT), timeout=3) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            chain = _unverified_chain(tls)
    except OSError:
        return None
    own = x509.load_pem_x509_certificate(own_ca)
    for der in chain:
        cert = x509.load_der_x509_certificate(der)
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if names and names[0].value == "cspadmin local CA" and cert != own:
            return ssl.DER_cert_to_PEM_cert(der).encode()
    return None


def _unverified_chain(tls: ssl.SSLSocket) -> list[bytes]:
    """The certificates the peer sent, DER. Public API from Python 3.13, private before."""
    public = getattr(tls, "get_unverified_chain", None)
    items = public() if public else tls._sslobj.get_unverified_chain()  # type: ignore[union-attr]
    return [
        item if isinstance(item, bytes) else ssl.PEM_cert_to_DER_cert(item.public_bytes())
        for item in items or ()
    ]


def _prepare_realm(server: Server, world: AcceptanceWorld) -> None:
    """Write the CA bundle clients trust, and find out whether 443 answers user-realm
    discovery for this server's clients."""
    own = server.ca.read_bytes()
    foreign = _cspadmin_ca_on_realm_port(own)
    server.ca_bundle.write_bytes(own + (b"\n" + foreign if foreign else b""))
    url = f"https://127.0.0.1/common/userrealm/{world.owner.name}?api-version=1.0"
    try:
        response = _get(url, server.ca_bundle)
    except (httpx.HTTPError, ssl.SSLError, OSError) as error:
        server.realm_problem = (
            f"password sign-in needs user-realm discovery on 127.0.0.1:{REALM_PORT}, and "
            f"nothing this test trusts answers there ({error!r}); run as root, or stop the "
            "process that holds the port"
        )
        return
    if response.status_code >= 500:
        server.realm_problem = (
            f"user-realm discovery on 127.0.0.1:{REALM_PORT} answers {response.status_code}, "
            "which makes MSAL (and so az login -u) fail"
        )


def _backends() -> list[Any]:
    wanted = {
        b.strip()
        for b in os.environ.get("CSPADMIN_ACCEPTANCE_BACKENDS", "sqlite,postgres").split(",")
    }
    params: list[Any] = []
    if "sqlite" in wanted:
        params.append("sqlite")
    if "postgres" in wanted:
        params.append(pytest.param("postgres", marks=pytest.mark.postgres))
    return params


@contextlib.contextmanager
def _postgres_schema() -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    schema = f"acceptance_{worker}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} does not answer: {error.orig}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@pytest.fixture(scope="session", params=_backends())
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    world: AcceptanceWorld,
) -> Iterator[Server]:
    backend: str = request.param
    root = tmp_path_factory.mktemp(f"acceptance-{backend}")
    data_dir = root / "data"
    with contextlib.ExitStack() as stack:
        command = [*_cspadmin_command(), "serve", "--world", str(WORLD_FILE)]
        command += ["--data-dir", str(data_dir)]
        if backend == "postgres":
            command += ["--database-url", stack.enter_context(_postgres_schema())]
        with _start_lock():
            port = _free_port()
            stdout_path, stderr_path = root / "server.stdout", root / "server.stderr"
            env = {k: v for k, v in os.environ.items() if not k.startswith("CSPADMIN_")}
            env["COLUMNS"] = "200"
            process = subprocess.Popen(
                [*command, "--port", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=stack.enter_context(open(stdout_path, "wb")),
                stderr=stack.enter_context(open(stderr_path, "wb")),
                env=env,
                start_new_session=True,
            )
            stack.callback(_stop, process)
            running = Server(backend, port, root, data_dir, process, stdout_path, stderr_path)
            _wait_until_answering(running, world)
        _prepare_realm(running, world)
        yield running


# --------------------------------------------------------------------------------------
# The Azure CLI


@dataclass(frozen=True)
class AzResult:
    args: tuple[str, ...]
    rc: int
    stdout: str
    stderr: str
    json: Any
    seconds: float

    def __str__(self) -> str:
        return self.render(stdout_chars=2000, stderr_chars=4000)

    def render(self, stdout_chars: int | None = None, stderr_chars: int | None = None) -> str:
        """The command line (passwords masked), exit code, and output, cut if asked."""
        shown = " ".join(shlex.quote(a) for a in _masked(self.args))
        out, err = self.stdout.strip(), self.stderr.strip()
        if stdout_chars is not None:
            out = out[:stdout_chars]
        if stderr_chars is not None:
            err = err[-stderr_chars:]
        return (
            f"az {shown}\n  rc={self.rc} ({self.seconds:.1f} s)\n  stdout: {out}\n  stderr: {err}"
        )


def _masked(args: tuple[str, ...]) -> list[str]:
    shown = list(args)
    for i, arg in enumerate(shown[:-1]):
        if arg in ("-p", "--password"):
            shown[i + 1] = "***"
    return shown


class Az:
    """The real az CLI, one config directory per identity, all pointed at `server`."""

    CLOUD = "Cspadmin"

    def __init__(self, server: Server, proxy_port: int) -> None:
        self.server = server
        self.proxy = f"http://127.0.0.1:{proxy_port}"
        self.config_root = server.root / "az"
        self.log = server.root / "az.log"
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._ready: set[str] = set()

    def config_dir(self, identity: str) -> Path:
        return self.config_root / identity

    def env(self, identity: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.upper().startswith(("AZURE_", "AZ_", "MSAL_"))
            and k.upper() not in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")
        }
        bundle = str(self.server.ca_bundle)
        env.update(
            AZURE_CONFIG_DIR=str(self.config_dir(identity)),
            REQUESTS_CA_BUNDLE=bundle,
            SSL_CERT_FILE=bundle,
            AZURE_CORE_INSTANCE_DISCOVERY="false",
            AZURE_CORE_COLLECT_TELEMETRY="false",
            AZURE_CORE_NO_COLOR="true",
            AZURE_CORE_SURVEY_MESSAGE="false",
            HTTPS_PROXY=self.proxy,
            HTTP_PROXY=self.proxy,
            NO_PROXY="127.0.0.1,localhost",
        )
        env["https_proxy"], env["http_proxy"], env["no_proxy"] = (
            env["HTTPS_PROXY"],
            env["HTTP_PROXY"],
            env["NO_PROXY"],
        )
        return env

    def __call__(self, identity: str, *args: str, timeout: float = AZ_TIMEOUT) -> AzResult:
        self._setup(identity)
        return self._run(identity, args, timeout)

    def _setup(self, identity: str) -> None:
        """Register the server as a cloud, select it, turn instance discovery off: once,
        in a template directory, then copied for each identity (the same files the three
        commands write, without three more az runs per identity)."""
        with self._lock:
            if identity in self._ready:
                return
            template = self.config_dir(".template")
            if not template.exists():
                s = self.server
                steps = [
                    (
                        "cloud",
                        "register",
                        "-n",
                        self.CLOUD,
                        "--endpoint-resource-manager",
                        s.arm,
                        "--endpoint-active-directory",
                        s.authority,
                        "--endpoint-active-directory-resource-id",
                        s.arm,
                        "--endpoint-active-directory-graph-resource-id",
                        s.graph,
                        "--endpoint-microsoft-graph-resource-id",
                        s.graph,
                        "--skip-endpoint-discovery",
                    ),
                    ("cloud", "set", "-n", self.CLOUD),
                    ("config", "set", "core.instance_discovery=false"),
                ]
                for step in steps:
                    result = self._run(".template", step, AZ_TIMEOUT, output=False)
                    assert result.rc == 0, f"setting up az failed:\n{result}"
            target = self.config_dir(identity)
            if not target.exists():
                shutil.copytree(template, target, ignore=shutil.ignore_patterns("commands"))
            self._ready.add(identity)

    def _run(
        self, identity: str, args: tuple[str, ...], timeout: float, *, output: bool = True
    ) -> AzResult:
        argv = list(args)
        if output and not {"-o", "--output"} & set(argv):
            argv += ["-o", "json"]
        if os.environ.get("CSPADMIN_AZ_DEBUG") == "1":
            argv.append("--debug")
        started = time.monotonic()
        completed = subprocess.run(
            [str(AZ), *argv],
            env=self.env(identity),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        parsed: Any = None
        if completed.stdout.strip():
            with contextlib.suppress(ValueError):
                parsed = json.loads(completed.stdout)
        result = AzResult(
            tuple(argv),
            completed.returncode,
            completed.stdout,
            completed.stderr,
            parsed,
            time.monotonic() - started,
        )
        with self._log_lock, open(self.log, "a") as log:
            log.write(f"[{identity}] {result.render()}\n\n")
        return result


@pytest.fixture(scope="session")
def closed_port() -> Iterator[int]:
    """A local port that refuses connections (bound, never listening), held for the whole
    session: az's proxy, so a call meant for any other host fails at once."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])


@pytest.fixture(scope="session")
def az(server: Server, closed_port: int) -> Az:
    if not AZ.exists():
        pytest.skip(AZ_MISSING)
    return Az(server, closed_port)
