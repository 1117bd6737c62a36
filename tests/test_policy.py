"""The policy pack's checks: each with resources that pass and resources that fail, and our own stack passing.

The checks are imported from policy/validators.py; policy/__main__.py (which starts a policy server when
imported, and needs pulumi-policy) is only read, to make sure it wires every check.
"""

from __future__ import annotations

import ast

import pytest

from model import gateway_api
from model.istio_routing import (
    Destination,
    DestinationRule,
    HTTPRoute,
    MirrorPolicy,
    RouteDestination,
    TCPRoute,
    VirtualService,
    to,
    version_subset,
)
from policy import validators
from tests.conftest import OWN_CLUSTER, rendered
from tools.preview.stack_config import ROOT

VS = "kubernetes:networking.istio.io/v1:VirtualService"
DR = "kubernetes:networking.istio.io/v1:DestinationRule"
RELEASE = "kubernetes:helm.sh/v3:Release"
SERVICE = "kubernetes:core/v1:Service"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CLUSTER = "gcp:container/cluster:Cluster"


def destination(host: str, subset: str | None = None, weight: int | None = None) -> RouteDestination:
    return to(host, subset, weight)


def virtual_service(namespace: str = "bookinfo", **protocols) -> dict:
    return VirtualService("vs", namespace, hosts=("reviews",), **protocols).manifest()


def http(*routes: RouteDestination, **extra) -> dict:
    """A VirtualService in bookinfo with one HTTP rule over `routes`."""
    return virtual_service(http=(HTTPRoute(routes, **extra),))


def tcp(*routes: RouteDestination, namespace: str = "bookinfo") -> dict:
    return virtual_service(namespace, tcp=(TCPRoute(routes),))


def destination_rule(host: str, *subsets: str, namespace: str = "bookinfo") -> dict:
    subsets_ = tuple(map(version_subset, subsets))
    return DestinationRule(host.split(".")[0], namespace, host=host, subsets=subsets_).manifest()


def release(name: str, values: dict, chart: str = "gateway") -> dict:
    return {"name": name, "chart": chart, "values": values}


def service_type(service_type_: str) -> dict:
    return {"service": {"type": service_type_}}


def service(name: str, type_: str, namespace: str = "istio-system", labels: dict | None = None) -> dict:
    metadata = {"name": name, "namespace": namespace, **({"labels": labels} if labels else {})}
    return {"metadata": metadata, "spec": {"type": type_, "ports": [{"port": 80}]}}


def workload(pod_context: dict | None, *containers: dict, init: tuple[dict, ...] = ()) -> dict:
    pod: dict = {"containers": list(containers), **({"initContainers": list(init)} if init else {})}
    if pod_context is not None:
        pod["securityContext"] = pod_context
    return {"spec": {"template": {"spec": pod}}}


def container(name: str = "app", **context) -> dict:
    return {"name": name, "image": "x", **({"securityContext": context} if context else {})}


NON_ROOT = {"runAsNonRoot": True}
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
WEIGHTS, LB, ROOT_USER, DASHBOARDS = (
    validators.route_weights,
    validators.load_balancers,
    validators.root_or_privileged,
    validators.exposed_dashboards,
)
KIALI_EXPOSED = {"deployment": {"service_type": "NodePort", "ingress": {"enabled": True}}}

