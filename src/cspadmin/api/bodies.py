"""Reading JSON request bodies as Azure's services do: property names ignoring case.

ARM and Partner Center both accept a property whatever its casing (Microsoft's own
articles and SDKs send `DisplayName`, `LineItems`), so every surface reads bodies here.
"""

from __future__ import annotations

from typing import Any


def field(body: Any, name: str) -> Any:
    """The value of property `name` of a JSON object, ignoring case; None when `body` is
    no object or has no such property."""
    if not isinstance(body, dict):
        return None
    wanted = name.lower()
    return next((v for k, v in body.items() if isinstance(k, str) and k.lower() == wanted), None)
