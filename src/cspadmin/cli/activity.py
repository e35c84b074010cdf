"""`cspadmin activity`: the activity log as a table, Partner Center steps included.

Azure Monitor's API (served by `api/arm/activity_log.py`) answers per subscription; a
partner's road back to its privileges also crosses tenant-level steps (relationship
requests, invitations, DAP removal, GDAP approval) that belong to no subscription. This
reads the whole log from the store, newest last, so the steps read in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import isodate
from rich.markup import escape
from rich.table import Table

from cspadmin.domain.activity import ActivityEvent


class InvalidWindow(ValueError):
    pass


def window_start(since: str, now: datetime) -> datetime:
    """`since` is an ISO-8601 duration back from now (`PT2H`, `P7D`) or a timestamp."""
    try:
        span = isodate.parse_duration(since)
    except (isodate.ISO8601Error, ValueError):
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise InvalidWindow(
                f"--since {since!r} is neither an ISO-8601 duration (PT2H, P7D) nor a time."
            ) from None
        return start if start.tzinfo else start.replace(tzinfo=now.tzinfo)
    back: timedelta = span if isinstance(span, timedelta) else span.totimedelta(end=now)
    return now - back


def activity_table(events: Sequence[ActivityEvent], title: str) -> Table:
    table = Table(title=title)
    table.add_column("Time (UTC)", no_wrap=True)
    table.add_column("Caller")
    table.add_column("Operation")
    table.add_column("Scope", overflow="fold")
    table.add_column("Status")
    for event in events:
        ok = event.status == "Succeeded"
        table.add_row(
            event.at.strftime("%Y-%m-%d %H:%M:%S"),
            escape(event.caller or "[unauthenticated]"),
            escape(event.operation),
            escape(event.scope),
            f"[green]{event.status}[/]" if ok else f"[red]{event.status} {event.status_code}[/]",
        )
    return table
