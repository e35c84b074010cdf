"""All Graph routes, under `/v1.0`."""

from fastapi import APIRouter

from cspadmin.api.graph import (
    delegated_admin,
    delegated_admin_access,
    directory_objects,
    directory_roles,
    groups,
    licenses,
    users,
)

router = APIRouter(prefix="/v1.0", tags=["graph"])
for module in (
    users,
    groups,
    directory_objects,
    directory_roles,
    licenses,
    delegated_admin,
    delegated_admin_access,
):
    router.include_router(module.router)
