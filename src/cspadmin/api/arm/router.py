"""All ARM routes. Order matters: specific paths (RBAC extension resources, resource
groups) before the generic resource catch-all."""

from fastapi import APIRouter

from cspadmin.api.arm import (
    activity_log,
    aliases,
    billing,
    permissions,
    providers,
    resource_groups,
    resource_lists,
    resources,
    role_assignments,
    role_definitions,
    subscription_ownership,
    subscriptions,
)

router = APIRouter(tags=["arm"])
for module in (
    subscriptions,
    aliases,
    subscription_ownership,
    billing,
    role_assignments,
    role_definitions,
    permissions,
    activity_log,
    providers,
    resource_groups,
    resources,
    resource_lists,
):
    router.include_router(module.router)
