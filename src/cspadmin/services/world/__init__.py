"""World files: a reproducible environment in one YAML or JSON file (../shared/world-file.md).

`file` reads and validates a document into a `WorldPlan` (`schema` holds its pydantic
models; `directory`, `estate` and `rbac` plan each part); `loader` writes a plan to the
store in one transaction.
"""

from cspadmin.services.world.file import parse_world
from cspadmin.services.world.loader import LoadReport, demo_world_path, load_world

__all__ = ["LoadReport", "demo_world_path", "load_world", "parse_world"]
