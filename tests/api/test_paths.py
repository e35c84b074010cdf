"""ARM paths are case-insensitive (`api/paths.py`): az and the SDKs send keyword segments
in whatever case their specs spell them (`resourcegroups`, `microsoft.billing/
billingaccounts`), and every route must answer them."""

from __future__ import annotations

from typing import cast

import pytest

from cspadmin.api.app import create_app
from cspadmin.api.openapi import ArmError, envelope_of
from cspadmin.api.paths import canonical_arm_path
from cspadmin.api.state import AppState


class _NoState:
    plane = None


def arm_paths() -> list[str]:
    """Every ARM route of the served document (nothing is called)."""
    document = create_app(cast(AppState, _NoState())).openapi()
    return [path for path in document["paths"] if envelope_of(path) is ArmError]


@pytest.mark.parametrize("path", arm_paths())
def test_every_arm_route_is_reached_from_its_lower_cased_path(path: str) -> None:
    assert canonical_arm_path(path.lower()) == path


def test_names_keep_their_case_and_double_slashes_collapse() -> None:
    sent = "/SUBSCRIPTIONS/s/resourcegroups/RG-Web//providers/Microsoft.Storage//storageAccounts/S"
    assert canonical_arm_path(sent) == (
        "/subscriptions/s/resourceGroups/RG-Web/providers/Microsoft.Storage/storageAccounts/S"
    )
    alias = "/providers/microsoft.subscription/aliases/My-Alias"
    assert canonical_arm_path(alias) == "/providers/Microsoft.Subscription/aliases/My-Alias"
