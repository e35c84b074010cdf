"""The `cspadmin` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from cspadmin.api.endpoints import Endpoints
from cspadmin.authz.decision import Caller
from cspadmin.authz.engine import Engine
from cspadmin.cli.activity import InvalidWindow, activity_table, window_start
from cspadmin.errors import CspadminError
from cspadmin.server.run import REALM_PORT, PortUnavailable, bind, prepare
from cspadmin.server.run import serve as run_server
from cspadmin.server.tls import ensure_tls
from cspadmin.services.audit import (
    PrivilegeStatus,
    SubscriptionAudit,
    audit_partner,
    partner_tenants,
)
from cspadmin.services.control_plane import ControlPlane, utcnow
from cspadmin.services.subscription_move import transfer_subscription
from cspadmin.services.world import demo_world_path, load_world
from cspadmin.store.activity import list_events
from cspadmin.store.database import Database, default_data_dir
from cspadmin.store.directory import get_service_principal, get_tenant, get_user
from cspadmin.store.snapshot import load_engine

app = typer.Typer(help="A local CSP control plane that speaks Azure, and its admin tooling.")
world_app = typer.Typer(help="Seed the store from world files.")
app.add_typer(world_app, name="world")
subscription_app = typer.Typer(help="Act on subscriptions in the store directly.")
app.add_typer(subscription_app, name="subscription")
console = Console()

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", envvar="CSPADMIN_DATABASE_URL", help="PostgreSQL URL."),
]
DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="CSPADMIN_DATA_DIR", help="Where the SQLite store lives."),
]

_STATUS_STYLE = {
    PrivilegeStatus.OK: "[green]ok[/]",
    PrivilegeStatus.LOST: "[red]lost[/]",
    PrivilegeStatus.PARTIAL: "[yellow]partial[/]",
    PrivilegeStatus.DORMANT: "[magenta]dormant[/]",
}


def _open(database_url: str | None, data_dir: Path | None) -> Database:
    return Database.open(database_url, data_dir)


def _engine(database: Database) -> Engine:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console) as bar:
        task = bar.add_task("Loading role assignments", total=None)
        engine = load_engine(
            database,
            progress=lambda n: bar.update(task, description=f"Loaded {n:,} role assignments"),
        )
    return engine


def _fail(error: CspadminError) -> typer.Exit:
    console.print(f"[red]{error.code}[/]: {escape(error.message)}")
    return typer.Exit(code=1)


@world_app.command("load")
def world_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Load a world file (YAML or JSON) into the store. Loading it again changes nothing."""
    database = _open(database_url, data_dir)
    try:
        report = load_world(database, file)
    except CspadminError as error:
        raise _fail(error) from None
    console.print(
        f"Loaded [bold]{escape(str(file))}[/] into {database.engine.url.render_as_string()}"
    )
    for line in report.summary_lines():
        console.print(f"  {escape(line)}")


