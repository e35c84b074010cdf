"""The OData query options Graph takes on directory collections, parsed and checked.

Supported: `$filter` with one `prop eq 'value'` or `startswith(prop,'value')` clause,
`$select`, `$top` (1 to 999), `$count=true` (with `ConsistencyLevel: eventual`) and the
`$skiptoken` of an `@odata.nextLink`. Anything else is refused with Graph's 400
Request_BadRequest, never passed on to fail later.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from fastapi import Request

from cspadmin.api.errors import WireError
from cspadmin.services.directory.paging import Window
from cspadmin.store.directory_profiles import Match

DEFAULT_PAGE = 100
MAX_PAGE = 999
_UNSUPPORTED = ("$orderby", "$search", "$expand", "$skip", "$apply", "$format")
_QUOTED = r"'((?:[^']|'')*)'"
_EQ = re.compile(rf"^\s*([A-Za-z]+)\s+eq\s+{_QUOTED}\s*$", re.IGNORECASE)
_STARTSWITH = re.compile(
    rf"^\s*startswith\s*\(\s*([A-Za-z]+)\s*,\s*{_QUOTED}\s*\)\s*$", re.IGNORECASE
)


def bad_request(message: str) -> WireError:
    return WireError(400, "Request_BadRequest", message)


@dataclass(frozen=True, slots=True)
class Query:
    match: Match | None
    select: tuple[str, ...] | None
    window: Window


@dataclass(frozen=True, slots=True)
class Queryable:
    """What one collection accepts: its Graph type name, the properties `$filter` may
    name (Graph name → store field; `prefix` ones also take startswith) and `$select`."""

    type_name: str
    equals: Mapping[str, str]
    prefix: Collection[str]
    selectable: Sequence[str]


def parse_query(request: Request, queryable: Queryable, *, filterable: bool = True) -> Query:
    params = {k if k.startswith("$") else f"${k}": v for k, v in request.query_params.items()}
    for option in _UNSUPPORTED:
        if option in params:
            raise bad_request(f"Query option '{option}' is not supported on this resource.")
    text = params.get("$filter")
    if text is not None and not filterable:
        raise bad_request("Query option '$filter' is not supported on this resource.")
    match = parse_filter(text, queryable) if text is not None else None
    count = _count(params.get("$count"), request.headers.get("consistencylevel"))
    window = Window(_skip(params.get("$skiptoken")), _top(params.get("$top")), count)
    return Query(match, parse_select(params.get("$select"), queryable), window)


def parse_filter(text: str, queryable: Queryable) -> Match:
    found = _EQ.match(text)
    prefix = found is None
    found = found or _STARTSWITH.match(text)
    if found is None:
        raise bad_request(f"Invalid filter clause: unsupported expression '{text}'.")
    name, value = found.group(1), found.group(2).replace("''", "'")
    field = {k.lower(): v for k, v in queryable.equals.items()}.get(name.lower())
    if field is None or (prefix and name.lower() not in {p.lower() for p in queryable.prefix}):
        raise bad_request(
            f"Unsupported or invalid query filter clause specified for property '{name}' "
            f"of resource '{queryable.type_name}'."
        )
    return Match(field, value, prefix)


def parse_select(text: str | None, queryable: Queryable) -> tuple[str, ...] | None:
    if text is None:
        return None
    known = {p.lower(): p for p in queryable.selectable}
    chosen: list[str] = []
    for item in (part.strip() for part in text.split(",")):
        if item.lower() not in known:
            raise bad_request(
                f"Could not find a property named '{item}' on type "
                f"'microsoft.graph.{queryable.type_name}'."
            )
        chosen.append(known[item.lower()])
    return tuple(dict.fromkeys(chosen))


def _top(text: str | None) -> int:
    if text is None:
        return DEFAULT_PAGE
    digits = text.strip()
    # isdigit() alone takes '²', which int() refuses
    if not (digits.isascii() and digits.isdigit()) or not 1 <= int(digits) <= MAX_PAGE:
        raise bad_request(
            f"Invalid page size specified: '{text}'. Must be between 1 and {MAX_PAGE} inclusive."
        )
    return int(text)


def _count(text: str | None, consistency: str | None) -> bool:
    if text is None or text.lower() == "false":
        return False
    if text.lower() != "true":
        raise bad_request(f"Invalid value '{text}' for query option '$count'.")
    if (consistency or "").lower() != "eventual":
        raise bad_request(
            "$count is not currently supported. Add the header ConsistencyLevel: eventual."
        )
    return True


def skip_token(offset: int) -> str:
    raw = json.dumps({"offset": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _skip(token: str | None) -> int:
    if token is None:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["offset"]
    except (ValueError, KeyError, TypeError, RecursionError, binascii.Error):
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise bad_request("The specified page token value is not valid.")
    return offset


def next_link(request: Request, offset: int) -> str:
    """The request's own URL, asking for the page at `offset`."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "$skiptoken"]
    params.append(("$skiptoken", skip_token(offset)))
    query = urlencode(params, quote_via=quote, safe="$,()'")
    return f"{request.url.replace(query=None)}?{query}"


def object_id(text: str) -> str:
    """A path or body object id in canonical form; Graph's 400 if it is not a GUID."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise bad_request(f"Invalid object identifier '{text}'.") from None
