"""The `cspadmin` command: demo, world load, audit and check, end to end on SQLite.

Each test works in a data directory (`--data-dir`) of its own. `cspadmin demo` runs once
per session on an empty directory: the demo tests read its output, and the tests of
`check` start from a copy of the store it loaded, so that they stay fast.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from typer.testing import CliRunner

from cspadmin.cli import main
from cspadmin.cli.main import app
from cspadmin.domain.roles import OWNER
from cspadmin.store.database import Database
from cspadmin.store.schema import metadata

# No store from the environment may stand in for --data-dir.
runner = CliRunner(env={"CSPADMIN_DATABASE_URL": None, "CSPADMIN_DATA_DIR": None})

PARTNER = "fabrikampartner.onmicrosoft.com"
ALICE = f"alice@{PARTNER}"
ADMIN_AGENTS = "a9e1d7c3-5b4f-4e2a-8d6c-000000000001"
WRITE_RESOURCE_GROUP = "Microsoft.Resources/subscriptions/resourceGroups/write"
CONTOSO = "contoso.onmicrosoft.com"
CONTOSO_PRODUCTION = "5b2e7c90-1d3f-4e6a-8c7b-000000000211"  # privileges hold
CONTOSO_DEV_TEST = "5b2e7c90-1d3f-4e6a-8c7b-000000000212"  # lost
NORTHWIND_ANALYTICS = "5b2e7c90-1d3f-4e6a-8c7b-000000000222"  # partial
DEMO_TO_REINSTATE = {  # lost or partial: (subscription, customer domain), from worlds/demo.yaml
    "Contoso Dev-Test": (CONTOSO_DEV_TEST, CONTOSO),
    "Northwind Analytics": (NORTHWIND_ANALYTICS, "northwindtraders.onmicrosoft.com"),
    "Tailspin Labs": ("5b2e7c90-1d3f-4e6a-8c7b-000000000232", "tailspintoys.onmicrosoft.com"),
    "Adventure Works Legacy": (
        "5b2e7c90-1d3f-4e6a-8c7b-000000000252",
        "adventureworks.onmicrosoft.com",
    ),
}

TWO_PARTNERS = """\
tenants:
  - name: Fabrikam
    id: 6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f61
    domain: fabrikam.onmicrosoft.com
    partner: {partner_id: "1000001"}
    users:
      - {upn: alice@fabrikam.onmicrosoft.com, groups: [AdminAgents]}
  - name: Litware Partner
    domain: litwarepartner.onmicrosoft.com
    partner: {partner_id: "1000002"}
  - name: Contoso
    domain: contoso.onmicrosoft.com
    subscriptions:
      - {name: Sold by Fabrikam, csp_partner: fabrikam.onmicrosoft.com}
      - {name: Sold by Litware, csp_partner: litwarepartner.onmicrosoft.com}
relationships:
  - {partner: fabrikam.onmicrosoft.com, customer: contoso.onmicrosoft.com, dap: true}
  - {partner: litwarepartner.onmicrosoft.com, customer: contoso.onmicrosoft.com, dap: true}
"""


def cspadmin(*args: str | Path) -> Result:
    """Run the command; whatever goes wrong, it ends with a message, not a traceback."""
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"cspadmin crashed:\n{result.output}") from result.exception
    return result


def row_counts(data_dir: Path) -> dict[str, int]:
    database = Database(f"sqlite:///{data_dir / 'cspadmin.db'}")
    try:
        with database.connect() as connection:
            return {
                table.name: connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                for table in metadata.sorted_tables
                # each load journals a generation of its own (store.journal)
                if table.name not in ("store_version", "change_journal")
            }
    finally:
        database.dispose()


def line_with(output: str, text: str) -> str:
    """The one output line that contains `text`."""
    lines = [line for line in output.splitlines() if text in line]
    assert len(lines) == 1, f"{text!r} on {len(lines)} lines of:\n{output}"
    return lines[0]


def seed_command(subscription_id: str) -> str:
    return (
        f'az role assignment create --role "Owner" --assignee-object-id {ADMIN_AGENTS} '
        f'--scope "/subscriptions/{subscription_id}" --assignee-principal-type "ForeignGroup"'
    )


@pytest.fixture(autouse=True, scope="session")
def wide_console() -> Iterator[None]:
    """Wide enough that Rich never wraps a table row or a command.

    The CLI's console reads COLUMNS once, when it is made; pytest-xdist workers start
    with COLUMNS=80, so setting it for CliRunner is too late.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(main.console, "_width", 200)
        yield


@pytest.fixture(scope="session")
def first_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """`cspadmin demo` on an empty data directory: the directory, and what it printed."""
    directory = tmp_path_factory.mktemp("demo")
    return directory, cspadmin("demo", "--data-dir", directory)


@pytest.fixture
def demo(first_demo: tuple[Path, Result]) -> Result:
    return first_demo[1]


