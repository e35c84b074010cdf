"""All Partner Center routes, under `/v1`."""

from fastapi import APIRouter

from cspadmin.api.partnercenter import customers, invitations, orders, subscriptions

router = APIRouter(prefix="/v1", tags=["partner center"])
for module in (customers, invitations, orders, subscriptions):
    router.include_router(module.router)
