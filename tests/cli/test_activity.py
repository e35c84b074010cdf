"""`cspadmin activity`: the log as a table, filtered by time, tenant, caller and outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cspadmin.cli import main
from cspadmin.cli.activity import InvalidWindow, window_start
from cspadmin.cli.main import app
from cspadmin.domain.activity import ActivityEvent
from cspadmin.domain.directory import Tenant
from cspadmin.services.control_plane import utcnow
from cspadmin.store.activity import append_event
from cspadmin.store.database import Database
from cspadmin.store.directory import save_tenant

runner = CliRunner(env={"CSPADMIN_DATABASE_URL": None, "CSPADMIN_DATA_DIR": None})
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CONTOSO = "d3f1a6b2-0c4e-4a7d-9b8e-000000000101"
FABRIKAM = "6f1c2a54-0d8e-4b5e-9a0b-2f3c1d4e5f60"


@pytest.mark.parametrize(
    ("since", "start"),
    [
        ("PT2H", NOW - timedelta(hours=2)),
        ("P7D", NOW - timedelta(days=7)),
        ("P1M", datetime(2026, 10, 27, 12, 0, tzinfo=UTC)),
        ("2026-11-26T08:30:00+00:00", datetime(2026, 11, 26, 8, 30, tzinfo=UTC)),
        ("2026-11-26T08:30:00", datetime(2026, 11, 26, 8, 30, tzinfo=UTC)),
    ],
)
def test_since_is_a_duration_back_from_now_or_a_time(since: str, start: datetime) -> None:
    assert window_start(since, NOW) == start


def test_since_that_is_neither_is_refused() -> None:
    with pytest.raises(InvalidWindow, match="neither an ISO-8601 duration"):
        window_start("yesterday", NOW)


def event(
    at: datetime, operation: str, caller: str, tenant: str, status: str = "Succeeded"
) -> ActivityEvent:
    return ActivityEvent(
        event_id=f"{operation}-{at.isoformat()}",
        at=at,
        operation=operation,
        http_method="POST",
        scope=f"/partners/{FABRIKAM}/customers/{tenant}",
        status=status,
        status_code=200 if status == "Succeeded" else 403,
        correlation_id="c0ffee00-0000-4000-8000-000000000001",
        tenant_id=tenant,
        caller=caller,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    database = Database.open(data_dir=tmp_path)
    now = utcnow()
    with database.begin() as connection:
        save_tenant(connection, Tenant(CONTOSO, "Contoso", "contoso.onmicrosoft.com"))
        for e in [
            event(now - timedelta(days=3), "Microsoft.PartnerCenter/old/action", "bob", CONTOSO),
            event(
                now - timedelta(hours=2),
                "Microsoft.PartnerCenter/invitations/accept/action",
                "bob@contoso.onmicrosoft.com",
                CONTOSO,
            ),
            event(
                now - timedelta(hours=1),
                "Microsoft.Authorization/roleAssignments/write",
                "carol@contoso.onmicrosoft.com",
                CONTOSO,
                "Failed",
            ),
            event(
                now - timedelta(minutes=5),
                "Microsoft.PartnerCenter/relationshipRequests/write",
                "sam@fabrikampartner.onmicrosoft.com",
                FABRIKAM,
            ),
        ]:
            append_event(connection, e)
    database.dispose()
    return tmp_path


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough that no operation name wraps in the table."""
    monkeypatch.setattr(main, "console", Console(width=250))


def run(data_dir: Path, *args: str) -> str:
    result = runner.invoke(app, ["activity", "--data-dir", str(data_dir), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_last_day_reads_oldest_first(data_dir: Path) -> None:
    output = run(data_dir)

    accepted = output.index("invitations/accept/action")
    refused = output.index("roleAssignments/write")
    requested = output.index("relationshipRequests/write")
    assert accepted < refused < requested
    assert "old/action" not in output
    assert "Failed 403" in output


def test_filters_by_tenant_domain_caller_and_outcome(data_dir: Path) -> None:
    in_contoso = run(data_dir, "--tenant", "contoso.onmicrosoft.com", "--since", "P7D")
    refused = run(data_dir, "--failed")
    by_sam = run(data_dir, "--caller", "SAM@fabrikampartner.onmicrosoft.com")

    assert "old/action" in in_contoso and "relationshipRequests" not in in_contoso
    assert "roleAssignments/write" in refused and "accept/action" not in refused
    assert "relationshipRequests/write" in by_sam and "accept/action" not in by_sam


def test_an_unknown_tenant_or_a_bad_window_is_an_error(data_dir: Path) -> None:
    unknown = runner.invoke(app, ["activity", "--data-dir", str(data_dir), "--tenant", "nope"])
    bad = runner.invoke(app, ["activity", "--data-dir", str(data_dir), "--since", "soon"])

    assert unknown.exit_code == bad.exit_code == 1
    assert "No tenant 'nope'" in unknown.output
    assert "neither an ISO-8601 duration" in bad.output
