"""`cspadmin subscription transfer`: moving a subscription to another tenant in the store,
which deletes its role assignments and takes it out of CSP, as Azure does. SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cspadmin.cli.main import app
from cspadmin.domain.assignments import RoleAssignment
from cspadmin.store.assignments import list_role_assignments
from cspadmin.store.database import Database
from cspadmin.store.estate import get_subscription

runner = CliRunner(env={"CSPADMIN_DATABASE_URL": None, "CSPADMIN_DATA_DIR": None})
SUBSCRIPTION = "9d7e1f0a-2b3c-4d5e-8f6a-7b8c9d0e1f2a"
BOB = "bob@contoso.onmicrosoft.com"
WORLD = f"""\
tenants:
  - name: Fabrikam
    domain: fabrikam.onmicrosoft.com
    partner: {{partner_id: "1000001"}}
  - name: Contoso
    domain: contoso.onmicrosoft.com
    users:
      - {{upn: bob@contoso.onmicrosoft.com}}
    subscriptions:
      - id: {SUBSCRIPTION}
        name: Contoso plan
        csp_partner: fabrikam.onmicrosoft.com
        resource_groups: [{{name: rg-web, location: westeurope}}]
        role_assignments:
          - {{role: Owner, principal: bob@contoso.onmicrosoft.com}}
          - {{role: Reader, principal: bob@contoso.onmicrosoft.com, scope: /resourceGroups/rg-web}}
  - name: Northwind
    domain: northwind.onmicrosoft.com
    users:
      - {{upn: nancy@northwind.onmicrosoft.com}}
relationships:
  - {{partner: fabrikam.onmicrosoft.com, customer: contoso.onmicrosoft.com, dap: true}}
"""


def cspadmin(*args: str | Path) -> Result:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"cspadmin crashed:\n{result.output}") from result.exception
    return result


def said(result: Result) -> str:
    """The output as one line: the console wraps at its width."""
    return " ".join(result.output.split())


def stored(data_dir: Path) -> tuple[str, str | None, list[RoleAssignment]]:
    """The subscription's tenant, CSP partner and role assignments, in the store."""
    database = Database(f"sqlite:///{data_dir / 'cspadmin.db'}")
    try:
        with database.connect() as connection:
            found = get_subscription(connection, SUBSCRIPTION)
            below = list_role_assignments(connection, scope_prefix=f"/subscriptions/{SUBSCRIPTION}")
    finally:
        database.dispose()
    assert found is not None
    return found.tenant_id, found.csp_partner_tenant_id, below


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    world = tmp_path / "world.yaml"
    world.write_text(WORLD, encoding="utf-8")
    assert cspadmin("world", "load", world, "--data-dir", tmp_path).exit_code == 0
    return tmp_path


def test_a_transfer_leaves_every_role_assignment_and_the_partner_behind(data_dir: Path) -> None:
    contoso = stored(data_dir)[0]
    result = cspadmin(
        "subscription", "transfer", SUBSCRIPTION, "--to", "northwind.onmicrosoft.com",
        "--owner", "nancy@northwind.onmicrosoft.com", "--data-dir", data_dir,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "deleted 3 role and 0 deny assignment(s), 0 custom role(s) and narrowed 0" in said(
        result
    )
    tenant, partner, assignments = stored(data_dir)
    assert (partner, len(assignments)) == (None, 1)
    assert assignments[0].tenant_id == tenant != contoso


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--to", "nowhere.example"), "There is no tenant"),
        (("--to", "contoso.onmicrosoft.com"), "already belongs"),
        (("--to", "northwind.onmicrosoft.com", "--owner", BOB), "does not belong"),
    ],
)  # fmt: skip
def test_a_refused_transfer_says_why_and_changes_nothing(
    data_dir: Path, arguments: tuple[str, ...], message: str
) -> None:
    before = stored(data_dir)
    result = cspadmin("subscription", "transfer", SUBSCRIPTION, *arguments, "--data-dir", data_dir)
    assert result.exit_code == 1
    assert said(result).startswith("InvalidParameter:") and message in said(result)
    unknown = cspadmin("subscription", "transfer", "nope", "--to", "x", "--data-dir", data_dir)
    assert (unknown.exit_code, said(unknown).split(":")[0]) == (1, "SubscriptionNotFound")
    assert stored(data_dir) == before
