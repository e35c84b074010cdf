"""Directory objects: `POST /directoryObjects/getByIds` and `GET /directoryObjects/{id}`.

getByIds is how az names principals (az-cli-notes §d/e): it asks for users, groups,
service principals and directoryObjectPartnerReference, the shape of a partner's group
seen from a customer tenant.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from cspadmin.api.auth import GraphPrincipal
from cspadmin.api.graph import wire
from cspadmin.api.graph.odata import bad_request, object_id, parse_query
from cspadmin.api.state import state_of
from cspadmin.services.directory import objects as service
from cspadmin.services.directory.errors import DirectoryObjectNotFound
from cspadmin.services.directory.objects import ObjectKind

router = APIRouter()
MAX_IDS = 1000
_KINDS = {kind.value.lower(): kind for kind in ObjectKind}
# Types Graph accepts here that this directory never holds: asked for, they find nothing.
_OTHER_TYPES = {"application", "device", "orgcontact", "directoryrole", "administrativeunit"}


class GetByIdsBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ids: list[str]
    types: list[str] | None = None


def _kinds(types: list[str] | None) -> set[ObjectKind]:
    if not types:
        return set(ObjectKind)
    kinds: set[ObjectKind] = set()
    for name in types:
        key = name.removeprefix("#").removeprefix("microsoft.graph.").lower()
        if key in _KINDS:
            kinds.add(_KINDS[key])
        elif key not in _OTHER_TYPES:
            raise bad_request(f"Invalid type specified: '{name}'.")
    return kinds


@router.post("/directoryObjects/getByIds")
def get_by_ids(body: GetByIdsBody, request: Request, principal: GraphPrincipal) -> wire.Json:
    if len(body.ids) > MAX_IDS:
        raise bad_request(f"The number of ids must not exceed {MAX_IDS}.")
    query = parse_query(request, wire.DIRECTORY_OBJECTS, filterable=False)
    ids = [object_id(i) for i in body.ids]
    plane = state_of(request).plane
    found = service.get_by_ids(plane, principal.caller, ids, _kinds(body.types))
    items = [wire.directory_object_json(o, query.select) for o in found]
    return {"@odata.context": wire.context(request, "directoryObjects"), "value": items}


@router.get("/directoryObjects/{key}")
def get_directory_object(key: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    query = parse_query(request, wire.DIRECTORY_OBJECTS, filterable=False)
    plane = state_of(request).plane
    found = service.get_by_ids(plane, principal.caller, [object_id(key)], set(ObjectKind))
    if not found:
        raise DirectoryObjectNotFound(key)
    body = wire.directory_object_json(found[0], query.select)
    return wire.entity(request, "directoryObjects", body)
