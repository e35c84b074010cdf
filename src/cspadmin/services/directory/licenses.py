"""Licenses in the caller's tenant: the SKUs it subscribes to, and assigning them to users.

Who may do what is `rules` (`may_read_subscribed_skus`, `may_assign_licenses`); what a
change may do is `domain.licensing.assign_licenses`. A partner's agent acts with the roles
its partner's delegation gives it in the tenant, decided afresh on every call, so a
withdrawn DAP refuses the very next request even with a token issued before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cspadmin.authz.decision import Caller
from cspadmin.domain.directory import Tenant
from cspadmin.domain.licensing import (
    AssignedLicense,
    LicenseChange,
    Sku,
    SubscribedSku,
    assign_licenses,
    find_sku,
)
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory.errors import DirectoryObjectNotFound
from cspadmin.services.directory.rules import (
    may_assign_licenses,
    may_read_subscribed_skus,
    reader_roles,
    require,
    roles_of,
)
from cspadmin.services.directory.users import user_in_tenant
from cspadmin.store import directory as directory_store
from cspadmin.store import licensing as store
from cspadmin.store.directory_profiles import UserProfile


@dataclass(frozen=True, slots=True)
class Subscriptions:
    """A tenant (Graph's account) and the SKUs it subscribes to."""

    account: Tenant
    skus: tuple[SubscribedSku, ...]


@dataclass(frozen=True, slots=True)
class LicensedUser:
    profile: UserProfile
    licenses: tuple[AssignedLicense, ...]


@dataclass(frozen=True, slots=True)
class LicenseDetails:
    """One license of a user with its SKU, as `licenseDetails` lists it."""

    tenant_id: str
    sku: Sku
    license: AssignedLicense


@dataclass(frozen=True, slots=True)
class UserLicenseDetails:
    user_id: str
    details: tuple[LicenseDetails, ...]


def list_subscribed_skus(plane: ControlPlane, caller: Caller) -> Subscriptions:
    with plane.database.connect() as c:
        require(may_read_subscribed_skus(roles_of(plane, c, caller)))
        account = directory_store.get_tenant(c, caller.tenant_id)
        if account is None:
            raise DirectoryObjectNotFound(caller.tenant_id)
        return Subscriptions(account, tuple(store.subscribed_skus(c, caller.tenant_id)))


def get_subscribed_sku(plane: ControlPlane, caller: Caller, key: str) -> Subscriptions:
    """One SKU by Graph's id, `{tenantId}_{skuId}`."""
    found = list_subscribed_skus(plane, caller)
    matching = tuple(s for s in found.skus if s.id == key.strip().lower())
    if not matching:
        raise DirectoryObjectNotFound(key)
    return Subscriptions(found.account, matching)


def assign_license(
    plane: ControlPlane, caller: Caller, key: str, change: LicenseChange
) -> LicensedUser:
    """Graph's assignLicense on a user of the caller's tenant: all of `change`, or none."""
    with plane.change() as transaction:
        c = transaction.connection
        require(may_assign_licenses(reader_roles(plane, c, caller)))
        profile = user_in_tenant(c, caller.tenant_id, key)
        user = profile.user
        held = store.licenses_of(c, [user.id]).get(user.id, ())
        touched = {lic.sku_id for lic in change.add} | set(change.remove)
        subscribed = store.claim_seats(c, user.tenant_id, touched)
        licenses = assign_licenses(held, change, subscribed, user.usage_location, plane.clock())
        store.replace_licenses(c, user.id, user.tenant_id, licenses)
    return LicensedUser(profile, licenses)


def license_details(plane: ControlPlane, caller: Caller, key: str) -> UserLicenseDetails:
    with plane.database.connect() as c:
        reader_roles(plane, c, caller)
        user = user_in_tenant(c, caller.tenant_id, key).user
        held = store.licenses_of(c, [user.id]).get(user.id, ())
    skus = ((find_sku(lic.sku_id), lic) for lic in held)
    details = (LicenseDetails(user.tenant_id, sku, lic) for sku, lic in skus if sku is not None)
    return UserLicenseDetails(user.id, tuple(details))


def licenses_of_users(
    plane: ControlPlane, caller: Caller, user_ids: Iterable[str]
) -> dict[str, tuple[AssignedLicense, ...]]:
    """The licenses of users the caller has just read (for `assignedLicenses`)."""
    with plane.database.connect() as c:
        reader_roles(plane, c, caller)
        return store.licenses_of(c, user_ids)
