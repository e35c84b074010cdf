"""Directory roles: the tenant's activated roles, by id or `roleTemplateId=` addressing,
and their members."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cspadmin.api.auth import GraphPrincipal
from cspadmin.api.graph import wire
from cspadmin.api.graph.odata import object_id, parse_query
from cspadmin.api.state import state_of
from cspadmin.services.directory import directory_roles as service
from cspadmin.services.directory.paging import Page

router = APIRouter()


@router.get("/directoryRoles")
def list_directory_roles(request: Request, principal: GraphPrincipal) -> wire.Json:
    query = parse_query(request, wire.DIRECTORY_ROLES, filterable=False)
    roles = service.list_directory_roles(state_of(request).plane, principal.caller)
    default = wire.DIRECTORY_ROLES.selectable
    items = [wire.selected(wire.directory_role_json(r), query.select, default) for r in roles]
    return wire.collection(request, "directoryRoles", Page(items), items, query.select)


@router.get("/directoryRoles(roleTemplateId='{template_id}')")
def get_by_template(template_id: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    return _role(request, principal, template_id=object_id(template_id))


@router.get("/directoryRoles(roleTemplateId='{template_id}')/members")
def members_by_template(template_id: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    return _members(request, principal, template_id=object_id(template_id))


@router.get("/directoryRoles/{role_id}")
def get_directory_role(role_id: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    return _role(request, principal, role_id=object_id(role_id))


@router.get("/directoryRoles/{role_id}/members")
def list_members(role_id: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    return _members(request, principal, role_id=object_id(role_id))


def _role(
    request: Request,
    principal: GraphPrincipal,
    *,
    role_id: str | None = None,
    template_id: str | None = None,
) -> wire.Json:
    parse_query(request, wire.DIRECTORY_ROLES, filterable=False)
    role = service.get_directory_role(
        state_of(request).plane, principal.caller, role_id=role_id, template_id=template_id
    )
    return wire.entity(request, "directoryRoles", wire.directory_role_json(role))


def _members(
    request: Request,
    principal: GraphPrincipal,
    *,
    role_id: str | None = None,
    template_id: str | None = None,
) -> wire.Json:
    query = parse_query(request, wire.DIRECTORY_OBJECTS, filterable=False)
    page = service.directory_role_members(
        state_of(request).plane,
        principal.caller,
        query.window,
        role_id=role_id,
        template_id=template_id,
    )
    items = [wire.directory_object_json(o, query.select) for o in page.items]
    return wire.collection(request, "directoryObjects", page, items, query.select)
