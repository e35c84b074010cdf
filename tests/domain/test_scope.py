"""Scopes: parsing, validation and canonicalization of ARM resource ids (azure-wire.md 4.5)."""

from __future__ import annotations

import random
import uuid

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cspadmin.domain.scope import ROOT, ScopeKind, is_guid, key_chain, parse_scope, scope_key
from cspadmin.errors import BadRequest, InvalidScope

SUB = "6a1f0c2e-8d4b-4e57-9c3a-2b1d0e9f8a7c"
SUB_ID = f"/subscriptions/{SUB}"
RG_ID = f"{SUB_ID}/resourceGroups/web-prod"
VM_ID = f"{RG_ID}/providers/Microsoft.Compute/virtualMachines/vm1"
CONTAINER_ID = (
    f"{RG_ID}/providers/Microsoft.Storage/storageAccounts/sa1/blobServices/default/containers/logs"
)
MG_ID = "/providers/Microsoft.Management/managementGroups/Contoso.Prod"
ASSIGNMENT = (
    "/providers/Microsoft.Authorization/roleAssignments/0f6e9d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f"
)


def reason_for(resource_id: str) -> str:
    with pytest.raises(InvalidScope) as caught:
        parse_scope(resource_id)
    return caught.value.reason


# -- the root and management groups --------------------------------------------------------


def test_the_root_is_a_single_slash_with_no_parent() -> None:
    root = parse_scope("/")
    assert root is ROOT
    assert root.kind is ScopeKind.ROOT
    assert root.parent is None
    assert root.ancestors() == (ROOT,)
    assert root.key == "/"


def test_a_management_group_sits_under_the_root_with_canonical_segments() -> None:
    scope = parse_scope("/PROVIDERS/microsoft.management/MANAGEMENTGROUPS/Contoso.Prod")
    assert scope.kind is ScopeKind.MANAGEMENT_GROUP
    assert scope.id == MG_ID
    assert scope.management_group == "Contoso.Prod"
    assert scope.subscription_id is None
    assert scope.parent == ROOT


def test_a_management_group_name_allows_letters_digits_and_dash_dot_underscore_parens() -> None:
    assert parse_scope("/providers/Microsoft.Management/managementGroups/a-b_c.d(1)").kind is (
        ScopeKind.MANAGEMENT_GROUP
    )


def test_a_management_group_without_a_name_is_missing_its_name() -> None:
    reason = reason_for("/providers/Microsoft.Management/managementGroups")
    assert reason == "the management group name is missing"


def test_a_management_group_name_with_a_space_is_rejected() -> None:
    reason = reason_for("/providers/Microsoft.Management/managementGroups/a b")
    assert "'a b' is not a valid management group name" in reason


# -- subscriptions ---------------------------------------------------------------------------


def test_a_subscription_id_is_lower_cased() -> None:
    scope = parse_scope(f"/SUBSCRIPTIONS/{SUB.upper()}")
    assert scope.kind is ScopeKind.SUBSCRIPTION
    assert scope.id == SUB_ID
    assert scope.subscription_id == SUB
    assert scope.parent == ROOT


def test_a_subscription_id_without_hyphens_is_canonicalized_to_the_hyphenated_form() -> None:
    assert parse_scope("/subscriptions/" + SUB.replace("-", "")).id == SUB_ID


def test_a_subscription_id_must_be_a_guid() -> None:
    assert reason_for("/subscriptions/my-subscription") == (
        "the subscription id 'my-subscription' is not a GUID"
    )


def test_a_subscription_without_an_id_is_missing_its_id() -> None:
    assert reason_for("/subscriptions") == "the subscription id is missing"


@pytest.mark.parametrize(
    "not_a_guid",
    [
        "urn:6a1f0c2e8d4b4e579c3a2b1d0e9f8a7c",
        "6a1f-0c2e8d4b4e579c3a2b1d0e9f8a7c---",
        "{6a1f0c2e-8d4b-4e579c3a2b1d0e9f8a7c}",
    ],
)
def test_a_subscription_id_must_be_a_guid_in_its_usual_form(not_a_guid: str) -> None:
    assert not is_guid(not_a_guid)
    assert "is not a GUID" in reason_for(f"/subscriptions/{not_a_guid}")


