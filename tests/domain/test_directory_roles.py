"""The Entra role catalogue: every role a rule names is one a world file can grant."""

from __future__ import annotations

import pytest

from cspadmin.domain.directory_roles import BY_TEMPLATE_ID, RoleTemplate, find_directory_role


@pytest.mark.parametrize("role", list(RoleTemplate))
def test_every_role_a_rule_names_is_in_the_catalogue(role: RoleTemplate) -> None:
    listed = BY_TEMPLATE_ID[role]
    assert find_directory_role(listed.display_name) == listed
    assert listed.display_name.upper().replace(" ", "_") == role.name


@pytest.mark.parametrize(
    ("name", "template_id"),
    [
        ("License Administrator", "4d6ac14f-3453-41d0-bef9-a3e0c569773a"),
        ("Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451"),
        ("Directory Writers", "9360feb5-f418-4baa-8175-e2a00bac4301"),
    ],
)
def test_licensing_roles_carry_entras_template_ids(name: str, template_id: str) -> None:
    role = find_directory_role(name.lower())
    assert role is not None
    assert role.template_id == template_id
    assert find_directory_role(template_id.upper()) == role


def test_an_unknown_role_is_not_found() -> None:
    assert find_directory_role("Licence Administrator") is None
