"""All Graph routes, under `/v1.0`."""

from fastapi import APIRouter

from cspadmin.api.graph import directory_objects, directory_roles, groups, users

router = APIRouter(prefix="/v1.0", tags=["graph"])
for module in (users, groups, directory_objects, directory_roles):
    router.include_router(module.router)
