"""The URLs this server answers as: one server, two host names.

ARM, Partner Center and the authority live at `https://127.0.0.1:<port>`, Graph at
`https://localhost:<port>`. ARM and Graph tokens carry their host as audience, Partner
Center's carry its public resource id; each surface accepts only its own.
"""

from __future__ import annotations

from dataclasses import dataclass

AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
PARTNER_CENTER_RESOURCE = "https://api.partnercenter.microsoft.com"
"""Partner Center's resource id, the audience of its tokens. Partner Center's routes are
served here under `/v1`, but the audience stays the public one: it is what the Partner
Center SDK, `New-PartnerAccessToken` and `az account get-access-token --resource` ask for."""


@dataclass(frozen=True, slots=True)
class Endpoints:
    port: int
    host: str = "127.0.0.1"

    @property
    def authority(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def arm(self) -> str:
        """The Resource Manager endpoint and its resource id (the ARM token audience)."""
        return f"https://{self.host}:{self.port}/"

    @property
    def graph(self) -> str:
        """The Microsoft Graph endpoint and resource id (the Graph token audience)."""
        return f"https://localhost:{self.port}/"

    @property
    def partner_center(self) -> str:
        """Partner Center's resource id (the Partner Center token audience)."""
        return PARTNER_CENTER_RESOURCE

    def audience_for(self, scope: str) -> str | None:
        """The audience a requested scope asks for, or None if it names no resource here.

        az sends `<resource>/.default` without trimming (`https://127.0.0.1:8443//.default`);
        SDKs send exactly what they were given. Both forms name the same resource.
        """
        for item in scope.split():
            resource = item.removesuffix("/.default").removesuffix("/user_impersonation")
            for known in (self.arm, self.graph, self.partner_center):
                if resource.rstrip("/") == known.rstrip("/"):
                    return known
        return None

    def cloud_register_command(self, name: str = "Cspadmin") -> str:
        return (
            f"az cloud register -n {name} "
            f"--endpoint-resource-manager {self.arm} "
            f"--endpoint-active-directory {self.authority} "
            f"--endpoint-active-directory-resource-id {self.arm} "
            f"--endpoint-active-directory-graph-resource-id {self.graph} "
            f"--endpoint-microsoft-graph-resource-id {self.graph} "
            "--skip-endpoint-discovery"
        )
