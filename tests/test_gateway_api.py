"""routingApi=gateway-api: every scenario as Istio's docs write it with the Gateway API, valid against the v1.5.1
CRDs, equal to Istio's own Gateway API samples where they exist, Istio objects only where the Gateway API has no
equivalent; the CRDs installed, retained on delete, before every route; switching touches only routing."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from components import gateway_api
from model.config import ConfigError
from model.versions import GATEWAY_API_CRD_FILES, GATEWAY_API_CRD_NAMES, GATEWAY_API_CRDS_URL
from scenarios.catalog import CATALOG, plan_for
from tests.conftest import OWN_CLUSTER, rendered
from tests.expected_scenarios import GATEWAY_API_KINDS
from tests.plan import RELEASE, resource
from tools.preview import offline
from tools.preview.rendering import render
from tools.preview.schemas import violations
from tools.preview.stack_config import UsageError, assemble, typed_settings

GATEWAY_API = "routingApi=gateway-api"
CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile"


def plan(scenario: str, *overrides: str):
    chosen = typed_settings(
        assemble("dev", None, (*OWN_CLUSTER, f"scenario={scenario}", GATEWAY_API, *overrides))[1], None
    )
    return plan_for(chosen)


def test_every_scenario_has_its_kinds_listed():
    assert set(GATEWAY_API_KINDS) == set(CATALOG)


@pytest.mark.parametrize("scenario", sorted(GATEWAY_API_KINDS))
def test_each_scenario_emits_valid_gateway_api_objects(scenario):
    objects = [obj.manifest() for obj in plan(scenario).objects]
    assert Counter(obj["kind"] for obj in objects) == Counter(GATEWAY_API_KINDS[scenario])
    assert {obj["metadata"]["name"]: found for obj in objects if (found := violations(obj))} == {}


def upstream_objects(upstream, path: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all((upstream / path).read_text()) if doc]


def routes_only(objects: list[dict], kinds=("HTTPRoute", "TCPRoute")) -> dict[str, dict]:
    """name -> (apiVersion, kind, spec), without the namespace (upstream's samples have none)."""
    return {o["metadata"]["name"]: (o["apiVersion"], o["kind"], o["spec"]) for o in objects if o["kind"] in kinds}


def bound(spec: dict) -> dict:
    """Upstream's route spec attached, as ours are, to a Gateway bound to a chart's gateway: beside its Service in
    istio-system (Istio finds a bound Gateway's Service in the Gateway's own namespace only)."""
    parents = [ref if "kind" in ref else {**ref, "namespace": "istio-system"} for ref in spec["parentRefs"]]
    return {**spec, "parentRefs": parents}


def bound_routes(objects: list[dict]) -> dict[str, dict]:
    return {name: (api, kind, bound(spec)) for name, (api, kind, spec) in routes_only(objects).items()}


# (scenario, overrides, upstream sample): the routes equal Istio's own Gateway API samples.
UPSTREAM_SAMPLES = [
    ("all-v1", (), "samples/bookinfo/gateway-api/route-all-v1.yaml"),
    ("traffic-shifting", ("reviewsWeights=v1=90,v2=10",), "samples/bookinfo/gateway-api/route-reviews-90-10.yaml"),
    ("traffic-shifting", ("reviewsWeights=v1=50,v3=50",), "samples/bookinfo/gateway-api/route-reviews-50-v3.yaml"),
    ("traffic-shifting", ("reviewsWeights=v3=100",), "samples/bookinfo/gateway-api/route-reviews-v3.yaml"),
    ("tcp-traffic-shifting", ("tcpEchoWeights=v1=80,v2=20",), "samples/tcp-echo/gateway-api/tcp-echo-20-v2.yaml"),
    ("tcp-traffic-shifting", ("tcpEchoWeights=v1=100",), "samples/tcp-echo/gateway-api/tcp-echo-all-v1.yaml"),
]


@pytest.mark.parametrize(("scenario", "overrides", "sample"), UPSTREAM_SAMPLES)
def test_routes_equal_istios_gateway_api_samples(upstream, scenario, overrides, sample):
    ours = routes_only([obj.manifest() for obj in plan(scenario, *overrides).objects])
    theirs = bound_routes(upstream_objects(upstream, sample))
    assert {name: ours[name] for name in theirs} == theirs


def test_bookinfo_ingress_is_upstreams_bound_to_the_ingress_gateway(upstream):
    """Upstream's HTTPRoute attached to its Gateway, which is bound to the chart's ingress gateway instead of deployed
    by Istio, and so lives in istio-system and admits Bookinfo's routes alone."""
    manifests = {(o["kind"], o["metadata"]["name"]): o for o in rendered((GATEWAY_API,)).manifests}
    theirs = {
        (o["kind"], o["metadata"]["name"]): o
        for o in upstream_objects(upstream, "samples/bookinfo/gateway-api/bookinfo-gateway.yaml")
    }
    assert manifests["HTTPRoute", "bookinfo"]["spec"] == bound(theirs["HTTPRoute", "bookinfo"]["spec"])
    gateway = manifests["Gateway", "bookinfo-gateway"]
    assert (gateway["apiVersion"], gateway["metadata"]["namespace"]) == ("gateway.networking.k8s.io/v1", "istio-system")
    selector = {"matchLabels": {"kubernetes.io/metadata.name": "bookinfo"}}
    listeners = [
        {**listener, "allowedRoutes": {"namespaces": {"from": "Selector", "selector": selector}}}
        for listener in theirs["Gateway", "bookinfo-gateway"]["spec"]["listeners"]
    ]
    assert gateway["spec"] == {
        **theirs["Gateway", "bookinfo-gateway"]["spec"],
        "addresses": [{"type": "Hostname", "value": "istio-ingressgateway.istio-system.svc.cluster.local"}],
        "listeners": listeners,
    }


def test_bookinfo_has_a_service_per_version_under_the_gateway_api_only(default, upstream):
    versions = {
        o["metadata"]["name"]: o["spec"]["selector"]
        for o in upstream_objects(upstream, "samples/bookinfo/platform/kube/bookinfo-versions.yaml")
    }
    services = {
        o["metadata"]["name"]: o["spec"]["selector"]
        for o in rendered((GATEWAY_API,)).manifests
        if o["kind"] == "Service" and o["metadata"]["namespace"] == "bookinfo"
    }
    assert {name: services[name] for name in versions} == versions
    assert not {o["metadata"]["name"] for o in default.manifests if o["kind"] == "Service"} & set(versions)


def test_the_crds_are_installed_from_the_release_retained_and_before_every_route():
    """On the user's own cluster: one ConfigFile per release file, read by the provider; each CRD labelled as the
    stack's, retained on delete and answering to the name it had when the stack declared it itself."""
    rendering = rendered((*OWN_CLUSTER, GATEWAY_API, "scenario=egress-gateway"))
    resources = rendering.plan["resources"]
    files = [r for r in resources if r["type"] == CONFIG_FILE]
    assert sorted(r["inputs"]["file"] for r in files) == sorted(
        f"{GATEWAY_API_CRDS_URL}/{f}" for f in GATEWAY_API_CRD_FILES
    )
    crds = [r for r in resources if r["type"] == CRD]
    assert sorted(r["inputs"]["metadata"]["name"] for r in crds) == sorted(GATEWAY_API_CRD_NAMES)
    assert {r["parent"] for r in crds} == {r["urn"] for r in files}
    assert all(r.get("retainOnDelete") for r in crds)
    assert all(r["inputs"]["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "istio-demo" for r in crds)
    assert all(
        r["inputs"]["metadata"]["annotations"]["gateway.networking.k8s.io/bundle-version"] == "v1.5.1" for r in crds
    )
    component = "urn:pulumi:dev::istio-demo::istio-demo:gateway-api:GatewayApiCrds"
    assert sorted(alias for r in crds for alias in r["aliases"]) == sorted(
        f"{component}${CRD}::gateway-api-{name}" for name in GATEWAY_API_CRD_NAMES
    )
    assert [obj["metadata"]["name"] for obj in rendering.crds] == sorted(GATEWAY_API_CRD_NAMES)
    assert not [obj for obj in rendering.manifests if obj["kind"] == "CustomResourceDefinition"]
    routes = [r for r in resources if "gateway.networking.k8s.io" in r["type"]]
    assert len(routes) == 6
    assert all({file["urn"] for file in files} <= set(r["dependsOn"]) for r in routes)


def test_the_default_installs_no_crd_and_cluster_reads_the_clusters_own(default):
    """gatewayApiCrds=cluster: the CRDs the stack's objects use are read through the provider, each checked for its
    release before any route is sent; none is installed."""
    assert not [r for r in default.plan["resources"] if r["type"] in (CRD, CONFIG_FILE)]
    cluster = rendered((*OWN_CLUSTER, GATEWAY_API, "gatewayApiCrds=cluster", "scenario=tcp-traffic-shifting"))
    reads = [r for r in cluster.plan["resources"] if r["type"] == CRD]
    assert all(r.get("read") for r in reads)
    names = sorted(f"{plural}.gateway.networking.k8s.io" for plural in ("gateways", "httproutes", "tcproutes"))
    assert sorted(r["name"].removeprefix("gateway-api-cluster-") for r in reads) == names
    routes = [r for r in cluster.plan["resources"] if r["type"].endswith(("HTTPRoute", "TCPRoute"))]
    assert len(routes) == 2  # Bookinfo's ingress route and tcp-echo's
    assert all({read["urn"] for read in reads} <= set(r["dependsOn"]) for r in routes)
    assert not cluster.crds


@pytest.mark.parametrize(
    ("version", "shown"), [("v1.4.0", "v1.4.0"), ("v1.5.0", "v1.5.0"), (None, "no bundle version")]
)
def test_the_clusters_own_older_crds_stop_the_program(version, shown):
    with pytest.raises(ConfigError) as raised:
        gateway_api.check_release(HTTPROUTES, {BUNDLE_VERSION: version} if version else {})
    assert str(raised.value) == (
        f"gatewayApiCrds: the cluster's {HTTPROUTES} ({shown}) is older than v1.5.1, the release this stack's Istio"
        " supports; upgrade the cluster's Gateway API CRDs to v1.5.1 or newer, or leave gatewayApiCrds empty to"
        " install them"
    )


@pytest.mark.parametrize("version", ["v1.5.1", "v1.6.0", "v1.10.0"])
def test_the_clusters_own_crds_at_v1_5_1_or_newer_are_used(version):
    gateway_api.check_release(HTTPROUTES, {BUNDLE_VERSION: version})


def test_an_older_crd_of_the_cluster_stops_the_preview_too(monkeypatch):
    monkeypatch.setattr(offline, "GATEWAY_API_VERSION", "v1.4.0")
    with pytest.raises(ConfigError, match=r"^gatewayApiCrds: the cluster's gateways.gateway.networking.k8s.io"):
        render("dev", None, (*OWN_CLUSTER, GATEWAY_API, "gatewayApiCrds=cluster"))


def test_switching_the_api_touches_only_routing_and_bookinfos_version_services(default):
    before = {r["urn"]: r for r in default.plan["resources"]}
    after = {r["urn"]: r for r in rendered((GATEWAY_API,)).plan["resources"]}
    touched = set(before) ^ set(after) | {
        u for u in set(before) & set(after) if before[u]["inputs"] != after[u]["inputs"]
    }
    assert {({**before, **after})[urn]["type"] for urn in touched} == {
        "kubernetes:networking.istio.io/v1:Gateway",
        "kubernetes:networking.istio.io/v1:VirtualService",
        "kubernetes:networking.istio.io/v1:DestinationRule",
        "kubernetes:gateway.networking.k8s.io/v1:Gateway",
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
        "kubernetes:core/v1:Service",
    }
    services = [after[urn]["name"] for urn in touched if after.get(urn, {}).get("type") == "kubernetes:core/v1:Service"]
    assert sorted(services) == sorted(
        f"bookinfo-{name}"
        for name in ("productpage-v1", "reviews-v1", "reviews-v2", "reviews-v3", "ratings-v1", "details-v1")
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (("routingApi=gateway",), "routingApi: unknown value 'gateway'; allowed: istio, gateway-api"),
        (
            (GATEWAY_API, "gatewayApiCrds=crds"),
            "gatewayApiCrds: 'crds' is not valid; allowed: empty (the release on GitHub), an http(s):// mirror, an"
            " absolute directory, or `cluster`",
        ),
        (
            (GATEWAY_API, "reviewsTimeout=100000h"),
            "reviewsTimeout: 100000h is longer than a Gateway API duration can be; allowed with"
            " routingApi=gateway-api: at most 99999h59m59.999s",
        ),
        (
            (GATEWAY_API, f"headerName={'x' * 257}"),
            "headerName: 257 characters is longer than the Gateway API allows; allowed with routingApi=gateway-api:"
            " at most 256 characters",
        ),
        (
            (GATEWAY_API, "gatewayApiCrds=/srv/crds"),
            "gatewayApiCrds: '/srv/crds' does not fit target=gke, where the cluster's Gateway API channel (standard)"
            " brings the CRDs; allowed with target=gke: empty or `cluster`",
        ),
        (
            (GATEWAY_API, "scenario=tcp-traffic-shifting"),
            "scenario: tcp-traffic-shifting with routingApi=gateway-api needs the Gateway API's experimental TCPRoute,"
            " which GKE refuses (it admits the standard channel's CRDs only); on GKE use routingApi=istio for this"
            " scenario, or run it on target=existing",
        ),
    ],
)
def test_values_the_gateway_api_would_refuse_are_refused_first(overrides, message):
    with pytest.raises(ConfigError) as raised:
        rendered(overrides)
    assert str(raised.value) == message


def test_the_istio_variant_is_unchanged_by_a_gateway_api_duration_or_header_limit():
    """The limits apply under gateway-api only: Istio's own take longer values."""
    assert rendered(("reviewsTimeout=100000h",)).manifests


@pytest.mark.parametrize("scenario", sorted(CATALOG))
def test_every_preset_works_under_the_gateway_api(scenario):
    """The presets set a scenario and its parameters; each builds valid Gateway API objects too."""
    config = assemble("dev", Path(CATALOG[scenario].preset), (*OWN_CLUSTER, GATEWAY_API, "egressGateway=true"))[1]
    chosen = typed_settings(config, None)
    objects = [obj.manifest() for obj in plan_for(chosen).objects]
    assert [found for obj in objects if (found := violations(obj))] == []


def test_the_capacity_is_the_same_under_both_apis(default):
    """The Gateways are bound to the charts' gateways: Istio deploys no pod of its own for them."""
    assert rendered((GATEWAY_API,)).plan["outputs"]["capacity"] == default.plan["outputs"]["capacity"]


def test_a_crd_source_the_preview_cannot_read_is_one_line():
    """The provider reads the files under `pulumi preview` and `up`'s own preview, before anything is created; the
    offline preview reads them the same way and refuses one it cannot read."""
    with pytest.raises(UsageError) as raised:
        rendered((*OWN_CLUSTER, GATEWAY_API, "gatewayApiCrds=/nonexistent"))
    file = r"/nonexistent/(standard|experimental)/gateway\.networking\.k8s\.io_[a-z]+\.yaml"  # the first one read
    assert re.fullmatch(
        rf"gatewayApiCrds: cannot read {file}: \[Errno 2\] No such file or directory: '{file}'; or set gatewayApiCrds"
        r" to a directory holding the release's config/crd, or to `cluster`",
        str(raised.value),
    )


def test_a_mirror_is_not_fetched_by_the_offline_preview():
    with pytest.raises(UsageError) as raised:
        rendered((*OWN_CLUSTER, GATEWAY_API, "gatewayApiCrds=https://mirror.example/crd"))
    assert re.fullmatch(
        r"gatewayApiCrds: the offline preview fetches nothing, so it cannot read https://mirror\.example/crd/"
        r"(standard|experimental)/gateway\.networking\.k8s\.io_[a-z]+\.yaml; or set gatewayApiCrds to a directory"
        r" holding the release's config/crd, or to `cluster`",
        str(raised.value),
    )


HTTPROUTES = "httproutes.gateway.networking.k8s.io"
BUNDLE_VERSION = "gateway.networking.k8s.io/bundle-version"


@pytest.mark.parametrize(
    ("overrides", "env"),
    [
        ((), None),
        ((GATEWAY_API,), None),  # GKE: no experimental CRD, so nothing for istiod to read
        ((*OWN_CLUSTER,), None),
        ((*OWN_CLUSTER, GATEWAY_API), {"PILOT_ENABLE_ALPHA_GATEWAY_API": "true"}),
        ((*OWN_CLUSTER, GATEWAY_API, "dataplane=ambient"), {"PILOT_ENABLE_ALPHA_GATEWAY_API": "true"}),
    ],
)
def test_istiod_reads_the_experimental_tcproute_wherever_the_stack_installs_it(overrides, env):
    """Without PILOT_ENABLE_ALPHA_GATEWAY_API, istiod ignores TCPRoutes and refuses a Gateway's TCP listener."""
    values = resource(rendered(overrides), RELEASE, "istiod")["inputs"]["values"]
    assert values["pilot"].get("env") == env
