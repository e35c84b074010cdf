"""Users: list, get (by object id or UPN), create, update (password resets too), delete.

Request bodies are the ones `az ad user create/update` and the Graph SDKs send; unknown
properties are ignored. Writes are named in the activity log by Entra's permission names.
`assignedLicenses` and `assignedPlans` are not among Graph's default properties: a user's
licenses are looked up only when `$select` names them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from cspadmin.api.activity import note_operation
from cspadmin.api.auth import GraphPrincipal
from cspadmin.api.graph import wire
from cspadmin.api.graph.odata import parse_query
from cspadmin.api.state import state_of
from cspadmin.authz.decision import Caller
from cspadmin.domain.licensing import AssignedLicense
from cspadmin.services.control_plane import ControlPlane
from cspadmin.services.directory import licenses
from cspadmin.services.directory import users as service
from cspadmin.services.directory.errors import invalid_value
from cspadmin.services.directory.users import NewUser, PasswordReset, UserChanges
from cspadmin.store.directory_profiles import UserProfile

router = APIRouter()


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class PasswordProfileBody(_Body):
    password: str | None = None
    force_change_password_next_sign_in: bool | None = None

    def reset(self) -> PasswordReset:
        if not self.password:
            raise invalid_value("passwordProfile")
        return PasswordReset(self.password, bool(self.force_change_password_next_sign_in))


class UserBody(_Body):
    account_enabled: bool | None = None
    display_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    mail_nickname: str | None = None
    usage_location: str | None = None
    user_principal_name: str | None = None
    password_profile: PasswordProfileBody | None = None

    def new_user(self) -> NewUser:
        for name in ("user_principal_name", "display_name", "mail_nickname", "password_profile"):
            if getattr(self, name) is None:
                raise invalid_value(to_camel(name))
        assert self.user_principal_name and self.display_name and self.mail_nickname
        assert self.password_profile is not None
        reset = self.password_profile.reset()
        return NewUser(
            self.user_principal_name,
            self.display_name,
            self.mail_nickname,
            reset.password,
            reset.force_change_password,
            True if self.account_enabled is None else self.account_enabled,
            self.given_name,
            self.surname,
            self.usage_location,
        )

    def changes(self) -> UserChanges:
        return UserChanges(
            display_name=self.display_name,
            given_name=self.given_name,
            surname=self.surname,
            mail_nickname=self.mail_nickname,
            usage_location=self.usage_location,
            user_principal_name=self.user_principal_name,
            account_enabled=self.account_enabled,
            password=self.password_profile.reset() if self.password_profile else None,
        )


@router.get("/users")
def list_users(request: Request, principal: GraphPrincipal) -> wire.Json:
    query = parse_query(request, wire.USERS)
    plane = state_of(request).plane
    page = service.list_users(plane, principal.caller, query.match, query.window)
    held = _licenses(plane, principal.caller, query.select, page.items)
    items = [
        wire.selected(wire.user_json(u, held.get(u.user.id, ())), query.select, wire.USER_DEFAULT)
        for u in page.items
    ]
    return wire.collection(request, "users", page, items, query.select)


@router.get("/me")
def get_me(request: Request, principal: GraphPrincipal) -> wire.Json:
    """The signed-in user (`az ad signed-in-user show`), wherever it lives."""
    query = parse_query(request, wire.USERS, filterable=False)
    plane = state_of(request).plane
    user = service.signed_in_user(plane, principal.caller)
    return _user_entity(request, plane, principal.caller, user, query.select)


@router.get("/users/{key}")
def get_user(key: str, request: Request, principal: GraphPrincipal) -> wire.Json:
    query = parse_query(request, wire.USERS, filterable=False)
    plane = state_of(request).plane
    user = service.get_user(plane, principal.caller, key)
    return _user_entity(request, plane, principal.caller, user, query.select)


def _user_entity(
    request: Request,
    plane: ControlPlane,
    caller: Caller,
    user: UserProfile,
    select: tuple[str, ...] | None,
) -> wire.Json:
    held = _licenses(plane, caller, select, [user]).get(user.user.id, ())
    body = wire.selected(wire.user_json(user, held), select, wire.USER_DEFAULT)
    return wire.entity(request, "users", body, select)


def _licenses(
    plane: ControlPlane, caller: Caller, select: tuple[str, ...] | None, users: list[UserProfile]
) -> dict[str, tuple[AssignedLicense, ...]]:
    """The users' licenses, looked up only when `$select` names a property that shows them."""
    if select is None or not wire.USER_LICENSE_PROPERTIES.intersection(select):
        return {}
    return licenses.licenses_of_users(plane, caller, [u.user.id for u in users])


@router.post("/users", status_code=201)
def create_user(body: UserBody, request: Request, principal: GraphPrincipal) -> wire.Json:
    note_operation(request, "microsoft.directory/users/create", "/users")
    user = service.create_user(state_of(request).plane, principal.caller, body.new_user())
    note_operation(request, "microsoft.directory/users/create", f"/users/{user.user.id}")
    body_json = wire.selected(wire.user_json(user), None, wire.USER_DEFAULT)
    return wire.entity(request, "users", body_json)


@router.patch("/users/{key}", status_code=204)
def update_user(key: str, body: UserBody, request: Request, principal: GraphPrincipal) -> Response:
    part = "password" if body.password_profile is not None else "basic"
    operation = f"microsoft.directory/users/{part}/update"
    note_operation(request, operation, f"/users/{key}")
    user = service.update_user(state_of(request).plane, principal.caller, key, body.changes())
    note_operation(request, operation, f"/users/{user.user.id}")
    return Response(status_code=204)


@router.delete("/users/{key}", status_code=204)
def delete_user(key: str, request: Request, principal: GraphPrincipal) -> Response:
    note_operation(request, "microsoft.directory/users/delete", f"/users/{key}")
    user_id = service.delete_user(state_of(request).plane, principal.caller, key)
    note_operation(request, "microsoft.directory/users/delete", f"/users/{user_id}")
    return Response(status_code=204)
