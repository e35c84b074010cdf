"""directory_roles routes (being built)."""

from fastapi import APIRouter

router = APIRouter()
