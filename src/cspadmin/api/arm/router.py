"""All ARM routes. Each module adds its own routes to `router`."""

from fastapi import APIRouter

from cspadmin.api.arm import subscriptions

router = APIRouter(tags=["arm"])
router.include_router(subscriptions.router)
