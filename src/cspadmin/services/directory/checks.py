"""The values Graph accepts for a user's properties, and its password policy."""

from __future__ import annotations

import re

from sqlalchemy import Connection

from cspadmin.services.directory.errors import InvalidDirectoryRequest, invalid_value
from cspadmin.store import directory as store

_UPN_LOCAL = re.compile(r"^[A-Za-z0-9'_!#^~+-]+(\.[A-Za-z0-9'_!#^~+-]+)*$")
_NICKNAME = re.compile(r"^[\x21-\x7e]{1,64}$")
_NICKNAME_FORBIDDEN = set('@()\\[]";:<>,')


def duplicate_upn() -> InvalidDirectoryRequest:
    return InvalidDirectoryRequest(
        "Another object with the same value for property userPrincipalName already exists."
    )


def checked_upn(connection: Connection, tenant_id: str, upn: str) -> str:
    local, at, domain = upn.strip().rpartition("@")
    if not at or not _UPN_LOCAL.match(local) or len(upn) > 113:
        raise invalid_value("userPrincipalName")
    tenant = store.get_tenant(connection, tenant_id)
    if tenant is None or domain.lower() not in {d.lower() for d in tenant.all_domains()}:
        raise InvalidDirectoryRequest(
            "The domain portion of the userPrincipalName property is invalid. You must use "
            "one of the verified domain names in your organization."
        )
    if store.get_user(connection, upn.strip()) is not None:
        raise duplicate_upn()
    return upn.strip()


def check_password(password: str) -> None:
    """Entra's default policy: 8 to 256 characters, three of the four kinds of character."""
    kinds = (
        any(ch.islower() for ch in password),
        any(ch.isupper() for ch in password),
        any(ch.isdigit() for ch in password),
        any(not ch.isalnum() for ch in password),
    )
    if not 8 <= len(password) <= 256 or sum(kinds) < 3:
        raise InvalidDirectoryRequest(
            "The specified password does not comply with password complexity requirements. "
            "Please provide a different password."
        )


def checked_display_name(name: str) -> str:
    if not name.strip() or len(name) > 256:
        raise invalid_value("displayName")
    return name


def checked_mail_nickname(nickname: str) -> str:
    if not _NICKNAME.match(nickname) or _NICKNAME_FORBIDDEN.intersection(nickname):
        raise invalid_value("mailNickname")
    return nickname


def checked_name_part(prop: str, value: str | None) -> str | None:
    """givenName and surname: at most 64 characters, as Graph allows."""
    if value is not None and len(value) > 64:
        raise invalid_value(prop)
    return value


def checked_usage_location(location: str | None) -> str | None:
    if location is None:
        return None
    if len(location) != 2 or not location.isalpha():
        raise invalid_value("usageLocation")
    return location.upper()
