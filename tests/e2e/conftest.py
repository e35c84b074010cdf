"""The in-process app of tests/api, over this folder's own world (world.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cspadmin.store.database import Database
from tests.api.conftest import Api, key_dir, make_api

__all__ = ["api", "key_dir"]

WORLD = Path(__file__).with_name("world.yaml")


@pytest.fixture
def api(database: Database, key_dir: Path) -> Iterator[Api]:
    api = make_api(database, key_dir, WORLD)
    with api.client:
        yield api