# (check, resource type, props, expected messages): for each check resources that pass, then ones that fail.
RESOURCE_CASES = [
    (WEIGHTS, VS, http(destination("reviews", "v1")), []),
    (WEIGHTS, VS, http(destination("reviews", "v1", 80), destination("reviews", "v3", 20)), []),
    (WEIGHTS, VS, tcp(destination("tcp-echo", "v1", 100), destination("tcp-echo", "v2", 0)), []),
    (WEIGHTS, DR, http(destination("x", weight=1)), []),
    (
        WEIGHTS,
        VS,
        http(destination("reviews", "v1", 50), destination("reviews", "v3", 40), name="split"),
        ["http route split: destination weights sum to 90, not 100"],
    ),
    (
        WEIGHTS,
        VS,
        tcp(destination("tcp-echo", "v1", 80), destination("tcp-echo", "v2")),
        ["tcp route 0: destination weights sum to 80, not 100"],
    ),
    (
        WEIGHTS,
        VS,
        http(destination("reviews", "v1"), destination("reviews", "v2")),
        ["http route 0: destination weights sum to 0, not 100"],
    ),
    (LB, RELEASE, release("istio-ingressgateway", service_type("LoadBalancer")), []),
    (LB, RELEASE, release("istio-egressgateway", service_type("ClusterIP")), []),
    (LB, SERVICE, service("istio-ingressgateway", "LoadBalancer"), []),
    (LB, SERVICE, service("productpage", "ClusterIP", "bookinfo"), []),
    (
        LB,
        RELEASE,
        release("istio-egressgateway", service_type("LoadBalancer")),
        ["Helm release istio-egressgateway asks for a LoadBalancer Service; only istio-ingressgateway may"],
    ),
    (
        LB,
        SERVICE,
        service("productpage", "LoadBalancer", "bookinfo"),
        ["Service bookinfo/productpage is a LoadBalancer; only istio-system/istio-ingressgateway may be"],
    ),
    (
        LB,
        SERVICE,
        service("istio-ingressgateway", "LoadBalancer", "default"),
        ["Service default/istio-ingressgateway is a LoadBalancer; only istio-system/istio-ingressgateway may be"],
    ),
    (ROOT_USER, DEPLOYMENT, workload(NON_ROOT, container()), []),
    (ROOT_USER, DEPLOYMENT, workload(None, container(runAsNonRoot=True, runAsUser=100)), []),
    (ROOT_USER, "kubernetes:core/v1:ConfigMap", workload(None, container()), []),
    (ROOT_USER, DEPLOYMENT, workload(None, container()), ["container app does not set runAsNonRoot: true"]),
    (ROOT_USER, DEPLOYMENT, workload(NON_ROOT, container(privileged=True)), ["container app is privileged"]),
    (
        ROOT_USER,
        DEPLOYMENT,
        workload({**NON_ROOT, "runAsUser": 0}, container()),
        ["container app runs as user 0 (root)"],
    ),
    (
        ROOT_USER,
        DEPLOYMENT,
        workload(NON_ROOT, container(runAsNonRoot=False)),
        ["container app does not set runAsNonRoot: true"],
    ),
    (
        ROOT_USER,
        STATEFUL_SET,
        workload(NON_ROOT, container(), init=(container("init", runAsUser=0),)),
        ["container init runs as user 0 (root)"],
    ),
    (DASHBOARDS, RELEASE, release("grafana", {"service": {"port": 3000}}, "grafana"), []),
    (DASHBOARDS, RELEASE, release("istio-ingressgateway", service_type("LoadBalancer")), []),
    (DASHBOARDS, SERVICE, service("kiali", "ClusterIP"), []),
    (DASHBOARDS, SERVICE, service("prometheus", "NodePort"), []),
    (
        DASHBOARDS,
        RELEASE,
        release("grafana", service_type("LoadBalancer"), "grafana"),
        ["Helm release grafana sets service.type: LoadBalancer"],
    ),
    (
        DASHBOARDS,
        RELEASE,
        release("kiali", KIALI_EXPOSED, "kiali-server"),
        [
            "Helm release kiali sets deployment.service_type: NodePort",
            "Helm release kiali sets deployment.ingress.enabled: true",
        ],
    ),
    (
        DASHBOARDS,
        RELEASE,
        release("addons-grafana", {"ingress": {"enabled": True}}, "grafana"),
        ["Helm release addons-grafana sets ingress.enabled: true"],
    ),
    (DASHBOARDS, SERVICE, service("kiali", "NodePort"), ["Service kiali exposes a dashboard as NodePort"]),
    (
        DASHBOARDS,
        SERVICE,
        service("dashboards", "LoadBalancer", labels={"app.kubernetes.io/name": "grafana"}),
        ["Service dashboards exposes a dashboard as LoadBalancer"],
    ),
]


@pytest.mark.parametrize(
    ("check", "resource_type", "props", "expected"),
    RESOURCE_CASES,
    ids=[f"{case[0].__name__}-{'fail' if case[3] else 'pass'}-{i}" for i, case in enumerate(RESOURCE_CASES)],
)
def test_resource_check(check, resource_type, props, expected):
    assert check(resource_type, props) == expected


@pytest.mark.parametrize(
    ("props", "protect", "expected"),
    [
        ({"deletionProtection": False}, False, []),
        ({}, False, []),
        (
            {"deletionProtection": True},
            False,
            [f"{CLUSTER} has deletionProtection on: `pulumi destroy` fails until it is set to false and applied"],
        ),
        ({}, True, [f"{CLUSTER} is protected: `pulumi destroy` fails until `protect` is removed"]),
    ],
)
def test_blocks_destroy(props, protect, expected):
    assert validators.blocks_destroy(CLUSTER, props, protect) == expected


MIRRORS_V2 = {"mirrors": (MirrorPolicy(Destination("httpbin", "v2")),)}