# -- resource groups -------------------------------------------------------------------------


def test_resource_groups_is_canonicalized_from_any_casing() -> None:
    for spelling in ("resourceGroups", "resourcegroups", "RESOURCEGROUPS"):
        scope = parse_scope(f"{SUB_ID}/{spelling}/web-prod")
        assert scope.id == RG_ID
        assert scope.kind is ScopeKind.RESOURCE_GROUP
        assert scope.resource_group == "web-prod"
        assert scope.subscription_id == SUB


def test_a_resource_group_keeps_the_casing_of_its_name_in_id_but_not_in_key() -> None:
    scope = parse_scope(f"{SUB_ID}/resourcegroups/Web-Prod")
    assert scope.id == f"{SUB_ID}/resourceGroups/Web-Prod"
    assert scope.key == f"{SUB_ID}/resourcegroups/web-prod"


@pytest.mark.parametrize(
    "name",
    ["a", "rg_1", "web-prod", "data.(eu)", "x" * 90, "Ünïcödé", "(paren)", "-lead", "a.b.c"],
)
def test_a_resource_group_name_of_1_to_90_word_characters_and_dash_dot_parens_is_valid(
    name: str,
) -> None:
    assert parse_scope(f"{SUB_ID}/resourceGroups/{name}").resource_group == name


@pytest.mark.parametrize("name", ["x" * 91, "ends.", "has space", "bang!", "a+b", "semi;colon"])
def test_a_resource_group_name_outside_the_rules_is_rejected(name: str) -> None:
    reason = reason_for(f"{SUB_ID}/resourceGroups/{name}")
    assert f"'{name}' is not a valid resource group name" in reason
    assert "not ending in '.'" in reason


def test_a_resource_group_without_a_name_is_missing_its_name() -> None:
    assert reason_for(f"{SUB_ID}/resourceGroups") == "the resource group name is missing"


# -- resources, nested child types and extension resources -----------------------------------


def test_a_resource_records_its_full_type_and_its_resource_group() -> None:
    vm = parse_scope(VM_ID)
    assert vm.kind is ScopeKind.RESOURCE
    assert vm.resource_type == "Microsoft.Compute/virtualMachines"
    assert vm.resource_group == "web-prod"
    assert vm.subscription_id == SUB
    assert vm.parent == parse_scope(RG_ID)


def test_nested_child_types_each_become_a_level_of_their_own() -> None:
    container = parse_scope(CONTAINER_ID)
    assert container.resource_type == ("Microsoft.Storage/storageAccounts/blobServices/containers")
    assert [s.id for s in container.ancestors()] == [
        CONTAINER_ID,
        f"{RG_ID}/providers/Microsoft.Storage/storageAccounts/sa1/blobServices/default",
        f"{RG_ID}/providers/Microsoft.Storage/storageAccounts/sa1",
        RG_ID,
        SUB_ID,
        "/",
    ]
    assert [s.resource_type for s in container.ancestors()[:3]] == [
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        "Microsoft.Storage/storageAccounts/blobServices",
        "Microsoft.Storage/storageAccounts",
    ]


def test_a_resource_may_live_directly_under_a_subscription() -> None:
    scope = parse_scope(f"{SUB_ID}/providers/Microsoft.Security/pricings/default")
    assert scope.kind is ScopeKind.RESOURCE
    assert scope.resource_group is None
    assert scope.parent == parse_scope(SUB_ID)


