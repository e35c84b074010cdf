"""Who may reset whose password through `PATCH /users/{id}` (partner-center-wire.md §7).

One tenant holds a resetter for each role of Entra's table and a target for each of its
rows; every row of the table is checked over HTTP against every resetter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.graph.conftest import Graph, shared_app

DOMAIN = "resetco.onmicrosoft.com"
RESETTERS = {
    "r-password": "Password Administrator",
    "r-helpdesk": "Helpdesk Administrator",
    "r-auth": "Authentication Administrator",
    "r-user": "User Administrator",
    "r-privauth": "Privileged Authentication Administrator",
    "r-global": "Global Administrator",
}
TARGETS = {
    "t-none": None,
    "t-readers": "Directory Readers",
    "t-global": "Global Administrator",
    "t-groups": "Groups Administrator",
    "t-helpdesk": "Helpdesk Administrator",
    "t-password": "Password Administrator",
    "t-privauth": "Privileged Authentication Administrator",
    "t-privrole": "Privileged Role Administrator",
    "t-user": "User Administrator",
    "t-auth": "Authentication Administrator",
    "t-license": "License Administrator",
}
# Columns: Password, Helpdesk, Authentication, User, Privileged Authentication, Global
# Administrator. "+" may reset, "." may not.
TABLE = {
    "t-none": "++++++",
    "t-readers": "++++++",
    "t-global": "....++",
    "t-groups": "...+++",
    "t-helpdesk": ".+.+++",
    "t-password": "++++++",
    "t-privauth": "....++",
    "t-privrole": "....++",
    "t-user": "...+++",
    "t-auth": "..+.++",
    "t-license": "....++",  # every other role
    "t-in-group": "....++",  # no role of its own, member of a group that holds one
}


def _world() -> str:
    lines = [f"tenants:\n  - name: Reset Co\n    domain: {DOMAIN}\n    users:"]
    for name, resetter_role in RESETTERS.items():
        lines.append(
            f"      - upn: {name}@{DOMAIN}\n        password: {name}-Pass-1\n"
            f"        directory_roles: [{resetter_role}]"
        )
    for name, role in TARGETS.items():
        roles = f"[{role}]" if role else "[]"
        lines.append(f"      - upn: {name}@{DOMAIN}\n        directory_roles: {roles}")
    lines.append(f"      - upn: t-in-group@{DOMAIN}\n        groups: [Readers]")
    lines.append("    groups:\n      - name: Readers\n        directory_roles: [Directory Readers]")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def reset_world(
    session_database: tuple[str, Any],
    key_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Graph]:
    world = tmp_path_factory.mktemp("reset-world") / "world.yaml"
    world.write_text(_world())
    for graph in shared_app(session_database, key_dir, world, {}):
        graph.users.update({n: (f"{n}@{DOMAIN}", f"{n}-Pass-1") for n in RESETTERS})
        yield graph


@pytest.mark.parametrize("target", TABLE)
def test_who_may_reset_whose_password(reset_world: Graph, target: str) -> None:
    outcomes = ""
    for resetter in RESETTERS:
        response = reset_world.patch(
            f"/users/{target}@{DOMAIN}",
            resetter,
            json={"passwordProfile": {"password": "Reset-pass-1"}},
        )
        assert response.status_code in (204, 403), response.text
        outcomes += "+" if response.status_code == 204 else "."
    assert outcomes == TABLE[target]


def test_a_refused_reset_says_insufficient_privileges(reset_world: Graph) -> None:
    response = reset_world.patch(
        f"/users/t-global@{DOMAIN}",
        "r-helpdesk",
        json={"passwordProfile": {"password": "Reset-pass-1"}},
    )
    assert response.json()["error"]["message"] == (
        "Insufficient privileges to complete the operation."
    )
