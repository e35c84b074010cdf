"""A second CSP partner beside the demo world's Fabrikam: Tailwind Partner, which has no
reseller relationship with any demo customer. Loaded after the demo world."""

from __future__ import annotations

from pathlib import Path

from cspadmin.services.world import load_world
from cspadmin.store.database import Database

TAILWIND = "7a2b3c4d-0000-4000-8000-000000000001"
GINA = ("gina@tailwindpartner.onmicrosoft.com", "Gina-pass-1")
TAILWIND_WORLD = f"""\
tenants:
  - id: {TAILWIND}
    name: Tailwind Partner
    domain: tailwindpartner.onmicrosoft.com
    partner:
      partner_id: "5550001"
    users:
      - upn: {GINA[0]}
        password: "{GINA[1]}"
        directory_roles: [Global Administrator]
        groups: [AdminAgents]
"""


def load_tailwind(database: Database, directory: Path) -> None:
    path = directory / "tailwind.yaml"
    path.write_text(TAILWIND_WORLD, encoding="utf-8")
    load_world(database, path)
