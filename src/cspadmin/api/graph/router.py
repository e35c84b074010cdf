"""All Graph routes, under `/v1.0`."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1.0", tags=["graph"])