# (case, [(type, props)] of a stack, expected messages)
SUBSET_CASES = [
    ("defined", [(VS, http(destination("reviews", "v2"))), (DR, destination_rule("reviews", "v1", "v2"))], []),
    ("no subset named", [(VS, http(destination("reviews")))], []),
    (
        "fqdn host",
        [(VS, http(destination("reviews.bookinfo.svc.cluster.local", "v3"))), (DR, destination_rule("reviews", "v3"))],
        [],
    ),
    (
        "rule in another namespace",
        [
            (VS, tcp(destination("tcp-echo.demo", "v1"), namespace="default")),
            (DR, destination_rule("tcp-echo", "v1", namespace="demo")),
        ],
        [],
    ),
    (
        "mirror defined",
        [
            (VS, http(destination("httpbin", "v1"), mirror=Destination("httpbin", "v2"))),
            (DR, destination_rule("httpbin", "v1", "v2")),
        ],
        [],
    ),
    (
        "missing subset",
        [(VS, http(destination("reviews", "v4"))), (DR, destination_rule("reviews", "v1"))],
        ["route to reviews names subset 'v4', which no DestinationRule defines"],
    ),
    (
        "no rule at all",
        [(VS, tcp(destination("tcp-echo", "v1", 80), destination("tcp-echo", "v2", 20)))],
        [
            "route to tcp-echo names subset 'v1', which no DestinationRule defines",
            "route to tcp-echo names subset 'v2', which no DestinationRule defines",
        ],
    ),
    (
        "same name other namespace",
        [(VS, http(destination("reviews", "v1"))), (DR, destination_rule("reviews", "v1", namespace="default"))],
        ["route to reviews names subset 'v1', which no DestinationRule defines"],
    ),
    (
        "mirror missing",
        [(VS, http(destination("httpbin", "v1"), **MIRRORS_V2)), (DR, destination_rule("httpbin", "v1"))],
        ["route to httpbin names subset 'v2', which no DestinationRule defines"],
    ),
]


@pytest.mark.parametrize(("resources", "expected"), [c[1:] for c in SUBSET_CASES], ids=[c[0] for c in SUBSET_CASES])
def test_missing_subsets(resources, expected):
    stack = [(f"urn:{i}", resource_type, props) for i, (resource_type, props) in enumerate(resources)]
    found = validators.missing_subsets(stack)
    assert [message for _, message in found] == expected
    assert {urn for urn, _ in found} <= {"urn:0"}


RESOURCE_CHECKS = [WEIGHTS, LB, ROOT_USER, DASHBOARDS]


HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
TCPROUTE = "kubernetes:gateway.networking.k8s.io/v1alpha2:TCPRoute"


def http_route(*backends: gateway_api.BackendRef, mirror: str | None = None) -> dict:
    """An HTTPRoute in bookinfo attached to reviews, with one rule over `backends` (mirrored to `mirror`)."""
    filters = (
        (gateway_api.Filter("RequestMirror", gateway_api.RequestMirror(gateway_api.BackendRef(mirror, 9080))),)
        if mirror
        else ()
    )
    rule = gateway_api.HTTPRouteRule(backends, filters=filters)
    parents = (gateway_api.service_parent("reviews", 9080),)
    return gateway_api.HTTPRoute("reviews", "bookinfo", parent_refs=parents, rules=(rule,)).manifest()


def tcp_route(*backends: gateway_api.BackendRef) -> dict:
    rule = gateway_api.TCPRouteRule(backends)
    return gateway_api.TCPRoute(
        "tcp-echo", "bookinfo", parent_refs=(gateway_api.ParentRef("gw"),), rules=(rule,)
    ).manifest()


def backend(name: str, weight: int | None = None, **extra) -> gateway_api.BackendRef:
    return gateway_api.BackendRef(name, 9080, weight, **extra)


# (check, resource type, props, expected messages) for the Gateway API's routes
GATEWAY_API_CASES = [
    (WEIGHTS, HTTPROUTE, http_route(backend("reviews-v1")), []),
    (WEIGHTS, HTTPROUTE, http_route(backend("reviews-v1", 90), backend("reviews-v2", 10)), []),
    (WEIGHTS, TCPROUTE, tcp_route(backend("tcp-echo-v1", 80), backend("tcp-echo-v2", 20)), []),
    (
        WEIGHTS,
        HTTPROUTE,
        http_route(backend("reviews-v1", 90), backend("reviews-v2", 20)),
        ["rule 0: backend weights sum to 110, not 100"],
    ),
    (WEIGHTS, TCPROUTE, tcp_route(backend("a"), backend("b")), ["rule 0: backend weights sum to 0, not 100"]),
]