@subscription_app.command("transfer")
def subscription_transfer(
    subscription: Annotated[str, typer.Argument(help="The subscription id.")],
    to: Annotated[str, typer.Option("--to", help="Destination tenant: domain or id.")],
    owner: Annotated[
        str | None, typer.Option(help="UPN or object id in the destination to make Owner.")
    ] = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Move a subscription to another tenant, deleting its role and deny assignments (and
    its CSP partner) as Azure does. A running server sees it from its next request."""
    database = _open(database_url, data_dir)
    plane = ControlPlane.open(database)
    try:
        moved = transfer_subscription(plane, subscription, to, owner=owner)
    except CspadminError as error:
        raise _fail(error) from None
    console.print(
        f"Moved [bold]{escape(moved.subscription.display_name)}[/] to tenant "
        f"{moved.subscription.tenant_id}: deleted {len(moved.role_assignments)} role and "
        f"{len(moved.deny_assignments)} deny assignment(s), "
        f"{len(moved.custom_roles.deleted)} custom role(s) and narrowed "
        f"{len(moved.custom_roles.narrowed)}"
        + (f"; {escape(owner)} is its Owner." if owner else "; nobody holds a role on it."),
        soft_wrap=True,
    )


@app.command()
def audit(
    partner: Annotated[
        str | None, typer.Option(help="Partner tenant domain or id; default: every partner.")
    ] = None,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Show which CSP subscriptions have lost the partner's subscription-level Owner grant."""
    database = _open(database_url, data_dir)
    _print_audit(database, _engine(database), partner)


def _print_audit(database: Database, engine: Engine, partner_name: str | None) -> None:
    partners = partner_tenants(database)
    if partner_name:
        partners = [p for p in partners if partner_name.lower() in (p.id, *p.all_domains())]
        if not partners:
            console.print(f"[red]No partner tenant {escape(repr(partner_name))} in the store.[/]")
            raise typer.Exit(code=1)
    for partner in partners:
        audits = audit_partner(database, engine, partner)
        console.print(_audit_table(partner.display_name, audits))
        lost = [a for a in audits if a.reinstate_command]
        if lost:
            console.print("To reinstate, a customer Owner or User Access Administrator runs:")
            for a in lost:
                console.print(f"  [dim]# {a.customer.default_domain}[/]")
                console.print(f"  {a.reinstate_command}", soft_wrap=True)


def _audit_table(title: str, audits: list[SubscriptionAudit]) -> Table:
    table = Table(title=f"CSP subscriptions of {escape(title)}")
    table.add_column("Customer")
    table.add_column("Subscription")
    table.add_column("Status")
    table.add_column("Delegated")
    table.add_column("AdminAgents Owner at")
    table.add_column("Agents", justify="right")
    for a in audits:
        grants = "\n".join(g.scope.split(a.subscription.id, 1)[-1] or "/" for g in a.owner_grants)
        table.add_row(
            escape(a.customer.display_name),
            escape(a.subscription.display_name),
            _STATUS_STYLE[a.status],
            "yes" if a.delegated_access else "[red]no[/]",
            grants or "[dim]none[/]",
            str(a.agents_who_can_manage),
        )
    table.caption = (
        "Delegated: DAP or active GDAP. Agents: partner users and service principals "
        "able to create resource groups there."
    )
    return table


@app.command()
def activity(
    since: Annotated[
        str, typer.Option(help="An ISO-8601 duration back from now (PT2H, P7D) or a time.")
    ] = "P1D",
    tenant: Annotated[str | None, typer.Option(help="Tenant domain or id.")] = None,
    subscription: Annotated[str | None, typer.Option(help="Subscription id.")] = None,
    caller: Annotated[str | None, typer.Option(help="UPN or app id of the caller.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only refused writes.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, the newest.")] = 100,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Show the activity log: every write, refused ones too, Partner Center steps included."""
    database = _open(database_url, data_dir)
    try:
        start = window_start(since, utcnow())
    except InvalidWindow as error:
        console.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(code=1) from None
    with database.connect() as connection:
        found = get_tenant(connection, tenant) if tenant else None
        if tenant and found is None:
            console.print(f"[red]No tenant {escape(repr(tenant))}.[/]")
            raise typer.Exit(code=1)
        events = list_events(
            connection,
            since=start,
            tenant_id=found.id if found else None,
            subscription_id=subscription,
            caller=caller,
            status="Failed" if failed else None,
            limit=limit,
        )
    console.print(activity_table(events[::-1], f"Activity since {start:%Y-%m-%d %H:%M} UTC"))


@app.command()
def check(
    principal: Annotated[str, typer.Option("--as", help="UPN, app id or object id.")],
    action: Annotated[str, typer.Option(help="e.g. Microsoft.Resources/deployments/write")],
    scope: Annotated[str, typer.Option(help="An ARM scope, e.g. /subscriptions/<id>")],
    tenant: Annotated[
        str | None, typer.Option(help="Tenant the caller acts in; default: its home tenant.")
    ] = None,
    data: Annotated[bool, typer.Option("--data", help="The action is a data action.")] = False,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Decide one action for one caller, and explain the decision."""
    database = _open(database_url, data_dir)
    with database.connect() as connection:
        found = get_user(connection, principal) or get_service_principal(connection, principal)
        acting_in = get_tenant(connection, tenant) if tenant else None
    if found is None:
        console.print(f"[red]No user or service principal {escape(repr(principal))}.[/]")
        raise typer.Exit(code=1)
    if tenant and acting_in is None:
        console.print(f"[red]No tenant {escape(repr(tenant))}.[/]")
        raise typer.Exit(code=1)
    caller = Caller(found.id, acting_in.id if acting_in else found.tenant_id, found.tenant_id)
    try:
        decision = _engine(database).decide(caller, action, scope, data=data)
    except CspadminError as error:
        raise _fail(error) from None
    colour = "green" if decision.allowed else "red"
    console.print(f"[{colour}]{escape(decision.explain())}[/]", soft_wrap=True)
    raise typer.Exit(code=0 if decision.allowed else 2)


@app.command()
def serve(
    world: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="World file to load first.")
    ] = None,
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTPS port.")] = 8443,
    database_url: DatabaseUrl = None,
) -> None:
    """Serve the control plane over HTTPS: token service, ARM and Microsoft Graph."""
    directory = data_dir or default_data_dir()
    database = _open(database_url, directory)
    if world is not None:
        try:
            load_world(database, world)
        except CspadminError as error:
            raise _fail(error) from None
    plan = prepare(database, directory, host, port)
    realm = bind(host, REALM_PORT) if port != REALM_PORT else None
    _print_connection_help(plan.state.endpoints, plan.tls.ca_cert, realm is not None)
    try:
        run_server(plan, realm)
    except PortUnavailable as error:
        console.print(f"[red]Cannot listen: {escape(str(error))}.[/]")
        raise typer.Exit(code=1) from None


