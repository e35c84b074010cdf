"""Reading JSON request bodies as Azure's services do: property names ignoring case.

ARM and Partner Center both accept a property whatever its casing (Microsoft's own
articles and SDKs send `DisplayName`, `LineItems`), so every surface reads bodies here,
and ARM's readers refuse a body that is not the resource with the one error built here.
"""

from __future__ import annotations

from typing import Any

from cspadmin.api.errors import WireError


def field(body: Any, name: str) -> Any:
    """The value of property `name` of a JSON object, ignoring case; None when `body` is
    no object or has no such property."""
    if not isinstance(body, dict):
        return None
    wanted = name.lower()
    return next((v for k, v in body.items() if isinstance(k, str) and k.lower() == wanted), None)


def invalid_content(reason: str) -> WireError:
    """ARM's 400 InvalidRequestContent for a body that is not the resource it should be;
    `reason` completes "The request content was invalid: …" (no closing full stop)."""
    return WireError(400, "InvalidRequestContent", f"The request content was invalid: {reason}.")
