"""What the engine answers: a caller, and the explained decision about one action."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cspadmin.domain.assignments import DenyAssignment, RoleAssignment


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: the principal, the tenant its token is for, and its home tenant.

    A partner user working in a customer tenant has `tenant_id` = the customer and
    `home_tenant_id` = the partner.
    """

    object_id: str
    tenant_id: str
    home_tenant_id: str

    @classmethod
    def native(cls, object_id: str, tenant_id: str) -> Caller:
        return cls(object_id, tenant_id, tenant_id)

    @property
    def is_foreign(self) -> bool:
        return self.tenant_id != self.home_tenant_id


class MissingLinkKind(enum.Enum):
    """The first link that broke, in the order the engine checks them."""

    UNKNOWN_SCOPE = "unknownScope"
    WRONG_TENANT = "wrongTenant"
    NO_DELEGATED_ACCESS = "noDelegatedAccess"
    DENY_ASSIGNMENT = "denyAssignment"
    ROLE_LACKS_ACTION = "roleLacksAction"
    NO_ROLE_ASSIGNMENT = "noRoleAssignment"


@dataclass(frozen=True, slots=True)
class MissingLink:
    kind: MissingLinkKind
    message: str
    deny_assignment: DenyAssignment | None = None
    held: tuple[RoleAssignment, ...] = ()
    """For ROLE_LACKS_ACTION: the assignments the caller does hold on the chain."""


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed with the assignments that grant it, or denied with the first missing link."""

    allowed: bool
    caller: Caller
    action: str
    scope: str
    granted_by: tuple[RoleAssignment, ...] = ()
    missing: MissingLink | None = None

    def __bool__(self) -> bool:
        return self.allowed

    def explain(self) -> str:
        if self.allowed:
            grants = "; ".join(
                f"role {a.role_definition_id} for principal {a.principal_id} at {a.scope}"
                for a in self.granted_by
            )
            return f"Allowed: {self.action} at {self.scope} is granted by {grants}."
        assert self.missing is not None
        return f"Denied: {self.missing.message}"
