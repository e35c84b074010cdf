"""ARM paths are case-insensitive; routes are not. This middleware rewrites the keyword
segments of an ARM path to their canonical casing (and collapses `//`, which `az resource
create -g … --resource-type …` sends) before routing. Names keep their casing, unless a
name is spelled like a keyword. Every literal segment of an ARM route must be listed here
(tests/api/test_paths.py checks the served routes against this table).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

_CANONICAL = {
    word.lower(): word
    for word in (
        "subscriptions",
        "resourceGroups",
        "providers",
        "resources",
        "tenants",
        "locations",
        "operationresults",
        "Microsoft.Authorization",
        "roleAssignments",
        "roleDefinitions",
        "denyAssignments",
        "permissions",
        "Microsoft.Management",
        "managementGroups",
        "Microsoft.Resources",
        "Microsoft.Insights",
        "eventtypes",
        "management",
        "values",
        "register",
        "Microsoft.Subscription",
        "aliases",
        "acceptOwnership",
        "acceptOwnershipStatus",
        "subscriptionOperations",
        "Microsoft.Billing",
        "billingAccounts",
        "customers",
    )
}
_SLASHES = re.compile(r"/{2,}")


def canonical_arm_path(path: str) -> str:
    collapsed = _SLASHES.sub("/", path)
    return "/".join(_CANONICAL.get(seg.lower(), seg) for seg in collapsed.split("/"))


class CanonicalArmPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if not path.startswith("/v1.0") and "/oauth2/" not in path:
                canonical = canonical_arm_path(path)
                if canonical != path:
                    scope = dict(scope, path=canonical, raw_path=canonical.encode())
        await self.app(scope, receive, send)
