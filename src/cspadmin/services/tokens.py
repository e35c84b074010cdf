"""Signing people and services in: who may get a token for which tenant.

The rule (DESIGN.md): a principal gets a token for its home tenant with the right
password or secret; a partner's user or service principal gets one for a customer tenant
only while its partner holds delegated access there (DAP through AdminAgents or
HelpdeskAgents membership, GDAP through a group with an active access assignment of a
relationship active at that moment). `api.auth` holds tokens already issued to the same
rule on every request, so they stop working in that tenant as soon as it no longer holds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cspadmin.authz.engine import Engine
from cspadmin.domain.directory import ServicePrincipal, Tenant, User
from cspadmin.errors import CspadminError
from cspadmin.services.credentials import verify_secret
from cspadmin.store.database import Database
from cspadmin.store.directory import get_tenant, get_user, list_service_principals_by_app
from cspadmin.store.directory_profiles import get_user_profile


class SignInError(CspadminError):
    """A refused sign-in, with Entra's AADSTS number and OAuth error code."""

    status = 400
    code = "invalid_grant"
    aadsts = 0

    def __init__(self, message: str) -> None:
        super().__init__(f"AADSTS{self.aadsts}: {message}")


class InvalidClientSecret(SignInError):
    status = 401
    code = "invalid_client"
    aadsts = 7000215


class ApplicationNotFound(SignInError):
    status = 400
    code = "unauthorized_client"
    aadsts = 700016


class InvalidCredentials(SignInError):
    aadsts = 50126


class UserNotFound(SignInError):
    aadsts = 50034


class NoAccessToTenant(SignInError):
    aadsts = 50020


class TenantNotFound(SignInError):
    code = "invalid_request"
    aadsts = 90002


class AccountDisabled(SignInError):
    aadsts = 50057


class PasswordChangeRequired(SignInError):
    aadsts = 50055


class Kind(enum.StrEnum):
    USER = "user"
    APP = "app"


@dataclass(frozen=True, slots=True)
class Identity:
    """A signed-in principal acting in `tenant`; `home` is where it lives."""

    kind: Kind
    object_id: str
    tenant: Tenant
    home: Tenant
    name: str
    """The UPN of a user, or the app id of a service principal."""
    display_name: str


def resolve_tenant(database: Database, tenant: str) -> Tenant:
    with database.connect() as connection:
        found = get_tenant(connection, tenant)
    if found is None:
        raise TenantNotFound(
            f"Tenant '{tenant}' not found. Check to make sure you have the "
            "correct tenant ID and are signing into the correct cloud."
        )
    return found


def sign_in_user(
    database: Database, engine: Engine, tenant: str | None, username: str, password: str
) -> Identity:
    """Password grant. `tenant` None (organizations/common) means the user's home tenant."""
    with database.connect() as connection:
        user = get_user(connection, username)
        home = get_tenant(connection, user.tenant_id) if user else None
    if user is None or home is None:
        raise UserNotFound(
            "The user account does not exist in the directory. To sign into this "
            "application, the account must be added to the directory."
        )
    if user.password_hash is None or not verify_secret(user.password_hash, password):
        raise InvalidCredentials(
            "Error validating credentials due to invalid username or password."
        )
    if not user.account_enabled:
        raise AccountDisabled("User account is disabled.")
    with database.connect() as connection:
        profile = get_user_profile(connection, user.id)
    if profile is not None and profile.force_change_password:
        raise PasswordChangeRequired(
            "The password is expired. The user must change it at the next sign-in."
        )
    target = home if tenant is None else resolve_tenant(database, tenant)
    return _identity_in(engine, Kind.USER, user, home, target)


def sign_in_application(
    database: Database, engine: Engine, tenant: str, app_id: str, secret: str
) -> Identity:
    """Client-credentials grant, for the service principal of `app_id`."""
    target = resolve_tenant(database, tenant)
    with database.connect() as connection:
        candidates = list_service_principals_by_app(connection, app_id)
        homes = {sp.id: get_tenant(connection, sp.tenant_id) for sp in candidates}
    if not candidates:
        raise ApplicationNotFound(
            f"Application with identifier '{app_id}' was not found in the directory "
            f"'{target.display_name}'."
        )
    native = [sp for sp in candidates if sp.tenant_id == target.id]
    sp = (native or candidates)[0]
    if sp.secret_hash is None or not verify_secret(sp.secret_hash, secret):
        raise InvalidClientSecret(
            f"Invalid client secret provided. Ensure the secret being sent in the request is "
            f"the client secret value, not the client secret ID, for a secret added to app "
            f"'{app_id}'."
        )
    home = homes[sp.id]
    assert home is not None
    return _identity_in(engine, Kind.APP, sp, home, target)


def refresh(engine: Engine, identity: Identity, target: Tenant) -> Identity:
    """The same principal, for another (or the same) tenant, with access checked again."""
    return _identity_for(
        engine,
        identity.kind,
        identity.object_id,
        identity.name,
        identity.display_name,
        identity.home,
        target,
    )


def _identity_in(
    engine: Engine, kind: Kind, principal: User | ServicePrincipal, home: Tenant, target: Tenant
) -> Identity:
    name = principal.user_principal_name if isinstance(principal, User) else principal.app_id
    return _identity_for(engine, kind, principal.id, name, principal.display_name, home, target)


def _identity_for(
    engine: Engine,
    kind: Kind,
    object_id: str,
    name: str,
    display_name: str,
    home: Tenant,
    target: Tenant,
) -> Identity:
    if target.id != home.id and not delegated_into(engine, object_id, home.id, target.id):
        raise NoAccessToTenant(
            f"User account '{{EUII Hidden}}' from identity provider "
            f"'https://sts.windows.net/{home.id}/' does not exist in tenant "
            f"'{target.display_name}' and cannot access the application in that tenant. "
            "The account needs to be added as an external user in the tenant first."
        )
    return Identity(kind, object_id, target, home, name, display_name)


def delegated_into(engine: Engine, object_id: str, partner_id: str, customer_id: str) -> bool:
    """Whether a partner principal may act in the customer tenant right now."""
    groups = engine.groups_of(object_id)
    return bool(groups & engine.delegations.delegated_groups(partner_id, customer_id))