def test_a_resource_named_providers_is_a_name_not_the_start_of_an_extension() -> None:
    scope = parse_scope(f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/providers/subnets/a")
    assert scope.resource_type == "Microsoft.Network/virtualNetworks/subnets"
    assert scope.parent is not None
    assert scope.parent.id.endswith("/virtualNetworks/providers")


@pytest.mark.parametrize(
    "base",
    ["", MG_ID, SUB_ID, RG_ID, VM_ID, CONTAINER_ID],
    ids=["root", "management-group", "subscription", "resource-group", "resource", "child"],
)
def test_a_role_assignment_is_an_extension_resource_at_every_level(base: str) -> None:
    parent = parse_scope(base or "/")
    scope = parse_scope(base + ASSIGNMENT)
    assert scope.id == base + ASSIGNMENT
    assert scope.kind is ScopeKind.RESOURCE
    assert scope.resource_type == "Microsoft.Authorization/roleAssignments"
    assert scope.parent == parent
    assert scope.subscription_id == parent.subscription_id
    assert scope.resource_group == parent.resource_group
    assert scope.management_group == parent.management_group
    assert scope.is_within(parent)


def test_an_extension_under_a_management_group_belongs_to_that_group() -> None:
    scope = parse_scope(MG_ID + ASSIGNMENT)
    assert scope.management_group == "Contoso.Prod"
    assert [s.kind for s in scope.ancestors()] == [
        ScopeKind.RESOURCE,
        ScopeKind.MANAGEMENT_GROUP,
        ScopeKind.ROOT,
    ]


def test_provider_and_type_segments_keep_the_callers_casing_but_compare_equal() -> None:
    shouted = parse_scope(VM_ID.replace("Microsoft.Compute", "MICROSOFT.COMPUTE"))
    assert shouted == parse_scope(VM_ID)
    assert shouted.key == VM_ID.lower()


# -- equality, hashing, trailing slashes ------------------------------------------------------


def test_a_trailing_slash_is_ignored() -> None:
    assert parse_scope(SUB_ID + "/").id == SUB_ID
    assert parse_scope(VM_ID + "/") == parse_scope(VM_ID)


def test_scopes_compare_and_hash_case_insensitively() -> None:
    lower, upper = parse_scope(VM_ID.lower()), parse_scope(VM_ID.upper())
    assert lower == upper
    assert hash(lower) == hash(upper)
    assert {lower: "vm"}[upper] == "vm"
    assert len({lower, upper, parse_scope(VM_ID)}) == 1


def test_a_scope_is_not_equal_to_its_id_string() -> None:
    assert parse_scope(SUB_ID) != SUB_ID


def test_scope_key_is_the_lower_cased_canonical_id() -> None:
    assert scope_key(f"/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/Web-Prod/") == RG_ID.lower()


def test_str_is_the_id_and_repr_names_the_type() -> None:
    assert str(parse_scope(RG_ID)) == RG_ID
    assert repr(parse_scope(RG_ID)) == f"Scope({RG_ID!r})"


def test_child_appends_segments_and_parses_them() -> None:
    rg = parse_scope(SUB_ID).child("resourcegroups", "web-prod")
    assert rg.id == RG_ID
    assert ROOT.child("subscriptions", SUB) == parse_scope(SUB_ID)


# -- ancestors and is_within -------------------------------------------------------------------


def test_ancestors_run_nearest_first_from_the_scope_to_the_root() -> None:
    assert [s.id for s in parse_scope(VM_ID).ancestors()] == [VM_ID, RG_ID, SUB_ID, "/"]


def test_a_scope_is_within_itself_and_each_of_its_ancestors() -> None:
    vm = parse_scope(VM_ID)
    for ancestor in ("/", SUB_ID, RG_ID.upper(), VM_ID):
        assert vm.is_within(parse_scope(ancestor))


def test_a_scope_is_not_within_its_children_or_its_siblings() -> None:
    rg = parse_scope(RG_ID)
    assert not rg.is_within(parse_scope(VM_ID))
    assert not parse_scope(VM_ID).is_within(parse_scope(f"{SUB_ID}/resourceGroups/web"))


def test_a_name_prefix_is_not_an_ancestor() -> None:
    rg10 = parse_scope(f"{SUB_ID}/resourceGroups/rg10")
    assert not rg10.is_within(parse_scope(f"{SUB_ID}/resourceGroups/rg1"))


def test_a_subscription_is_not_within_a_management_group_by_its_id_alone() -> None:
    # Which management group holds a subscription is a fact of the estate, not of the id.
    assert not parse_scope(SUB_ID).is_within(parse_scope(MG_ID))


# -- precise errors ----------------------------------------------------------------------------


def test_an_invalid_scope_is_a_bad_request_that_names_the_scope_and_the_reason() -> None:
    with pytest.raises(InvalidScope) as caught:
        parse_scope("/subscriptions/nope")
    error = caught.value
    assert isinstance(error, BadRequest)
    assert (error.code, error.status) == ("InvalidResourceId", 400)
    assert error.scope == "/subscriptions/nope"
    assert error.message == (
        "The scope '/subscriptions/nope' is not valid: the subscription id 'nope' is not a GUID."
    )


@pytest.mark.parametrize(
    ("resource_id", "reason"),
    [
        ("", "it must start with '/'"),
        ("subscriptions/" + SUB, "it must start with '/'"),
        ("/subscriptions//resourceGroups/x", "it contains an empty segment ('//')"),
        (f"{SUB_ID}/resourceGroups//", "it contains an empty segment ('//')"),
        (
            "/tenants/x",
            "'tenants' is not a known top-level segment (expected 'subscriptions' or 'providers')",
        ),
        (f"{SUB_ID}/locations/westeurope", "expected 'providers' but found 'locations'"),
        ("/providers", "the resource provider namespace is missing"),
        (f"{SUB_ID}/providers/Microsoft", "'Microsoft' is not a resource provider namespace"),
        (f"{SUB_ID}/providers/Microsoft./x/y", "'Microsoft.' is not a resource provider namespace"),
        (
            f"{SUB_ID}/providers/1Microsoft.X/x/y",
            "'1Microsoft.X' is not a resource provider namespace",
        ),
        (
            f"{SUB_ID}/providers/Microsoft.Compute",
            "the resource type after 'Microsoft.Compute' is missing",
        ),
        (
            f"{SUB_ID}/providers/Microsoft.Compute/virtualMachines",
            "the name of the 'virtualMachines' resource is missing",
        ),
        (
            f"{VM_ID}/extensions",
            "the name of the 'extensions' resource is missing",
        ),
        (f"{SUB_ID}/providers/Microsoft.Compute/1vms/x", "'1vms' is not a resource type name"),
        (
            f"{RG_ID}/providers/Microsoft.Web/sites/a%2Fb",
            "the segment 'a%2Fb' contains a character",
        ),
        (f"{RG_ID}/providers/Microsoft.Web/sites/a\tb", "the segment 'a\tb' contains a character"),
    ],
)
def test_the_reason_names_what_is_wrong(resource_id: str, reason: str) -> None:
    assert reason_for(resource_id).startswith(reason)


def test_a_scope_that_is_not_a_string_is_rejected() -> None:
    with pytest.raises(InvalidScope, match="a scope must be a string"):
        parse_scope(42)  # type: ignore[arg-type]


# -- key_chain, the fast path, agrees with parse_scope ------------------------------------------

_NAMESPACES = (
    "Microsoft.Compute",
    "Microsoft.Storage",
    "Microsoft.Network",
    "Microsoft.KeyVault",
    "Microsoft.Authorization",
    "Contoso.Widgets.V2",
)
_TYPES = ("virtualMachines", "extensions", "storageAccounts", "blobServices", "containers")
_TYPES += ("vaults", "secrets", "subnets", "roleAssignments", "x1")
_NAME_CHARS = "abcXYZ019-_.()"
_guids = st.uuids().map(str)
_names = st.one_of(
    st.text(_NAME_CHARS, min_size=1, max_size=10),
    st.sampled_from(["providers", "resourceGroups", "subscriptions", "a b", "ünï"]),
)
_group_names = st.text(_NAME_CHARS, min_size=1, max_size=12).filter(lambda n: not n.endswith("."))
_provider_groups = st.lists(
    st.tuples(
        st.sampled_from(_NAMESPACES),
        st.lists(st.tuples(st.sampled_from(_TYPES), _names), min_size=1, max_size=3),
    ),
    max_size=3,
)


def _provider_path(groups: list[tuple[str, list[tuple[str, str]]]]) -> str:
    return "".join(
        f"/providers/{ns}" + "".join(f"/{t}/{n}" for t, n in chain) for ns, chain in groups
    )


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    """A valid ARM id of any shape, in random casing, sometimes with a trailing slash."""
    shape = draw(st.sampled_from(["root", "management group", "subscription", "resource group"]))
    groups = draw(_provider_groups)
    if shape == "root":
        base = ""
    elif shape == "management group":
        base = f"/providers/Microsoft.Management/managementGroups/{draw(_group_names)}"
    else:
        base = f"/subscriptions/{draw(_guids)}"
        if shape == "resource group":
            keyword = draw(st.sampled_from(["resourceGroups", "resourcegroups"]))
            base += f"/{keyword}/{draw(_group_names)}"
    resource_id = base + _provider_path(groups) or "/"
    event(f"shape: {shape} + {len(groups)} provider groups")
    return _recase(draw, resource_id) + draw(st.sampled_from(["", "", "", "/"]))


def _recase(draw: st.DrawFn, text: str) -> str:
    mode = draw(st.sampled_from(["as is", "lower", "upper", "mixed"]))
    if mode == "lower":
        return text.lower()
    if mode == "upper":
        return text.upper()
    if mode == "mixed":
        rng = random.Random(draw(st.integers(0, 2**32)))
        return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)
    return text


