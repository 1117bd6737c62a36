"""Mesh security: the mTLS mode, Bookinfo's least-privilege AuthorizationPolicies, and what STRICT relies on."""

from __future__ import annotations

import pytest

from tests.conftest import rendered
from tests.plan import DEPLOYMENT, RELEASE, kinds, manifest, resource, resources, urn_of
from tools.preview.schemas import violations

SECURED = ("mtlsMode=STRICT", "authorization=true")
PEER_AUTHENTICATION = "kubernetes:security.istio.io/v1:PeerAuthentication"
AUTHORIZATION_POLICY = "kubernetes:security.istio.io/v1:AuthorizationPolicy"
INGRESS = "cluster.local/ns/istio-system/sa/istio-ingressgateway"
PRODUCTPAGE = "cluster.local/ns/bookinfo/sa/bookinfo-productpage"
REVIEWS = "cluster.local/ns/bookinfo/sa/bookinfo-reviews"


def allow(app: str, *rules: dict) -> dict:
    return {"selector": {"matchLabels": {"app": app}}, "action": "ALLOW", "rules": list(rules)}


def rule(principal: str, methods: list[str], paths: list[str] | None = None) -> dict:
    operation: dict = {"methods": methods, **({"paths": paths} if paths else {})}
    return {"from": [{"source": {"principals": [principal]}}], "to": [{"operation": operation}]}


EXPECTED_POLICIES = {
    "allow-nothing": {},
    "productpage-viewer": allow("productpage", rule(INGRESS, ["GET"]), rule(INGRESS, ["POST"], ["/login", "/logout"])),
    "details-viewer": allow("details", rule(PRODUCTPAGE, ["GET"])),
    "reviews-viewer": allow("reviews", rule(PRODUCTPAGE, ["GET"])),
    "ratings-viewer": allow("ratings", rule(REVIEWS, ["GET"])),
}


@pytest.mark.parametrize(("overrides", "mode"), [((), "PERMISSIVE"), (("mtlsMode=STRICT",), "STRICT")])
def test_mesh_wide_peer_authentication_carries_the_configured_mode(overrides, mode):
    assert manifest(rendered(overrides), "PeerAuthentication", "default", "istio-system") == {
        "apiVersion": "security.istio.io/v1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "default", "namespace": "istio-system"},
        "spec": {"mtls": {"mode": mode}},
    }


def test_peer_authentication_is_the_only_one_and_waits_for_istiod():
    rendering = rendered(SECURED)
    [policy] = resources(rendering, PEER_AUTHENTICATION)
    assert urn_of(rendering, RELEASE, "istiod") in policy["dependsOn"]


def test_default_stack_declares_no_authorization_policy(default):
    assert resources(default, AUTHORIZATION_POLICY) == []


def test_authorization_policies_are_least_privilege():
    policies = kinds(rendered(SECURED), "AuthorizationPolicy", "bookinfo")
    assert {name: policy["spec"] for name, policy in policies.items()} == EXPECTED_POLICIES
    assert {policy["apiVersion"] for policy in policies.values()} == {"security.istio.io/v1"}


def test_authorization_does_not_depend_on_the_mtls_mode():
    assert kinds(rendered(("authorization=true",)), "AuthorizationPolicy", "bookinfo") == kinds(
        rendered(SECURED), "AuthorizationPolicy", "bookinfo"
    )


def test_authorization_policies_wait_for_istiod_and_the_bookinfo_namespace():
    rendering = rendered(SECURED)
    needed = {urn_of(rendering, RELEASE, "istiod"), urn_of(rendering, "kubernetes:core/v1:Namespace", "bookinfo")}
    for policy in resources(rendering, AUTHORIZATION_POLICY):
        assert needed <= set(policy["dependsOn"]), policy["name"]


def test_principals_name_service_accounts_the_stack_creates():
    """Bookinfo's from its ServiceAccounts; the gateway's from the release, which the chart names its SA after."""
    rendering = rendered(SECURED)
    accounts = {f"cluster.local/ns/bookinfo/sa/{name}" for name in kinds(rendering, "ServiceAccount", "bookinfo")}
    gateway = resource(rendering, RELEASE, "istio-ingressgateway")["inputs"]
    accounts.add(f"cluster.local/ns/{gateway['namespace']}/sa/{gateway['name']}")
    principals = {
        principal
        for policy in kinds(rendering, "AuthorizationPolicy", "bookinfo").values()
        for allowed in policy["spec"].get("rules", [])
        for source in allowed["from"]
        for principal in source["source"]["principals"]
    }
    assert principals == {INGRESS, PRODUCTPAGE, REVIEWS}
    assert principals <= accounts


def test_every_bookinfo_app_is_selected_by_exactly_one_allow_policy():
    rendering = rendered(SECURED)
    apps = sorted({d["metadata"]["labels"]["app"] for d in kinds(rendering, "Deployment", "bookinfo").values()})
    selected = sorted(
        policy["spec"]["selector"]["matchLabels"]["app"]
        for policy in kinds(rendering, "AuthorizationPolicy", "bookinfo").values()
        if "selector" in policy["spec"]
    )
    assert selected == apps


def in_the_mesh(rendering, deployment: dict) -> bool:
    """True if the pods get a sidecar, False if they are explicitly kept out of the mesh; fails otherwise."""
    template = deployment["inputs"]["spec"]["template"]["metadata"]
    opted_out = "false" in (
        (template.get("labels") or {}).get("sidecar.istio.io/inject"),
        (template.get("annotations") or {}).get("sidecar.istio.io/inject"),
    )
    namespace = manifest(rendering, "Namespace", deployment["inputs"]["metadata"]["namespace"])
    injected = (namespace["metadata"].get("labels") or {}).get("istio-injection") == "enabled"
    assert injected or opted_out, f"{deployment['name']} gets no sidecar without saying so"
    return injected and not opted_out


def test_strict_mtls_leaves_no_workload_accidentally_without_a_sidecar():
    """Each Deployment runs in an injected namespace, or says it stays out of the mesh; Bookinfo is in it."""
    rendering = rendered(SECURED)
    deployments = resources(rendering, DEPLOYMENT)
    meshed = {d["inputs"]["metadata"]["name"] for d in deployments if in_the_mesh(rendering, d)}
    assert set(kinds(rendering, "Deployment", "bookinfo")) <= meshed


def test_secured_stack_is_strictly_valid():
    rendering = rendered(SECURED)
    problems = {
        f"{obj['kind']} {obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}": violations(obj)
        for obj in rendering.manifests
    }
    assert {name: found for name, found in problems.items() if found} == {}
