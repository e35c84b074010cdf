"""The directory's refusals, as Graph renders them.

Each carries Graph's code and status:

    CspadminError
    ├── InvalidDirectoryRequest   400  Request_BadRequest
    ├── InsufficientPrivileges    403  Authorization_RequestDenied
    └── DirectoryObjectNotFound   404  Request_ResourceNotFound
"""

from __future__ import annotations

from cspadmin.errors import CspadminError


class InvalidDirectoryRequest(CspadminError):
    code = "Request_BadRequest"
    status = 400


class InsufficientPrivileges(CspadminError):
    code = "Authorization_RequestDenied"
    status = 403

    def __init__(self) -> None:
        super().__init__("Insufficient privileges to complete the operation.")


class DirectoryObjectNotFound(CspadminError):
    code = "Request_ResourceNotFound"
    status = 404

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Resource '{key}' does not exist or one of its queried reference-property "
            "objects are not present."
        )


def invalid_value(prop: str, resource: str = "User") -> InvalidDirectoryRequest:
    return InvalidDirectoryRequest(
        f"Invalid value specified for property '{prop}' of resource '{resource}'."
    )