@pytest.fixture
def demo_dir(first_demo: tuple[Path, Result], tmp_path: Path) -> Path:
    """A data directory of its own holding what `cspadmin demo` loaded."""
    for path in first_demo[0].iterdir():
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


@pytest.fixture
def two_partners(tmp_path: Path) -> Path:
    path = tmp_path / "world.yaml"
    path.write_text(TWO_PARTNERS, encoding="utf-8")
    assert cspadmin("world", "load", path, "--data-dir", tmp_path).exit_code == 0
    return tmp_path


# -- demo ------------------------------------------------------------------------------------


def test_demo_loads_the_demo_world_and_prints_the_audit(demo: Result) -> None:
    assert demo.exit_code == 0, demo.output
    assert "Demo world loaded into" in demo.output
    assert "CSP subscriptions of Fabrikam Partner" in demo.output
    assert "partial" in line_with(demo.output, "Northwind Analytics")
    for name in ("Contoso Dev-Test", "Tailspin Labs", "Adventure Works Legacy"):
        assert "lost" in line_with(demo.output, name)
    assert "ok" in line_with(demo.output, "Contoso Production")
    assert "dormant" in line_with(demo.output, "Wide World Logistics")


def test_demo_prints_a_reinstate_command_for_each_lost_or_partial_subscription(
    demo: Result,
) -> None:
    commands = [line.strip() for line in demo.output.splitlines() if "az role" in line]

    by_customer = sorted(DEMO_TO_REINSTATE.values(), key=lambda entry: entry[1])
    assert commands == [seed_command(subscription) for subscription, _ in by_customer]
    for _, domain in DEMO_TO_REINSTATE.values():
        assert f"# {domain}" in demo.output  # who has to run it


def test_running_demo_twice_is_harmless(demo: Result, demo_dir: Path) -> None:
    counts = row_counts(demo_dir)

    again = cspadmin("demo", "--data-dir", demo_dir)

    assert again.exit_code == 0, again.output
    assert row_counts(demo_dir) == counts
    assert audit_part(again.output) == audit_part(demo.output)


def audit_part(output: str) -> str:
    """What `demo` prints from the audit table on (its first line names the data dir)."""
    return output[output.index("CSP subscriptions of") :]


# -- world load --------------------------------------------------------------------------------


def test_world_load_loads_the_file_and_prints_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "world.yaml"
    path.write_text(TWO_PARTNERS, encoding="utf-8")

    result = cspadmin("world", "load", path, "--data-dir", tmp_path)

    assert result.exit_code == 0, result.output
    assert f"Loaded {path}" in result.output
    assert "3 tenants, 1 user, 6 groups, 2 subscriptions" in result.output
    assert "tenant contoso.onmicrosoft.com: " in result.output  # an id the file left out
    assert row_counts(tmp_path)["tenants"] == 3


BROKEN = {  # name: (what to change, into what, key path, what the message says)
    "dangling reference": (
        "groups: [AdminAgents]",
        "groups: [Admin Agents]",
        "tenants[0].users[0].groups[0]",
        "tenant fabrikam.onmicrosoft.com has no group named 'Admin Agents'",
    ),
    "unknown key": (
        "{name: Sold by Litware, csp_partner:",
        "{name: Sold by Litware, csp_parnter:",
        "tenants[2].subscriptions[1].csp_parnter",
        "unknown key 'csp_parnter' (allowed here: id, name,",
    ),
    "unknown tenant, last in the file": (
        "relationships:\n",
        "relationships:\n  - {partner: fabrikam.onmicrosoft.com, customer: nowhere.example}\n",
        "relationships[0].customer",
        "no tenant in this file has the domain 'nowhere.example'",
    ),
}


@pytest.mark.parametrize(("old", "new", "key_path", "says"), BROKEN.values(), ids=BROKEN)
def test_a_broken_world_file_exits_1_naming_the_key_and_line_and_loads_nothing(
    tmp_path: Path, old: str, new: str, key_path: str, says: str
) -> None:
    text = TWO_PARTNERS.replace(old, new)
    path = tmp_path / "world.yaml"
    path.write_text(text, encoding="utf-8")
    changed = new.splitlines()[-1]
    line = 1 + text.splitlines().index(next(r for r in text.splitlines() if changed in r))

    result = cspadmin("world", "load", path, "--data-dir", tmp_path)

    assert result.exit_code == 1
    assert f"InvalidWorldFile: {key_path} (line {line}): {says}" in result.output
    assert set(row_counts(tmp_path).values()) == {0}


@pytest.mark.parametrize("group", ["Operators [prod]", "Operators [/prod]"])
def test_a_world_file_error_is_printed_as_written(tmp_path: Path, group: str) -> None:
    path = tmp_path / "world.yaml"
    path.write_text(TWO_PARTNERS.replace("[AdminAgents]", f'["{group}"]'), encoding="utf-8")

    result = cspadmin("world", "load", path, "--data-dir", tmp_path)

    assert result.exit_code == 1
    assert f"has no group named '{group}'" in result.output