@pytest.mark.parametrize(("check", "resource_type", "props", "expected"), GATEWAY_API_CASES)
def test_gateway_api_route_weights(check, resource_type, props, expected):
    assert check(resource_type, props) == expected


def bookinfo_service(name: str, namespace: str = "bookinfo") -> tuple[str, dict]:
    return (SERVICE, service(name, "ClusterIP", namespace))


# (case, [(type, props)] of a stack, expected messages): the route is always the first resource
BACKEND_CASES = [
    ("declared", [(HTTPROUTE, http_route(backend("reviews-v1"))), bookinfo_service("reviews-v1")], []),
    (
        "another namespace, named",
        [
            (HTTPROUTE, http_route(backend("istio-egressgateway", namespace="istio-system"))),
            (RELEASE, {**release("istio-egressgateway", {}), "namespace": "istio-system"}),
        ],
        [],
    ),
    (
        "not a Service",
        [(HTTPROUTE, http_route(backend("edition.cnn.com", group="networking.istio.io", kind="Hostname")))],
        [],
    ),
    (
        "missing",
        [(HTTPROUTE, http_route(backend("reviews-v4"))), bookinfo_service("reviews-v1")],
        ["route to Service bookinfo/reviews-v4, which the stack does not declare"],
    ),
    (
        "mirror missing",
        [(HTTPROUTE, http_route(backend("reviews-v1"), mirror="reviews-v2")), bookinfo_service("reviews-v1")],
        ["route to Service bookinfo/reviews-v2, which the stack does not declare"],
    ),
    (
        "same name, other namespace",
        [(TCPROUTE, tcp_route(backend("tcp-echo-v1"))), bookinfo_service("tcp-echo-v1", "default")],
        ["route to Service bookinfo/tcp-echo-v1, which the stack does not declare"],
    ),
]


@pytest.mark.parametrize(("resources", "expected"), [c[1:] for c in BACKEND_CASES], ids=[c[0] for c in BACKEND_CASES])
def test_missing_backends(resources, expected):
    stack = [(f"urn:{i}", resource_type, props) for i, (resource_type, props) in enumerate(resources)]
    found = validators.missing_backends(stack)
    assert [message for _, message in found] == expected
    assert {urn for urn, _ in found} <= {"urn:0"}


@pytest.mark.parametrize(
    "overrides",
    [
        (),
        ("mtlsMode=STRICT", "authorization=true"),
        *(
            ((*OWN_CLUSTER, "routingApi=gateway-api", f"scenario={name}", "egressGateway=true"))
            for name in ("traffic-shifting", "mirroring", "tcp-traffic-shifting", "egress-gateway")
        ),
        ("dataplane=ambient", "routingApi=gateway-api", "scenario=mirroring", "authorization=true"),
    ],
)
def test_our_stack_passes_every_policy(overrides):
    resources = [r for r in rendered(overrides).plan["resources"] if not r.get("read")]
    assert resources
    found = [
        (r["name"], message)
        for r in resources
        for check in RESOURCE_CHECKS
        for message in check(r["type"], r["inputs"])
    ]
    found += [(r["name"], m) for r in resources for m in validators.blocks_destroy(r["type"], r["inputs"], False)]
    found += validators.missing_subsets((r["urn"], r["type"], r["inputs"]) for r in resources)
    found += validators.missing_backends((r["urn"], r["type"], r["inputs"]) for r in resources)
    assert found == []


def test_deletion_protection_on_the_cluster_is_reported():
    [cluster] = [r for r in rendered(("deletionProtection=true",)).plan["resources"] if r["type"] == CLUSTER]
    assert validators.blocks_destroy(cluster["type"], cluster["inputs"], False) == [
        f"{CLUSTER} has deletionProtection on: `pulumi destroy` fails until it is set to false and applied"
    ]


def test_the_pack_wires_every_check():
    """policy/__main__.py calls each check of validators.py (read, not imported: importing starts a server)."""
    tree = ast.parse((ROOT / "policy" / "__main__.py").read_text())
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "validators"
    }
    checks = {check.__name__ for check in RESOURCE_CHECKS} | {"missing_subsets", "missing_backends", "blocks_destroy"}
    assert used == checks


def test_pack_declares_the_python_runtime_and_a_bounded_sdk():
    import yaml

    project = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert (ROOT / "policy" / "requirements.txt").read_text().split() == ["pulumi-policy>=1.21,<2"]
