"""Minting and checking the JWTs the token service hands out (RS256, Entra's claims)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt

from cspadmin.api.endpoints import Endpoints
from cspadmin.server.keys import SigningKey
from cspadmin.services.tokens import Identity, Kind

ACCESS_TOKEN_LIFETIME = 4799
REFRESH_AUDIENCE = "urn:cspadmin:refresh"
_LEEWAY = 30


class InvalidToken(Exception):
    """A bearer or refresh token that is malformed, forged, expired or for another audience."""


@dataclass(frozen=True)
class TokenIssuer:
    key: SigningKey
    endpoints: Endpoints
    clock: Callable[[], datetime]

    def _now(self) -> int:
        return int(self.clock().timestamp())

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(
            claims, self.key.private_key, algorithm="RS256", headers={"kid": self.key.kid}
        )

    def issuer(self, tenant_id: str) -> str:
        return f"https://sts.windows.net/{tenant_id}/"

    def access_token(self, identity: Identity, audience: str, client_id: str) -> str:
        now = self._now()
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": self.issuer(identity.tenant.id),
            "iat": now,
            "nbf": now,
            "exp": now + ACCESS_TOKEN_LIFETIME,
            "tid": identity.tenant.id,
            "oid": identity.object_id,
            "sub": identity.object_id,
            "ver": "1.0",
            "uti": uuid.uuid4().hex,
        }
        if identity.kind is Kind.USER:
            claims.update(
                idtyp="user",
                upn=identity.name,
                unique_name=identity.name,
                name=identity.display_name,
                appid=client_id,
                scp="user_impersonation",
                amr=["pwd"],
            )
        else:
            claims.update(idtyp="app", appid=identity.name, roles=[])
        if identity.home.id != identity.tenant.id:
            claims["idp"] = self.issuer(identity.home.id)
            claims.pop("upn", None)
        return self._sign(claims)

    def id_token(self, identity: Identity, client_id: str) -> str:
        now = self._now()
        return self._sign(
            {
                "aud": client_id,
                "iss": f"{self.endpoints.authority}/{identity.tenant.id}/v2.0",
                "iat": now,
                "nbf": now,
                "exp": now + ACCESS_TOKEN_LIFETIME,
                "tid": identity.tenant.id,
                "oid": identity.object_id,
                "sub": identity.object_id,
                "preferred_username": identity.name,
                "name": identity.display_name,
                "ver": "2.0",
            }
        )

    def refresh_token(self, identity: Identity, client_id: str) -> str:
        """Stateless: re-checked against the directory and relationships on every use."""
        now = self._now()
        return self._sign(
            {
                "aud": REFRESH_AUDIENCE,
                "iss": self.endpoints.authority,
                "iat": now,
                "exp": now + 90 * 86400,
                "oid": identity.object_id,
                "home": identity.home.id,
                "kind": identity.kind.value,
                "name": identity.name,
                "display_name": identity.display_name,
                "client_id": client_id,
            }
        )

    def client_info(self, identity: Identity) -> str:
        raw = json.dumps({"uid": identity.object_id, "utid": identity.home.id}).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def decode(
        self, token: str, audiences: Iterable[str], issuer: str | None = None
    ) -> dict[str, Any]:
        """Check signature, audience, expiry (and issuer when given), or raise InvalidToken."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key.public_key,
                algorithms=["RS256"],
                audience=list(audiences),
                issuer=issuer,
                leeway=_LEEWAY,
                # Time is checked below against our clock, which tests can move.
                options={
                    "require": ["exp", "iat", "aud"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError as error:
            raise InvalidToken(
                "The audience of the token is not valid for this resource."
            ) from error
        except jwt.PyJWTError as error:
            raise InvalidToken(f"The access token is invalid: {error}.") from error
        now = self._now()
        if not isinstance(claims.get("exp"), int) or claims["exp"] + _LEEWAY < now:
            raise InvalidToken("Lifetime validation failed, the token is expired.")
        if isinstance(claims.get("nbf"), int) and claims["nbf"] - _LEEWAY > now:
            raise InvalidToken("The token is not yet valid.")
        return claims

    def decode_access(self, token: str, audiences: Iterable[str]) -> dict[str, Any]:
        claims = self.decode(token, audiences)
        tid = claims.get("tid")
        if not isinstance(tid, str) or claims.get("iss") != self.issuer(tid):
            raise InvalidToken("The token's issuer is not valid.")
        return claims
