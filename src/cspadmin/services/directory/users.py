"""A tenant's users: reading, creating, updating and deleting them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import User
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.credentials import hash_secret
from cspadmin.services.directory.checks import (
    check_password,
    checked_display_name,
    checked_mail_nickname,
    checked_name_part,
    checked_upn,
    checked_usage_location,
    duplicate_upn,
)
from cspadmin.services.directory.errors import DirectoryObjectNotFound, InvalidDirectoryRequest
from cspadmin.services.directory.paging import Page, Window, paged
from cspadmin.services.directory.rules import (
    USER_MANAGERS,
    holding_of,
    may_manage_sensitive,
    may_reset_password,
    may_set_usage_location,
    reader_roles,
    require,
)
from cspadmin.store import directory as directory_store
from cspadmin.store import directory_profiles as store
from cspadmin.store.directory_profiles import Match, UserProfile
from cspadmin.store.journal import Fact


@dataclass(frozen=True, slots=True)
class NewUser:
    user_principal_name: str
    display_name: str
    mail_nickname: str
    password: str
    force_change_password: bool = False
    account_enabled: bool = True
    given_name: str | None = None
    surname: str | None = None
    usage_location: str | None = None


@dataclass(frozen=True, slots=True)
class PasswordReset:
    password: str
    force_change_password: bool = False


@dataclass(frozen=True, slots=True)
class UserChanges:
    """A PATCH of a user: None leaves a property as it is."""

    display_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    mail_nickname: str | None = None
    usage_location: str | None = None
    user_principal_name: str | None = None
    account_enabled: bool | None = None
    password: PasswordReset | None = None

    @property
    def sensitive(self) -> bool:
        return self.user_principal_name is not None or self.account_enabled is not None

    @property
    def basic(self) -> bool:
        """Profile properties only a user manager sets (usage location has its own rule)."""
        return any(
            v is not None
            for v in (self.display_name, self.given_name, self.surname, self.mail_nickname)
        )

    @property
    def empty(self) -> bool:
        return not (
            self.basic
            or self.sensitive
            or self.usage_location is not None
            or self.password is not None
        )


def list_users(
    plane: ControlPlane, caller: Caller, match: Match | None, window: Window
) -> Page[UserProfile]:
    with plane.database.connect() as c:
        reader_roles(plane, c, caller)
        tenant = caller.tenant_id
        return paged(
            lambda offset, limit: store.find_user_profiles(c, tenant, match, offset, limit),
            lambda: store.count_users(c, tenant, match),
            window,
        )


def get_user(plane: ControlPlane, caller: Caller, key: str) -> UserProfile:
    """A user of the caller's tenant by object id or user principal name."""
    with plane.database.connect() as c:
        reader_roles(plane, c, caller)
        return user_in_tenant(c, caller.tenant_id, key)


def signed_in_user(plane: ControlPlane, caller: Caller) -> UserProfile:
    """The caller itself, when it is a user: a partner's agent gets its home account."""
    with plane.database.connect() as c:
        found = store.get_user_profile(c, caller.object_id)
    if found is None:
        raise InvalidDirectoryRequest(
            "/me request is only valid with delegated authentication flow."
        )
    return found


def user_in_tenant(connection: Connection, tenant_id: str, key: str) -> UserProfile:
    """The user `key` (id or sign-in name) of the tenant; one elsewhere is not found."""
    found = store.get_user_profile(connection, key)
    if found is None or found.user.tenant_id != tenant_id:
        raise DirectoryObjectNotFound(key)
    return found


def create_user(plane: ControlPlane, caller: Caller, new: NewUser) -> UserProfile:
    with plane.change() as change:
        c = change.connection
        require(bool(reader_roles(plane, c, caller) & USER_MANAGERS))
        upn = checked_upn(c, caller.tenant_id, new.user_principal_name)
        check_password(new.password)
        user = User(
            str(uuid.uuid4()),
            caller.tenant_id,
            upn,
            checked_display_name(new.display_name),
            hash_secret(new.password),
            new.account_enabled,
            checked_usage_location(new.usage_location),
        )
        profile = UserProfile(
            user,
            checked_mail_nickname(new.mail_nickname),
            checked_name_part("givenName", new.given_name),
            checked_name_part("surname", new.surname),
            new.force_change_password,
            plane.clock(),
        )
        _save(c, profile)
        change.touched(Fact.PRINCIPAL, user.id)
    return profile


def update_user(plane: ControlPlane, caller: Caller, key: str, changes: UserChanges) -> UserProfile:
    with plane.change() as change:
        c = change.connection
        roles = reader_roles(plane, c, caller)
        current = user_in_tenant(c, caller.tenant_id, key)
        target = holding_of(plane, c, current.user)
        if changes.basic or changes.empty:
            require(bool(roles & USER_MANAGERS))
        if changes.usage_location is not None:
            require(may_set_usage_location(roles))
        if changes.sensitive:
            require(may_manage_sensitive(roles, target))
        if changes.password is not None:
            require(may_reset_password(roles, target))
        updated = _changed(c, current, changes)
        _save(c, updated)
    return updated


def delete_user(plane: ControlPlane, caller: Caller, key: str) -> str:
    """Delete a user of the caller's tenant; its object id."""
    with plane.change() as change:
        c = change.connection
        roles = reader_roles(plane, c, caller)
        user = user_in_tenant(c, caller.tenant_id, key).user
        require(may_manage_sensitive(roles, holding_of(plane, c, user)))
        directory_store.delete_user(c, user.id)
        change.touched(Fact.PRINCIPAL, user.id)  # its memberships with it
    return user.id


def _save(connection: Connection, profile: UserProfile) -> None:
    try:
        store.save_user_profile(connection, profile)
    except IntegrityError:  # a concurrent create took the UPN first
        raise duplicate_upn() from None


def _changed(connection: Connection, current: UserProfile, changes: UserChanges) -> UserProfile:
    user = current.user
    if changes.user_principal_name is not None:
        upn = changes.user_principal_name
        if upn.lower() != user.user_principal_name.lower():
            upn = checked_upn(connection, user.tenant_id, upn)
        user = replace(user, user_principal_name=upn)
    if changes.display_name is not None:
        user = replace(user, display_name=checked_display_name(changes.display_name))
    if changes.usage_location is not None:
        user = replace(user, usage_location=checked_usage_location(changes.usage_location))
    if changes.account_enabled is not None:
        user = replace(user, account_enabled=changes.account_enabled)
    profile = replace(current, user=user)
    if changes.mail_nickname is not None:
        profile = replace(profile, mail_nickname=checked_mail_nickname(changes.mail_nickname))
    if changes.given_name is not None:
        profile = replace(profile, given_name=checked_name_part("givenName", changes.given_name))
    if changes.surname is not None:
        profile = replace(profile, surname=checked_name_part("surname", changes.surname))
    if changes.password is not None:
        check_password(changes.password.password)
        user = replace(profile.user, password_hash=hash_secret(changes.password.password))
        force = changes.password.force_change_password
        profile = replace(profile, user=user, force_change_password=force)
    return profile
