"""OData `$filter` for ARM's lists: clauses joined by `and`, as az and the SDKs send them.

    field op value          op one of eq, ne, gt, ge, lt, le; value quoted or bare
    substringof('v', field) op `substringof`

Each surface names the fields and operators it accepts (generic resources, resource
groups, the activity log); anything else is 400 InvalidFilterInQueryString.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from cspadmin.errors import BadRequest


class InvalidFilter(BadRequest):
    code = "InvalidFilterInQueryString"


@dataclass(frozen=True, slots=True)
class Clause:
    """One OData comparison: `field op value`; `substringof('v', f)` is op `substringof`."""

    field: str
    op: str
    value: str


_TOKEN = re.compile(r"\s*(?:'((?:[^']|'')*)'|([(),])|([^\s(),']+))")
_OPERATORS = {"eq", "ne", "gt", "ge", "lt", "le"}


def filter_clauses(
    text: str, fields: Collection[str], operators: Collection[str] = ("eq", "substringof")
) -> list[Clause]:
    """Parse `a eq 'x' and b ge 2024-01-01T00:00:00Z and substringof('y', c)`; every field
    must be one of `fields` (lower-case) and every operator one of `operators`. Values may
    be quoted or bare, as az sends them."""
    tokens = _tokens(text)
    clauses: list[Clause] = []
    while tokens:
        clauses.append(_clause(text, tokens))
        if tokens:
            kind, word = tokens.pop(0)
            if kind != "word" or word.lower() != "and":
                raise InvalidFilter(f"The $filter '{text}' is invalid: expected 'and'.")
    for clause in clauses:
        if clause.field.lower() not in fields or clause.op not in operators:
            raise InvalidFilter(
                f"The $filter '{text}' is invalid: '{clause.field} {clause.op}' is not supported."
            )
    return clauses


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None:
            raise InvalidFilter(f"The $filter '{text}' is invalid.")
        quoted, punct, word = match.groups()
        if quoted is not None:
            tokens.append(("text", quoted.replace("''", "'")))
        else:
            tokens.append(("punct", punct) if punct else ("word", word))
        position = match.end()
    return tokens


def _clause(text: str, tokens: list[tuple[str, str]]) -> Clause:
    invalid = InvalidFilter(f"The $filter '{text}' is invalid.")
    if len(tokens) >= 6 and tokens[0][1].lower() == "substringof" and tokens[1][1] == "(":
        needle, comma, subject, close = tokens[2], tokens[3], tokens[4], tokens[5]
        if needle[0] != "text" or comma[1] != "," or subject[0] != "word" or close[1] != ")":
            raise invalid
        del tokens[:6]
        return Clause(subject[1], "substringof", needle[1])
    if len(tokens) < 3 or tokens[0][0] != "word" or tokens[1][1].lower() not in _OPERATORS:
        raise invalid
    name, op, (kind, value) = tokens[0][1], tokens[1][1].lower(), tokens[2]
    if kind == "punct":
        raise invalid
    del tokens[:3]
    return Clause(name, op, value)
