"""The Entra directory role catalogue: names and template ids.

Template ids are the public ones from the Entra permissions reference; GDAP relationships
and directory role assignments refer to roles by them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DirectoryRole:
    template_id: str
    display_name: str
    description: str


DIRECTORY_ROLES: tuple[DirectoryRole, ...] = (
    DirectoryRole(
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
        "Can manage all aspects of Microsoft Entra ID and Microsoft services.",
    ),
    DirectoryRole(
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        "Global Reader",
        "Can read everything that a Global Administrator can, but not update anything.",
    ),
    DirectoryRole(
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
        "Can reset passwords for non-administrators and Helpdesk Administrators.",
    ),
    DirectoryRole(
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
        "Can reset passwords for non-administrators and Password Administrators.",
    ),
    DirectoryRole(
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "User Administrator",
        "Can manage all aspects of users and groups, including resetting passwords "
        "for limited admins.",
    ),
    DirectoryRole(
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
        "License Administrator",
        "Can manage product licenses on users and groups.",
    ),
    DirectoryRole(
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        "Directory Readers",
        "Can read basic directory information.",
    ),
    DirectoryRole(
        "9360feb5-f418-4baa-8175-e2a00bac4301",
        "Directory Writers",
        "Can read and write basic directory information. For granting access to "
        "applications, not intended for users.",
    ),
    DirectoryRole(
        "f023fd81-a637-4b56-95fd-791ac0226033",
        "Service Support Administrator",
        "Can read service health information and manage support tickets.",
    ),
    DirectoryRole(
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
        "Can manage role assignments in Microsoft Entra ID, and all aspects of PIM.",
    ),
    DirectoryRole(
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
        "Can access to view, set and reset authentication method information for any user.",
    ),
    DirectoryRole(
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
        "Can access to view, set and reset authentication method information for "
        "any non-admin user.",
    ),
    DirectoryRole(
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
        "Can create and manage all aspects of app registrations and enterprise apps "
        "except App Proxy.",
    ),
    DirectoryRole(
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
        "Can create and manage all aspects of app registrations and enterprise apps.",
    ),
    DirectoryRole(
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "Groups Administrator",
        "Members of this role can create/manage groups and manage all groups settings.",
    ),
    DirectoryRole(
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        "Hybrid Identity Administrator",
        "Can manage AD to Microsoft Entra cloud provisioning and federation settings.",
    ),
    DirectoryRole(
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
        "Can manage all aspects of the Exchange product.",
    ),
    DirectoryRole(
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
        "Can manage all aspects of the Intune product.",
    ),
    DirectoryRole(
        "95e79109-95c0-4d8e-aee3-d01accf2d47b",
        "Guest Inviter",
        "Can invite guest users independent of the 'members can invite guests' setting.",
    ),
    DirectoryRole(
        "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b",
        "Message Center Reader",
        "Can read messages and updates for their organization in Message center only.",
    ),
    DirectoryRole(
        "4a5d8f65-41da-4de4-8968-e035b65339cf",
        "Reports Reader",
        "Can read sign-in and audit reports.",
    ),
    DirectoryRole(
        "27460883-1df1-4691-b032-3b79643e5e63",
        "User Experience Success Manager",
        "Can see usage reports and Adoption Score, Message center and product feedback.",
    ),
    DirectoryRole(
        "75934031-6c7e-415a-99d7-48dbd49e875e",
        "Usage Summary Reports Reader",
        "Can see only tenant level aggregates in Microsoft 365 Usage Analytics.",
    ),
)

BY_TEMPLATE_ID: dict[str, DirectoryRole] = {r.template_id: r for r in DIRECTORY_ROLES}
BY_NAME: dict[str, DirectoryRole] = {r.display_name.lower(): r for r in DIRECTORY_ROLES}

GLOBAL_ADMINISTRATOR = BY_NAME["global administrator"]
HELPDESK_ADMINISTRATOR = BY_NAME["helpdesk administrator"]


def find_directory_role(name_or_template_id: str) -> DirectoryRole | None:
    """Look a role up by display name (any case) or by template id."""
    key = name_or_template_id.strip().lower()
    return BY_TEMPLATE_ID.get(key) or BY_NAME.get(key)


class RoleTemplate(enum.StrEnum):
    """Template ids of the roles that rules in the code name (the catalogue above has them all)."""

    GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
    GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
    PRIVILEGED_AUTHENTICATION_ADMINISTRATOR = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
    AUTHENTICATION_ADMINISTRATOR = "c4e39bd9-1100-46d3-8c65-fb160da0071f"
    USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
    HELPDESK_ADMINISTRATOR = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
    PASSWORD_ADMINISTRATOR = "966707d0-3269-4727-9be2-8c3a10f19b9d"
    DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
    DIRECTORY_WRITERS = "9360feb5-f418-4baa-8175-e2a00bac4301"
    LICENSE_ADMINISTRATOR = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
    GROUPS_ADMINISTRATOR = "fdd7a751-b60b-444a-984c-02652fe8fa1c"
    GUEST_INVITER = "95e79109-95c0-4d8e-aee3-d01accf2d47b"
    MESSAGE_CENTER_READER = "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b"
    PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814"
    REPORTS_READER = "4a5d8f65-41da-4de4-8968-e035b65339cf"
    USER_EXPERIENCE_SUCCESS_MANAGER = "27460883-1df1-4691-b032-3b79643e5e63"
    USAGE_SUMMARY_REPORTS_READER = "75934031-6c7e-415a-99d7-48dbd49e875e"
