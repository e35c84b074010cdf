"""The activity log's record: one per write, whatever its outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    event_id: str
    at: datetime
    operation: str
    """The authorization action of the write, e.g. `Microsoft.Resources/deployments/write`."""
    http_method: str
    scope: str
    status: str
    """`Succeeded` or `Failed`."""
    status_code: int
    correlation_id: str
    tenant_id: str | None = None
    subscription_id: str | None = None
    caller_id: str | None = None
    caller: str | None = None
    properties: dict[str, Any] = field(default_factory=dict, hash=False)
