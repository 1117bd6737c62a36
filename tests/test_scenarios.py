"""Every scenario of SPEC §4: the exact objects it emits, compared with upstream Istio where upstream has them."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import yaml

from model.mesh import EGRESS_PORTS, INGRESS_PORTS
from scenarios.catalog import CATALOG, SCENARIOS, sample_namespaces
from tests.conftest import OWN_CLUSTER, rendered
from tests.expected_scenarios import (
    JASON,
    NETWORKING,
    ROUTING,
    SAMPLE_DEPLOYMENTS,
    SAMPLE_NAMESPACES,
    TASK_SPECS,
    UPSTREAM_EQUIVALENTS,
    vs,
)
from tools.preview.rendering import Rendering
from tools.preview.schemas import violations
from tools.preview.stack_config import typed_settings

SCENARIO_COMPONENTS = ("istio-demo:traffic:TrafficScenario", "istio-demo:samples:SampleWorkloads")


def owned(rendering: Rendering) -> list[dict[str, Any]]:
    """Kubernetes objects declared by the scenario and its sample workloads."""
    return [
        r["inputs"]
        for r in rendering.plan["resources"]
        if r["type"].startswith("kubernetes:") and any(component in r["urn"] for component in SCENARIO_COMPONENTS)
    ]


def istio_specs(rendering: Rendering) -> dict[tuple[str, str, str], dict]:
    """(kind, namespace, name) -> spec of every Istio object the scenario owns."""
    return {
        (obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"]): obj["spec"]
        for obj in owned(rendering)
        if "istio.io" in obj["apiVersion"]
    }


def upstream_specs(upstream, namespace: str, *files: str) -> dict[tuple[str, str, str], dict]:
    """Specs of upstream objects, later files replacing earlier ones of the same kind and name."""
    specs: dict[tuple[str, str, str], dict] = {}
    for relative in files:
        for doc in yaml.safe_load_all((upstream / relative).read_text()):
            if doc:
                specs[doc["kind"], namespace, doc["metadata"]["name"]] = doc["spec"]
    return specs


def scenario(name: str, *overrides: str) -> Rendering:
    return rendered((f"scenario={name}", *overrides))


@pytest.mark.parametrize(("name", "overrides", "files"), UPSTREAM_EQUIVALENTS)
def test_bookinfo_scenario_equals_upstream(upstream, name, overrides, files):
    expected = upstream_specs(upstream, "bookinfo", *(f"{NETWORKING}/{file}" for file in files))
    assert istio_specs(scenario(name, *overrides)) == expected


def test_tcp_traffic_shifting_equals_upstream(upstream):
    expected = upstream_specs(
        upstream,
        "tcp-traffic-shifting",
        "samples/tcp-echo/tcp-echo-all-v1.yaml",
        "samples/tcp-echo/tcp-echo-20-v2.yaml",
    )
    assert istio_specs(scenario("tcp-traffic-shifting")) == expected


def test_tcp_traffic_shifting_all_to_v1_equals_upstream(upstream):
    expected = upstream_specs(upstream, "tcp-traffic-shifting", "samples/tcp-echo/tcp-echo-all-v1.yaml")
    assert istio_specs(scenario("tcp-traffic-shifting", "tcpEchoWeights=v1=100")) == expected


@pytest.mark.parametrize("name", sorted(TASK_SPECS))
def test_task_scenario_specs(name):
    assert istio_specs(scenario(name)) == TASK_SPECS[name]


def test_round_robin_owns_only_the_namespaces_of_the_samples(default):
    assert owned(default) == [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"istio-injection": "enabled"}}}
        for name in sorted(SAMPLE_NAMESPACES)
    ]


def test_the_samples_namespaces_are_the_catalogs(default):
    assert sample_namespaces(typed_settings(default.plan["config"])) == SAMPLE_NAMESPACES


def test_every_scenario_is_covered_by_a_spec_test():
    covered = {name for name, _, _ in UPSTREAM_EQUIVALENTS} | set(TASK_SPECS) | {"round-robin", "tcp-traffic-shifting"}
    assert covered == set(CATALOG)


def test_each_scenario_is_the_record_of_its_own_module_at_its_own_place():
    for record in SCENARIOS:
        assert importlib.import_module(f"scenarios.tutorial.{record.module}").SCENARIO is record
    positions = [record.position for record in SCENARIOS]
    assert len(set(positions)) == len(positions)


# Parameter overrides: (scenario, override, kind/namespace/name, path into the spec, expected value).
OVERRIDES = [
    ("user-routing", "user=alice", vs("reviews"), ["http", 0, "match", 0, "headers", "end-user", "exact"], "alice"),
    ("fault-delay", "user=alice", vs("ratings"), ["http", 0, "match", 0, "headers", "end-user", "exact"], "alice"),
    ("fault-delay", "faultDelay=3s", vs("ratings"), ["http", 0, "fault", "delay", "fixedDelay"], "3s"),
    ("fault-delay", "faultPercentage=50", vs("ratings"), ["http", 0, "fault", "delay", "percentage", "value"], 50),
    ("fault-abort", "faultAbortStatus=503", vs("ratings"), ["http", 0, "fault", "abort", "httpStatus"], 503),
    ("fault-abort", "faultPercentage=10", vs("ratings"), ["http", 0, "fault", "abort", "percentage", "value"], 10),
    ("request-timeout", "reviewsTimeout=1s", vs("reviews"), ["http", 0, "timeout"], "1s"),
    ("request-timeout", "ratingsDelay=500ms", vs("ratings"), ["http", 0, "fault", "delay", "fixedDelay"], "500ms"),
    (
        "header-routing",
        "headerName=x-canary",
        vs("reviews"),
        ["http", 0, "match", 0, "headers"],
        {"x-canary": {"regex": ".*Firefox.*"}},
    ),
    (
        "header-routing",
        "headerRegex=.*Chrome.*",
        vs("reviews"),
        ["http", 0, "match", 0, "headers", "user-agent", "regex"],
        ".*Chrome.*",
    ),
    ("header-routing", "headerSubset=v3", vs("reviews"), ["http", 0, "route", 0, "destination", "subset"], "v3"),
    ("mirroring", "mirrorPercentage=25", vs("httpbin", "mirroring"), ["http", 0, "mirrorPercentage", "value"], 25),
    (
        "egress-gateway",
        "egressHost=example.org",
        ("ServiceEntry", "egress-gateway", "external-host"),
        ["hosts"],
        ["example.org"],
    ),
    (
        "httpbin-ingress",
        "httpbinStatusPath=true",
        vs("httpbin", "httpbin-ingress"),
        ["http", 0, "match"],
        [{"uri": {"prefix": "/headers"}}, {"uri": {"prefix": "/status"}}],
    ),
    (
        "tcp-traffic-shifting",
        "tcpEchoWeights=v1=50,v2=50",
        vs("tcp-echo", "tcp-traffic-shifting"),
        ["tcp", 0, "route", 1, "weight"],
        50,
    ),
]


@pytest.mark.parametrize(("name", "override", "key", "path", "expected"), OVERRIDES, ids=[o[1] for o in OVERRIDES])
def test_parameter_reaches_the_object(name, override, key, path, expected):
    node: Any = istio_specs(scenario(name, override))[key]
    for step in path:
        node = node[step]
    assert node == expected


def test_faults_for_everyone_drop_the_user_match():
    ratings = istio_specs(scenario("fault-abort", "faultTarget=everyone"))[vs("ratings")]
    assert ratings["http"] == [
        {
            "route": [{"destination": {"host": "ratings", "subset": "v1"}}],
            "fault": {"abort": {"percentage": {"value": 100}, "httpStatus": 500}},
        }
    ]


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_sample_workloads_exist_only_in_their_scenario_and_their_namespaces_in_every_one(name):
    objects = owned(scenario(name))
    deployments = {
        obj["metadata"]["name"]: obj["spec"]["template"]["spec"]["containers"][0]["image"]
        for obj in objects
        if obj["kind"] == "Deployment"
    }
    namespaces = {obj["metadata"]["name"]: obj["metadata"]["labels"] for obj in objects if obj["kind"] == "Namespace"}
    assert deployments == SAMPLE_DEPLOYMENTS.get(name, {})
    assert namespaces == {namespace: {"istio-injection": "enabled"} for namespace in SAMPLE_NAMESPACES}
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] in (name, "bookinfo")


def sample_manifest(name: str, kind: str, object_name: str) -> dict:
    matches = [o for o in owned(scenario(name)) if o["kind"] == kind and o["metadata"]["name"] == object_name]
    assert len(matches) == 1
    return matches[0]


def test_httpbin_matches_upstream(upstream):
    theirs = {d["kind"]: d for d in yaml.safe_load_all((upstream / "samples/httpbin/httpbin.yaml").read_text()) if d}
    service = sample_manifest("httpbin-ingress", "Service", "httpbin")
    assert service["spec"]["ports"] == theirs["Service"]["spec"]["ports"]
    assert service["spec"]["selector"] == theirs["Service"]["spec"]["selector"]
    pod = sample_manifest("httpbin-ingress", "Deployment", "httpbin-v1")["spec"]["template"]
    upstream_pod = theirs["Deployment"]["spec"]["template"]
    assert pod["metadata"]["labels"] == upstream_pod["metadata"]["labels"]
    assert pod["spec"]["serviceAccountName"] == upstream_pod["spec"]["serviceAccountName"]
    container, upstream_container = pod["spec"]["containers"][0], upstream_pod["spec"]["containers"][0]
    for field in ("image", "name", "ports"):
        assert container[field] == upstream_container[field]


def test_fortio_exposes_envoy_statistics_like_upstream(upstream):
    theirs = [
        d for d in yaml.safe_load_all((upstream / "samples/httpbin/sample-client/fortio-deploy.yaml").read_text()) if d
    ]
    upstream_pod = next(d for d in theirs if d["kind"] == "Deployment")["spec"]["template"]
    pod = sample_manifest("circuit-breaking", "Deployment", "fortio-v1")["spec"]["template"]
    assert pod["metadata"]["annotations"] == upstream_pod["metadata"]["annotations"]
    assert [p["containerPort"] for p in pod["spec"]["containers"][0]["ports"]] == [8080, 8079]


def test_tcp_echo_prefixes_its_version(upstream):
    theirs = [d for d in yaml.safe_load_all((upstream / "samples/tcp-echo/tcp-echo-services.yaml").read_text()) if d]
    for version in ("v1", "v2"):
        upstream_container = next(d for d in theirs if d["metadata"]["name"] == f"tcp-echo-{version}")["spec"][
            "template"
        ]["spec"]["containers"][0]
        container = sample_manifest("tcp-traffic-shifting", "Deployment", f"tcp-echo-{version}")["spec"]["template"][
            "spec"
        ]["containers"][0]
        assert container["args"] == upstream_container["args"]
        assert container["image"] == upstream_container["image"]
    service = sample_manifest("tcp-traffic-shifting", "Service", "tcp-echo")
    assert service["spec"]["ports"] == next(d for d in theirs if d["kind"] == "Service")["spec"]["ports"]


def test_curl_client_sleeps(upstream):
    container = sample_manifest("mirroring", "Deployment", "curl-v1")["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["/bin/sleep", "infinity"]


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_object_of_every_scenario_is_strictly_valid(name):
    rendering = scenario(name)
    problems = {obj["metadata"]["name"]: violations(obj) for obj in rendering.manifests}
    assert {key: found for key, found in problems.items() if found} == {}


def infrastructure(rendering: Rendering) -> dict[str, dict]:
    """Everything not owned by the scenario: URN -> what Pulumi would diff."""
    return {
        r["urn"]: {key: r[key] for key in ("inputs", "dependsOn", "provider", "parent")}
        for r in rendering.plan["resources"]
        if not any(component in r["urn"] for component in SCENARIO_COMPONENTS)
    }


# the routing APIs and data planes a scenario switch is tested under
# (on the user's own cluster, where every scenario runs under every API: GKE refuses the experimental TCPRoute)
MESHES = [(), (*OWN_CLUSTER, "routingApi=gateway-api"), (*OWN_CLUSTER, "routingApi=gateway-api", "dataplane=ambient")]


@pytest.mark.parametrize("mesh", MESHES, ids=["istio", "gateway-api", "ambient"])
@pytest.mark.parametrize("name", sorted(set(CATALOG) - {"round-robin"}))
def test_switching_from_round_robin_touches_only_scenario_objects(name, mesh):
    """Cluster, node pool, Helm releases, add-ons and Bookinfo stay byte-for-byte the same, under each API and
    data plane."""
    assert infrastructure(scenario(name, *mesh)) == infrastructure(rendered(mesh))
    assert owned(scenario(name, *mesh))


APIS = {"istio": (), "gateway-api": (*OWN_CLUSTER, "routingApi=gateway-api")}


def test_every_scenario_has_its_routing_in_words():
    assert set(ROUTING) == set(CATALOG)


@pytest.mark.parametrize("api", sorted(APIS))
@pytest.mark.parametrize("name", sorted(ROUTING))
def test_routing_in_words(name, api):
    """Line by line the same under both routing APIs: the words say what the routing does. (The egress gateway is
    on by default, which egress-gateway needs; these are the renders the switch tests make too.)"""
    assert scenario(name, *APIS[api]).plan["outputs"]["routing"] == ROUTING[name]


# (scenario, parameters): the routing in words follows them, the same under both APIs
VARIANTS = [
    ("user-routing", ("user=alice",)),
    ("fault-delay", ("faultTarget=everyone", "faultDelay=1500ms", "faultPercentage=50")),
    ("fault-abort", ("faultAbortStatus=503",)),
    ("traffic-shifting", ("reviewsWeights=v1=80,v2=20",)),
    ("traffic-shifting", ("reviewsWeights=v3=100",)),
    ("request-timeout", ("reviewsTimeout=250ms", "ratingsDelay=1m")),
    ("header-routing", ("headerName=x-tester", "headerRegex=^yes$", "headerSubset=v3")),
    ("mirroring", ("mirrorPercentage=25",)),
    ("tcp-traffic-shifting", ("tcpEchoWeights=v1=10,v2=90",)),
    ("httpbin-ingress", ("httpbinStatusPath=true",)),
    ("egress-gateway", ("egressHost=example.org",)),
]
VARIANT_ROUTING = {
    "user=alice": "reviews: end-user=alice (logged in as alice) -> v2; otherwise -> v1",
    "faultTarget=everyone": "ratings: -> v1, after a 1.5s delay on 50%",
    "faultAbortStatus=503": f"ratings: {JASON} -> v1, aborted with HTTP 503 on 100%; otherwise -> v1",
    "reviewsWeights=v1=80,v2=20": "reviews: -> v1 80%, v2 20%",
    "reviewsWeights=v3=100": "reviews: -> v3",
    "reviewsTimeout=250ms": "reviews: -> v2, timeout 0.25s",
    "headerName=x-tester": "reviews: x-tester matching ^yes$ -> v3; otherwise -> v1",
    "mirrorPercentage=25": "httpbin: -> v1, a copy of 25% of them to v2 (whose answers are dropped)",
    "tcpEchoWeights=v1=10,v2=90": "TCP port 31400 at the ingress gateway: -> tcp-echo v1 10%, tcp-echo v2 90%",
    "httpbinStatusPath=true": (
        "httpbin.example.com at the ingress gateway: path prefix /headers or path prefix /status -> httpbin"
    ),
    "egressHost=example.org": "example.org at the egress gateway: -> example.org:80 outside the mesh",
}


@pytest.mark.parametrize("api", sorted(APIS))
@pytest.mark.parametrize(("name", "parameters"), VARIANTS)
def test_routing_in_words_follows_the_parameters(name, parameters, api):
    routing = scenario(name, *APIS[api], *parameters).plan["outputs"]["routing"]
    assert VARIANT_ROUTING[parameters[0]] in routing


@pytest.mark.parametrize(
    ("overrides", "warnings"),
    [
        (
            ("scenario=all-v1", "user=alice"),
            [
                "user: ignored, the active scenario all-v1 does not use it (it applies to user-routing, fault-delay, fault-abort)"
            ],
        ),
        (
            ("scenario=mirroring", "reviewsWeights=v1=80,v2=20", "faultDelay=2s"),
            [
                "reviewsWeights: ignored, the active scenario mirroring does not use it (it applies to traffic-shifting)",
                "faultDelay: ignored, the active scenario mirroring does not use it (it applies to fault-delay)",
            ],
        ),
        (("scenario=user-routing", "user=alice"), []),
        (("scenario=all-v1", "user=jason"), []),
    ],
)
def test_parameters_of_other_scenarios_are_ignored_with_a_warning(overrides, warnings):
    rendering = rendered(overrides)
    assert rendering.warnings == warnings
    assert ("alice" in str(istio_specs(rendering))) == ("scenario=user-routing" in overrides)


@pytest.mark.parametrize(
    ("overrides", "warnings"),
    [
        (
            ("scenario=header-routing", "headerSubset=v1"),
            ["headerSubset: v1 is what every other request gets too, so the header route changes nothing"],
        ),
        (("scenario=fault-delay", "faultPercentage=0"), ["faultPercentage: 0 injects the fault into no request"]),
        (("scenario=fault-abort", "faultPercentage=0"), ["faultPercentage: 0 injects the fault into no request"]),
        (("scenario=mirroring", "mirrorPercentage=0"), ["mirrorPercentage: 0 mirrors no request to v2"]),
        (
            ("scenario=request-timeout", "reviewsTimeout=2001ms"),
            [
                "reviewsTimeout: 2001ms is longer than ratingsDelay 2s, so reviews answers before the timeout and it never fires"
            ],
        ),
        (("scenario=request-timeout", "reviewsTimeout=2s"), []),
        (("scenario=header-routing", "headerSubset=v3"), []),
        (("scenario=fault-delay", "faultPercentage=1"), []),
        (
            ("scenario=all-v1", "mirrorPercentage=0"),
            ["mirrorPercentage: ignored, the active scenario all-v1 does not use it (it applies to mirroring)"],
        ),
    ],
)
def test_values_that_make_the_scenario_do_nothing_warn(overrides, warnings):
    assert rendered(overrides).warnings == warnings


GATEWAY_PORTS = {
    # Selector -> ports a Gateway may listen on: the gateway Service's targetPorts (what the pod binds), or
    # for the egress gateway its Service ports, which Istio translates to the targetPorts.
    "ingressgateway": {port["targetPort"] for port in INGRESS_PORTS},
    "egressgateway": {port["port"] for port in EGRESS_PORTS},
}


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_gateway_listens_where_its_gateway_service_sends_traffic(name):
    """The trap of SPEC §2: a Gateway on 80 behind a Service mapping 80->8080 would never see a request."""
    gateways = [obj for obj in scenario(name).manifests if obj["kind"] == "Gateway"]
    assert gateways
    for gateway in gateways:
        allowed = GATEWAY_PORTS[gateway["spec"]["selector"]["istio"]]
        for server in gateway["spec"]["servers"]:
            assert server["port"]["number"] in allowed, (gateway["metadata"]["name"], server["port"])
