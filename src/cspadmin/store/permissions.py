"""Permission blocks as the store keeps them: a JSON list in ARM's own shape
(`actions`, `notActions`, `dataActions`, `notDataActions`), shared by custom role
definitions and deny assignments."""

from __future__ import annotations

from collections.abc import Iterable

from cspadmin.domain.roles import Permission


def permissions_json(permissions: Iterable[Permission]) -> list[dict[str, list[str]]]:
    """The blocks as stored."""
    return [
        {
            "actions": list(p.actions),
            "notActions": list(p.not_actions),
            "dataActions": list(p.data_actions),
            "notDataActions": list(p.not_data_actions),
        }
        for p in permissions
    ]


def permissions_from_json(data: list[dict[str, list[str]]]) -> tuple[Permission, ...]:
    """The stored blocks; a missing list is an empty one."""
    return tuple(
        Permission(
            tuple(p.get("actions", ())),
            tuple(p.get("notActions", ())),
            tuple(p.get("dataActions", ())),
            tuple(p.get("notDataActions", ())),
        )
        for p in data
    )