# -- audit -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "partner",
    [
        "fabrikam.onmicrosoft.com",
        "Fabrikam.OnMicrosoft.com",
        "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f61",
    ],
)
def test_audit_partner_shows_only_that_partners_subscriptions(
    two_partners: Path, partner: str
) -> None:
    result = cspadmin("audit", "--partner", partner, "--data-dir", two_partners)

    assert result.exit_code == 0, result.output
    assert "CSP subscriptions of Fabrikam" in result.output
    assert "ok" in line_with(result.output, "Sold by Fabrikam")
    assert "Litware" not in result.output


def test_audit_without_a_partner_shows_every_partner(two_partners: Path) -> None:
    result = cspadmin("audit", "--data-dir", two_partners)

    assert result.exit_code == 0, result.output
    assert "CSP subscriptions of Fabrikam" in result.output
    assert "CSP subscriptions of Litware Partner" in result.output


@pytest.mark.parametrize(
    "partner", ["nosuch.onmicrosoft.com", "contoso.onmicrosoft.com"], ids=["unknown", "customer"]
)
def test_audit_of_a_tenant_that_is_no_partner_exits_1(two_partners: Path, partner: str) -> None:
    result = cspadmin("audit", "--partner", partner, "--data-dir", two_partners)

    assert result.exit_code == 1
    assert f"No partner tenant '{partner}'" in result.output


# -- check -------------------------------------------------------------------------------------


def check(data_dir: Path, *args: str) -> Result:
    return cspadmin("check", "--data-dir", data_dir, "--action", WRITE_RESOURCE_GROUP, *args)


def test_check_allows_a_partner_agent_where_the_owner_grant_holds(demo_dir: Path) -> None:
    scope = f"/subscriptions/{CONTOSO_PRODUCTION}"

    result = check(demo_dir, "--as", ALICE, "--tenant", CONTOSO, "--scope", scope)

    assert result.exit_code == 0, result.output
    allowed = line_with(result.output, "Allowed")
    assert f"{WRITE_RESOURCE_GROUP} at {scope} is granted by" in allowed
    assert f"role {OWNER.id} for principal {ADMIN_AGENTS} at {scope}" in allowed


DENIED = {
    "lost": (
        CONTOSO,
        CONTOSO_DEV_TEST,
        "no role assignment for the caller's groups exists at "
        f"/subscriptions/{CONTOSO_DEV_TEST} or any scope above it",
    ),
    "partial": (  # AdminAgents holds Owner on rg-analytics only, below the subscription
        "northwindtraders.onmicrosoft.com",
        NORTHWIND_ANALYTICS,
        "no role assignment for the caller's groups exists at "
        f"/subscriptions/{NORTHWIND_ANALYTICS} or any scope above it",
    ),
    "dormant": (  # the Owner grant is there, but Wide World granted no DAP
        "wideworldimporters.onmicrosoft.com",
        "5b2e7c90-1d3f-4e6a-8c7b-000000000241",
        "has no delegated access (DAP or an active GDAP relationship) to tenant "
        "d3f1a6b2-0c4e-4a7d-9b8e-000000000104, so its groups do not count there",
    ),
}


@pytest.mark.parametrize(("customer", "subscription", "missing"), DENIED.values(), ids=DENIED)
def test_check_denies_where_privileges_are_lost_and_names_the_missing_link(
    demo_dir: Path, customer: str, subscription: str, missing: str
) -> None:
    scope = f"/subscriptions/{subscription}"

    result = check(demo_dir, "--as", ALICE, "--tenant", customer, "--scope", scope)

    assert result.exit_code == 2, result.output
    assert line_with(result.output, "Denied").startswith("Denied: ")
    assert missing in result.output


@pytest.mark.parametrize(
    "scope",
    [
        "/subscriptions/not-a-guid",
        f"/subscriptions/{CONTOSO_PRODUCTION}/resourceGroups",
        "subscriptions/" + CONTOSO_PRODUCTION,
    ],
)
def test_check_of_a_malformed_scope_exits_1_with_invalid_resource_id(
    demo_dir: Path, scope: str
) -> None:
    result = check(demo_dir, "--as", ALICE, "--tenant", CONTOSO, "--scope", scope)

    assert result.exit_code == 1
    assert f"InvalidResourceId: The scope '{scope}' is not valid" in result.output


def test_check_of_an_unknown_principal_exits_1(demo_dir: Path) -> None:
    scope = f"/subscriptions/{CONTOSO_PRODUCTION}"

    result = check(demo_dir, "--as", "mallory@contoso.onmicrosoft.com", "--scope", scope)

    assert result.exit_code == 1
    assert "No user or service principal 'mallory@contoso.onmicrosoft.com'" in result.output


def test_check_in_an_unknown_tenant_exits_1(demo_dir: Path) -> None:
    scope = f"/subscriptions/{CONTOSO_PRODUCTION}"

    result = check(demo_dir, "--as", ALICE, "--tenant", "nowhere.example", "--scope", scope)

    assert result.exit_code == 1
    assert "No tenant 'nowhere.example'" in result.output
