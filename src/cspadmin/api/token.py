"""The token service on Entra's paths: OpenID discovery, keys, the token endpoint, user
realm discovery and the cloud metadata `az cloud register` reads.

`{tenant}` is a tenant id or any of its domains; `organizations` and `common` mean the
signing-in user's home tenant.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from cspadmin.api.endpoints import AZURE_CLI_CLIENT_ID
from cspadmin.api.jwt_issuer import ACCESS_TOKEN_LIFETIME, REFRESH_AUDIENCE, InvalidToken
from cspadmin.api.state import AppState, state_of
from cspadmin.services import tokens
from cspadmin.services.tokens import Identity, Kind, SignInError

router = APIRouter(tags=["token service"])

_ANY_TENANT = {"organizations", "common", "consumers"}
_MAX_FORM_BYTES = 64 * 1024


class InvalidResource(SignInError):
    code = "invalid_resource"
    aadsts = 500011


class InvalidRequest(SignInError):
    code = "invalid_request"
    aadsts = 900144


class UnsupportedGrant(SignInError):
    code = "unsupported_grant_type"
    aadsts = 70003


class InvalidRefreshToken(SignInError):
    code = "invalid_grant"
    aadsts = 9002313


def _tenant_segment(state: AppState, tenant: str) -> str:
    """The path segment endpoints carry: the tenant's GUID, as Entra answers for a domain."""
    if tenant.lower() in _ANY_TENANT:
        return tenant.lower()
    return tokens.resolve_tenant(state.plane.database, tenant).id


@router.get("/{tenant}/v2.0/.well-known/openid-configuration")
@router.get("/{tenant}/.well-known/openid-configuration")
def openid_configuration(tenant: str, request: Request) -> dict[str, Any]:
    state = state_of(request)
    segment = _tenant_segment(state, tenant)
    base = f"{state.endpoints.authority}/{segment}"
    issuer_tenant = "{tenantid}" if segment in _ANY_TENANT else segment
    return {
        "issuer": f"{state.endpoints.authority}/{issuer_tenant}/v2.0",
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "grant_types_supported": ["client_credentials", "password", "refresh_token"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "name",
            "oid",
            "tid",
            "preferred_username",
        ],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "cspadmin.local",
    }


@router.get("/{tenant}/discovery/v2.0/keys")
@router.get("/{tenant}/discovery/keys")
def keys(tenant: str, request: Request) -> dict[str, Any]:
    return {"keys": [state_of(request).issuer.key.jwk()]}


@router.get("/common/userrealm/{username}")
def user_realm(username: str) -> dict[str, Any]:
    """MSAL's user realm discovery: every account here is managed (plain password grant)."""
    domain = username.rpartition("@")[2] or username
    return {
        "ver": "1.0",
        "account_type": "Managed",
        "domain_name": domain,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    }


@router.get("/metadata/endpoints")
def cloud_metadata(request: Request) -> dict[str, Any]:
    """What `az cloud register` discovers: one JSON object, as ARM's metadata endpoint."""
    endpoints = state_of(request).endpoints
    return {
        "name": "Cspadmin",
        "resourceManager": endpoints.arm,
        "microsoftGraphResourceId": endpoints.graph,
        "graph": endpoints.graph,
        "graphAudience": endpoints.graph,
        "authentication": {
            "loginEndpoint": endpoints.authority,
            "audiences": [endpoints.arm],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "suffixes": {"storage": "core.windows.net", "keyVaultDns": "vault.azure.net"},
    }


@router.post("/{tenant}/oauth2/v2.0/token")
@router.post("/{tenant}/oauth2/token")
async def token(tenant: str, request: Request) -> JSONResponse:
    state = state_of(request)
    form = await _form(request)
    grant = form.get("grant_type", "")
    scope = form.get("scope") or form.get("resource") or ""
    audience = state.endpoints.audience_for(scope)
    if audience is None:
        raise InvalidResource(
            f"The resource principal named {scope or '(none)'} was not found in the tenant. "
            "This can happen if the application has not been installed by the administrator "
            "of the tenant or consented to by any user in the tenant."
        )
    target = None if tenant.lower() in _ANY_TENANT else tenant
    plane = state.plane
    client_id = form.get("client_id") or AZURE_CLI_CLIENT_ID
    if grant == "client_credentials":
        if target is None:
            raise InvalidRequest("A tenant must be named for the client credentials grant.")
        identity = tokens.sign_in_application(
            plane.database,
            plane.engine,
            target,
            _required(form, "client_id"),
            _required(form, "client_secret"),
        )
        return _respond(state, identity, audience, client_id, scope, with_user_tokens=False)
    if grant == "password":
        identity = tokens.sign_in_user(
            plane.database,
            plane.engine,
            target,
            _required(form, "username"),
            _required(form, "password"),
        )
        return _respond(state, identity, audience, client_id, scope, with_user_tokens=True)
    if grant == "refresh_token":
        identity = _from_refresh_token(state, _required(form, "refresh_token"), target)
        return _respond(
            state, identity, audience, client_id, scope, with_user_tokens=identity.kind is Kind.USER
        )
    raise UnsupportedGrant(f"The grant type '{grant}' is not supported here.")


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        raise InvalidRequest("The request body is too large.")
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" not in content_type:
        raise InvalidRequest("The request body must contain the following parameter: 'grant_type'.")
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise InvalidRequest(f"The request body must contain the following parameter: '{name}'.")
    return value


def _from_refresh_token(state: AppState, refresh_token: str, target: str | None) -> Identity:
    try:
        claims = state.issuer.decode(refresh_token, [REFRESH_AUDIENCE])
    except InvalidToken as error:
        raise InvalidRefreshToken(f"The refresh token is invalid: {error}") from None
    database = state.plane.database
    home = tokens.resolve_tenant(database, str(claims["home"]))
    tenant = home if target is None else tokens.resolve_tenant(database, target)
    previous = Identity(
        Kind(claims["kind"]),
        str(claims["oid"]),
        home,
        home,
        str(claims["name"]),
        str(claims.get("display_name", "")),
    )
    return tokens.refresh(state.plane.engine, previous, tenant)


def _respond(
    state: AppState,
    identity: Identity,
    audience: str,
    client_id: str,
    scope: str,
    *,
    with_user_tokens: bool,
) -> JSONResponse:
    issuer = state.issuer
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "ext_expires_in": ACCESS_TOKEN_LIFETIME,
        "access_token": issuer.access_token(identity, audience, client_id),
    }
    if with_user_tokens:
        requested = [s for s in scope.split() if s not in ("openid", "profile", "offline_access")]
        body.update(
            scope=" ".join(requested),
            refresh_token=issuer.refresh_token(identity, client_id),
            id_token=issuer.id_token(identity, client_id),
            client_info=issuer.client_info(identity),
            foci="1",
        )
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
