"""The errors cspadmin raises, as data.

Every error knows the wire code and HTTP status Azure would answer with; the HTTP layer
renders them into the envelope of its surface (ARM, Graph, OAuth) in one place.

    CspadminError
    ├── BadRequest (400)
    │   ├── InvalidScope                 a malformed ARM resource id
    │   ├── InvalidRoleDefinition        a custom role that breaks the rules
    │   ├── InvalidPrincipalId
    │   ├── InvalidRoleAssignmentId
    │   └── WorldFileError               a world file that cannot be loaded
    ├── AuthorizationFailed (403)        the engine said no
    ├── NotFound (404)
    │   ├── SubscriptionNotFound, ResourceGroupNotFound, ResourceNotFound
    │   ├── RoleDefinitionDoesNotExist
    │   └── PrincipalNotFound (400 on the wire, as Azure answers)
    └── Conflict (409)
        └── RoleAssignmentExists

Errors that belong to one use case alone (a resource-group location conflict, a Graph
password rule) are leaves of this tree defined next to that use case in `services/`.
"""

from __future__ import annotations


class CspadminError(Exception):
    """Base of every error cspadmin raises on purpose."""

    code: str = "InternalError"
    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(CspadminError):
    code = "BadRequest"
    status = 400


class InvalidScope(BadRequest):
    """A resource id that is not a valid ARM scope; `reason` names what is wrong."""

    code = "InvalidResourceId"

    def __init__(self, scope: str, reason: str) -> None:
        super().__init__(f"The scope '{scope}' is not valid: {reason}.")
        self.scope = scope
        self.reason = reason


class InvalidRoleDefinition(BadRequest):
    code = "InvalidRoleDefinition"


class InvalidPrincipalId(BadRequest):
    code = "InvalidPrincipalId"


class InvalidRoleAssignmentId(BadRequest):
    code = "InvalidRoleAssignmentId"


class WorldFileError(BadRequest):
    """A world file that cannot be loaded; `path` is the key path, `line` its line."""

    code = "InvalidWorldFile"

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        where = f"{path} (line {line})" if line else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


class MissingApiVersionParameter(BadRequest):
    code = "MissingApiVersionParameter"

    def __init__(self) -> None:
        super().__init__(
            "The api-version query parameter (?api-version=) is required for all requests."
        )


class InvalidApiVersionParameter(BadRequest):
    code = "InvalidApiVersionParameter"

    def __init__(self, given: str, supported: tuple[str, ...]) -> None:
        super().__init__(
            f"The api-version '{given}' is invalid. The supported versions are "
            f"'{','.join(supported)}'."
        )


class AuthorizationFailed(CspadminError):
    """Azure's 403, in Azure's words; `reason` is the engine's missing link, for logs."""

    code = "AuthorizationFailed"
    status = 403

    def __init__(self, client: str, object_id: str, action: str, scope: str, reason: str = ""):
        super().__init__(
            f"The client '{client}' with object id '{object_id}' does not have authorization "
            f"to perform action '{action}' over scope '{scope}' or the scope is invalid. If "
            "access was recently granted, please refresh your credentials."
        )
        self.reason = reason


class NotFound(CspadminError):
    code = "NotFound"
    status = 404


class SubscriptionNotFound(NotFound):
    code = "SubscriptionNotFound"

    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"The subscription '{subscription_id}' could not be found.")


class ResourceGroupNotFound(NotFound):
    code = "ResourceGroupNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"Resource group '{name}' could not be found.")


class ResourceNotFound(NotFound):
    code = "ResourceNotFound"

    def __init__(self, resource_id: str, resource_group: str | None) -> None:
        below = resource_id.split("/providers/", 1)[-1]
        super().__init__(
            f"The Resource '{below}' under resource group '{resource_group}' was not "
            "found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        )


class RoleDefinitionDoesNotExist(NotFound):
    code = "RoleDefinitionDoesNotExist"

    def __init__(self, role: str) -> None:
        super().__init__(f"The specified role definition with ID '{role}' does not exist.")
        self.role = role


class PrincipalNotFound(NotFound):
    code = "PrincipalNotFound"
    status = 400

    def __init__(self, principal_id: str, tenant_id: str) -> None:
        super().__init__(
            f"Principal {principal_id.replace('-', '')} does not exist in the directory "
            f"{tenant_id}. Check that you have the correct principal ID. If you are creating "
            "this principal and then immediately assigning a role, this error might be "
            "related to a replication delay. In this case, set the role assignment "
            "principalType property to a value, such as ServicePrincipal, User, or Group.  "
            "See https://aka.ms/docs-principaltype"
        )
        self.principal_id = principal_id
        self.tenant_id = tenant_id


class Conflict(CspadminError):
    code = "Conflict"
    status = 409


class RoleAssignmentExists(Conflict):
    code = "RoleAssignmentExists"

    def __init__(self, existing_id: str | None = None) -> None:
        suffix = f" The ID of the existing role assignment is {existing_id}." if existing_id else ""
        super().__init__("The role assignment already exists." + suffix)
        self.existing_id = existing_id