@app.command()
def env(
    data_dir: DataDir = None,
    port: Annotated[int, typer.Option(help="The port `serve` listens on.")] = 8443,
) -> None:
    """Print `export` lines that point Azure clients at a local server: eval "$(cspadmin env)"."""
    directory = data_dir or default_data_dir()
    ca = ensure_tls(directory).ca_cert
    for line in _environment(ca):
        print(f"export {line}")


def _environment(ca: Path) -> list[str]:
    return [
        f"REQUESTS_CA_BUNDLE={ca}",
        f"SSL_CERT_FILE={ca}",
        "AZURE_CORE_INSTANCE_DISCOVERY=false",
        "AZURE_CORE_COLLECT_TELEMETRY=false",
    ]


def _print_connection_help(endpoints: Endpoints, ca: Path, realm: bool) -> None:
    console.print(
        f"cspadmin control plane on [bold]{endpoints.authority}[/] (Graph: {endpoints.graph})"
    )
    console.print(f"Trust its CA: [bold]{ca}[/]")
    for line in _environment(ca):
        console.print(f"  export {line}", soft_wrap=True)
    console.print("Point az at it:")
    console.print(f"  {endpoints.cloud_register_command()}", soft_wrap=True)
    console.print("  az cloud set -n Cspadmin")
    console.print("  az config set core.instance_discovery=false")
    if not realm:
        console.print(
            f"[yellow]Port {REALM_PORT} is not free to bind: `az login -u … -p …` needs "
            f"user-realm discovery on {endpoints.host}:{REALM_PORT} and will fail; "
            "service-principal logins are not affected.[/]"
        )


@app.command()
def demo(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Load the built-in demo world and audit its partner's admin privileges."""
    database = _open(database_url, data_dir)
    report = load_world(database, demo_world_path())
    console.print(
        f"Demo world loaded into [bold]{database.engine.url.render_as_string()}[/] "
        f"({report.summary_lines()[0] if report.summary_lines() else 'no changes'})"
    )
    _print_audit(database, _engine(database), None)
    console.print(
        "\nNext: explain a decision, e.g.\n"
        "  cspadmin check --as alice@fabrikampartner.onmicrosoft.com "
        "--tenant <customer domain> --action "
        "Microsoft.Resources/subscriptions/resourceGroups/write --scope /subscriptions/<id>"
    )


if __name__ == "__main__":
    app()