@st.composite
def broken_ids(draw: st.DrawFn) -> str:
    """A valid id with one thing broken: the kinds of mistakes callers make."""
    resource_id = draw(valid_ids()).rstrip("/") or "/"
    segments = resource_id.split("/")
    mistake = draw(
        st.sampled_from(
            [
                "drop last segment",
                "empty segment",
                "non-guid subscription",
                "bad namespace",
                "bad type",
                "forbidden character",
                "rg ending in a dot",
                "rg too long",
                "unknown top level",
                "no leading slash",
                "leading blank",
            ]
        )
    )
    event(f"mistake: {mistake}")
    where = draw(st.integers(1, max(1, len(segments) - 1)))
    lowered = [s.lower() for s in segments]
    subscription = 2 if lowered[1:2] == ["subscriptions"] else None
    group = 4 if lowered[3:4] == ["resourcegroups"] else None
    namespace = lowered.index("providers") + 1 if "providers" in lowered[:-1] else None
    if mistake == "drop last segment":
        segments = segments[:-1]
    elif mistake == "empty segment":
        segments.insert(where, "")
    elif mistake == "non-guid subscription" and subscription:
        segments[subscription] = draw(st.sampled_from(["sub1", "1234", "g"]))
    elif mistake == "bad namespace" and namespace:
        segments[namespace] = draw(st.sampled_from(["Microsoft", "a..b", "x."]))
    elif mistake == "bad type" and namespace and namespace + 1 < len(segments):
        segments[namespace + 1] = draw(st.sampled_from(["1vm", "a.b", "a-b"]))
    elif mistake == "forbidden character":
        segments[where] = segments[where] + draw(st.sampled_from(list("<>%&\\?#")))
    elif mistake == "rg ending in a dot" and group:
        segments[group] += "."
    elif mistake == "rg too long" and group:
        segments[group] = "r" * 91
    elif mistake == "unknown top level":
        segments[1] = draw(st.sampled_from(["tenants", "resourceGroups", "subscription"]))
    elif mistake == "no leading slash":
        return "/".join(segments).lstrip("/")
    elif mistake == "leading blank":
        return " " + "/".join(segments)
    return "/".join(segments) or "/"


