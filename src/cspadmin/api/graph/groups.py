"""Groups: list (`$filter`, `$select`, `$top`, `$count`), get, members, transitiveMembers."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cspadmin.api.auth import GraphPrincipal
from cspadmin.api.graph import wire
from cspadmin.api.graph.odata import object_id, parse_query
from cspadmin.api.state import state_of
from cspadmin.services.directory import groups as service

router = APIRouter()


@router.get("/groups")
def list_groups(request: Request, principal: GraphPrincipal) -> wire.Json:
    query = parse_query(request, wire.GROUPS)
    plane = state_of(request).plane
    page = service.list_groups(plane, principal.caller, query.match, query.window)
    items = [
        wire.selected(wire.group_json(g), query.select, wire.GROUP_DEFAULT) for g in page.items
    ]
    return wire.collection(request, "groups", page, items, query.select)


@router.get("/groups/{group_id}")
def get_group(group_id: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    query = parse_query(request, wire.GROUPS, filterable=False)
    plane = state_of(request).plane
    group = service.get_group(plane, principal.caller, object_id(group_id))
    body = wire.selected(wire.group_json(group), query.select, wire.GROUP_DEFAULT)
    return wire.entity(request, "groups", body, query.select)


@router.get("/groups/{group_id}/members")
def list_members(group_id: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    return _members(request, principal, group_id, transitive=False)


@router.get("/groups/{group_id}/transitiveMembers")
def list_transitive_members(
    group_id: str, request: Request, principal: GraphPrincipal
) -> wire.Json:
    return _members(request, principal, group_id, transitive=True)


def _members(
    request: Request, principal: GraphPrincipal, group_id: str, *, transitive: bool
) -> wire.Json:
    query = parse_query(request, wire.DIRECTORY_OBJECTS, filterable=False)
    page = service.group_members(
        state_of(request).plane,
        principal.caller,
        object_id(group_id),
        transitive=transitive,
        window=query.window,
    )
    items = [wire.directory_object_json(o, query.select) for o in page.items]
    return wire.collection(request, "directoryObjects", page, items, query.select)
