"""What replaying a spec example against the server compares: status and shape."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

SHARED = Path(os.environ.get("CSPADMIN_SHARED", Path(__file__).parents[3].parent / "shared"))
"""The read-only `shared/` folder that lies beside the project (and beside CI's clone)."""
SPECIFICATION = SHARED / "vectors" / "specification"


class _Operation(Protocol):
    method: str


def expected_status(operation: _Operation, responses: dict[str, Any]) -> int:
    """The success the scenario produces: creation is 201, a delete of what exists 200."""
    preferred = "201" if operation.method == "PUT" else "200"
    return int(preferred if preferred in responses else min(responses))


def missing_keys(expected: Any, actual: Any, where: str = "") -> list[str]:
    """The keys of `expected` that `actual` lacks, recursively (list items against the
    first item of the example)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [where or "(body)"]
        gaps = [f"{where}.{k}" for k in expected if k not in actual]
        for key in expected.keys() & actual.keys():
            gaps += missing_keys(expected[key], actual[key], f"{where}.{key}")
        return gaps
    if isinstance(expected, list) and expected:
        if not isinstance(actual, list) or not actual:
            return [f"{where}[]"]
        return sorted({g for item in actual for g in missing_keys(expected[0], item, f"{where}[]")})
    return []