def _parse_chain(resource_id: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    scope = parse_scope(resource_id)
    keys = tuple(s.key for s in scope.ancestors() if s.kind is not ScopeKind.ROOT)
    return scope.subscription_id, scope.management_group, keys


@settings(max_examples=400, deadline=None)
@given(st.one_of(valid_ids(), broken_ids()))
def test_key_chain_returns_the_ancestor_keys_below_the_root_and_fails_exactly_when_parse_does(
    resource_id: str,
) -> None:
    try:
        expected = _parse_chain(resource_id)
    except InvalidScope:
        event("parse_scope rejects")
        with pytest.raises(InvalidScope):
            key_chain(resource_id)
        return
    event("parse_scope accepts")
    subscription, group, keys = key_chain(resource_id)
    assert keys == expected[2]
    assert subscription == expected[0]
    if group is not None or expected[1] is not None:
        assert group is not None and expected[1] is not None
        assert group.lower() == expected[1].lower()


@settings(max_examples=300, deadline=None)
@given(valid_ids())
def test_every_ancestor_key_is_a_segment_prefix_of_the_scope_key(resource_id: str) -> None:
    scope = parse_scope(resource_id)
    for ancestor in scope.ancestors()[1:-1]:
        assert scope.key.startswith(ancestor.key + "/")
    assert parse_scope(scope.id) == scope
    assert parse_scope(resource_id.upper()) == parse_scope(resource_id.lower()) == scope
    assert hash(parse_scope(resource_id.upper())) == hash(scope)


def test_key_chain_of_a_management_group_scope_names_the_group() -> None:
    subscription, group, keys = key_chain(MG_ID + ASSIGNMENT)
    assert subscription is None
    assert group == "Contoso.Prod"
    assert keys == ((MG_ID + ASSIGNMENT).lower(), MG_ID.lower())


def test_key_chain_of_a_subscription_scope_has_no_management_group() -> None:
    assert key_chain(VM_ID.upper()) == (SUB, None, (VM_ID.lower(), RG_ID.lower(), SUB_ID.lower()))


# Found while writing the property above; kept out of its generators so it stays green.
@pytest.mark.parametrize(
    "tail",
    ["/providers/x", "/providers/Contoso.Widgets", "/providers/x/y/z"],
)
def test_key_chain_rejects_a_provider_section_without_a_namespace_and_type(tail: str) -> None:
    resource_id = f"{VM_ID}{tail}"
    with pytest.raises(InvalidScope):
        parse_scope(resource_id)
    with pytest.raises(InvalidScope):
        key_chain(resource_id)


@pytest.mark.parametrize(
    "resource_id",
    [
        f"{SUB_ID}/providers/Microsoft.\u212aeyVault/vaults/kv",
        f"{SUB_ID}/providers/Microsoft.Compute/virtualMachines/vm\x0b1",
        f"{SUB_ID}/providers/Microsoft.Compute/virtualMachines/vm\u00a01",
    ],
    ids=["kelvin-sign-namespace", "vertical-tab-in-name", "nbsp-in-name"],
)
def test_key_chain_rejects_what_parse_scope_rejects(resource_id: str) -> None:
    with pytest.raises(InvalidScope):
        parse_scope(resource_id)
    with pytest.raises(InvalidScope):
        key_chain(resource_id)


def test_key_chain_and_parse_scope_agree_on_a_trailing_blank() -> None:
    assert key_chain(VM_ID + " ")[2] == _parse_chain(VM_ID + " ")[2]


def test_parse_scope_accepts_a_guid_without_hyphens_via_the_slow_path_too() -> None:
    compact = f"/subscriptions/{uuid.UUID(SUB).hex}/resourceGroups/web-prod"
    assert key_chain(compact) == (SUB, None, (RG_ID.lower(), SUB_ID.lower()))
