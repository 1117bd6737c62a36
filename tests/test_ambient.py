"""dataplane=ambient: Istio's istio-cni and ztunnel charts with the ambient profile (the demo profile's settings on
top), namespaces in the ambient data plane instead of injected, waypoints where L7 is needed, the authorization
policies split between ztunnel (L4) and the waypoint (L7), the capacity of both data planes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from model.settings import RoutingApi
from scenarios.catalog import CATALOG, plan_for
from tests.conftest import OWN_CLUSTER, rendered
from tests.plan import DEPLOYMENT, RELEASE, resource, resources, urn_of
from tools.preview.schemas import violations
from tools.preview.stack_config import assemble, typed_settings

AMBIENT = ("dataplane=ambient", "routingApi=gateway-api")
NAMESPACE = "kubernetes:core/v1:Namespace"
SMALL = {"requests": {"cpu": "10m", "memory": "40Mi"}}
JAEGER = {
    "name": "jaeger",
    "opentelemetry": {"port": 4317, "service": "jaeger-collector.istio-system.svc.cluster.local"},
}


@pytest.fixture(scope="module")
def ambient():
    return rendered(AMBIENT)


@pytest.mark.parametrize(
    ("release", "chart", "values"),
    [
        ("istio-cni", "cni", {"profile": "ambient", "platform": "gke", "resources": SMALL}),
        ("ztunnel", "ztunnel", {"profile": "ambient", "platform": "gke", "resources": SMALL}),
        (
            "istiod",
            "istiod",
            {
                "profile": "ambient",
                "global": {"platform": "gke", "waypoint": {"resources": SMALL}},
                "pilot": {
                    "autoscaleEnabled": False,
                    "resources": {"requests": {"cpu": "10m", "memory": "100Mi"}},
                    "traceSampling": 100,
                },
                "meshConfig": {"accessLogFile": "/dev/stdout", "extensionProviders": [JAEGER]},
            },
        ),
    ],
)
def test_the_ambient_profile_with_the_demo_profiles_settings(ambient, release, chart, values):
    inputs = resource(ambient, RELEASE, release)["inputs"]
    assert (inputs["chart"], inputs["namespace"], inputs["values"]) == (chart, "istio-system", values)


def test_the_demo_settings_kept_are_the_demo_profiles(upstream):
    demo = yaml.safe_load((upstream / "manifests/helm-profiles/demo.yaml").read_text())
    assert demo["meshConfig"]["accessLogFile"] == "/dev/stdout"
    assert next(p for p in demo["meshConfig"]["extensionProviders"] if p["name"] == "jaeger") == JAEGER
    assert {demo[key]["resources"]["requests"]["cpu"] for key in ("cni", "ztunnel")} == {"10m"}
    assert demo["global"]["waypoint"]["resources"] == SMALL


def keys(values, prefix=""):
    for key, value in values.items():
        yield f"{prefix}{key}"
        if isinstance(value, dict):
            yield from keys(value, f"{prefix}{key}.")


@pytest.mark.parametrize(("release", "directory"), [("istio-cni", "istio-cni"), ("ztunnel", "ztunnel")])
def test_node_agent_values_are_keys_of_the_charts_values(ambient, upstream, release, directory):
    """`profile` and `platform` choose the chart's profile files; every other key is one of its values."""
    defaults = yaml.safe_load((upstream / f"manifests/charts/{directory}/values.yaml").read_text())
    known = set(keys(defaults["_internal_defaults_do_not_set"]))
    values = resource(ambient, RELEASE, release)["inputs"]["values"]
    assert set(keys(values)) - known == {"profile", "platform"}


def test_node_agents_follow_istiod_and_the_mirror(ambient):
    assert urn_of(ambient, RELEASE, "istiod") in resource(ambient, RELEASE, "istio-cni")["dependsOn"]
    assert urn_of(ambient, RELEASE, "istio-cni") in resource(ambient, RELEASE, "ztunnel")["dependsOn"]
    mirrored = rendered((*AMBIENT, "imageRegistry=mirror.example/istio"))
    assert resource(mirrored, RELEASE, "ztunnel")["inputs"]["values"]["hub"] == "mirror.example/istio/istio"


def test_the_default_has_no_node_agents(default):
    assert {r["inputs"]["name"] for r in resources(default, RELEASE)} & {"istio-cni", "ztunnel"} == set()


def test_applications_join_the_ambient_data_plane_behind_their_waypoint(ambient):
    """Bookinfo's workloads wait for ztunnel (which captures them), not istiod's injector."""
    namespace = resource(ambient, NAMESPACE, "bookinfo")
    assert namespace["inputs"]["metadata"]["labels"] == {
        "istio.io/dataplane-mode": "ambient",
        "istio.io/use-waypoint": "waypoint",
        "istio.io/ingress-use-waypoint": "true",
    }
    assert urn_of(ambient, RELEASE, "ztunnel") in namespace["dependsOn"]
    pods = [
        r["inputs"]["spec"]["template"]["metadata"]
        for r in resources(ambient, DEPLOYMENT)
        if r["inputs"]["metadata"]["namespace"] == "bookinfo"
    ]
    assert len(pods) == 6
    assert all(pod["annotations"]["istio-demo/dataplane"] == "ambient" for pod in pods)
    [waypoint] = [m for m in ambient.manifests if m["kind"] == "Gateway" and m["metadata"]["name"] == "waypoint"]
    assert waypoint == {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "waypoint", "namespace": "bookinfo"},
        "spec": {
            "gatewayClassName": "istio-waypoint",
            "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}],
        },
    }


@pytest.mark.parametrize(("scenario", "behind_a_waypoint"), [("round-robin", None), ("mirroring", "mirroring")])
def test_the_samples_namespaces_are_ambient_and_the_active_ones_behind_its_waypoint(scenario, behind_a_waypoint):
    """Every namespace of samples is kept, in the ambient data plane; a waypoint serves only the active scenario's."""
    rendering = rendered((*OWN_CLUSTER, *AMBIENT, f"scenario={scenario}"))
    labels = {
        r["inputs"]["metadata"]["name"]: r["inputs"]["metadata"]["labels"]
        for r in resources(rendering, NAMESPACE)
        if ":samples:" in r["urn"]
    }
    ambient = {"istio.io/dataplane-mode": "ambient"}
    waypoint = {"istio.io/use-waypoint": "waypoint", "istio.io/ingress-use-waypoint": "true"}
    assert labels == {
        name: ambient | (waypoint if name == behind_a_waypoint else {})
        for name in ("circuit-breaking", "egress-gateway", "httpbin-ingress", "mirroring", "tcp-traffic-shifting")
    }


@pytest.mark.parametrize("routing_api", list(RoutingApi))
@pytest.mark.parametrize("scenario", sorted(CATALOG))
def test_every_scenario_under_ambient(scenario, routing_api):
    """Valid objects; a waypoint in the samples' namespace exactly where the scenario needs L7 there."""
    config = assemble(
        "dev", None, (*OWN_CLUSTER, f"scenario={scenario}", f"routingApi={routing_api}", "dataplane=ambient")
    )[1]
    chosen = typed_settings(config, None)
    plan = plan_for(chosen)
    objects = [obj.manifest() for obj in plan.objects]
    assert [found for obj in objects if (found := violations(obj))] == []
    waypoints = [o["metadata"]["namespace"] for o in objects if o["spec"].get("gatewayClassName") == "istio-waypoint"]
    wanted = [plan.samples.namespace] if plan.samples and plan.samples.waypoint else []
    assert waypoints == wanted
    needs = {"circuit-breaking", "mirroring", "egress-gateway"}
    assert bool(wanted) == (scenario in needs)
    if plan.samples:
        assert plan.samples.namespace_labels["istio.io/dataplane-mode"] == "ambient"


def test_authorization_is_split_between_ztunnel_and_the_waypoint():
    policies = {
        m["metadata"]["name"]: m["spec"]
        for m in rendered((*AMBIENT, "authorization=true")).manifests
        if m["kind"] == "AuthorizationPolicy"
    }
    assert policies["allow-nothing"] == {}
    assert policies["waypoint-only"] == {
        "action": "ALLOW",
        "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/bookinfo/sa/waypoint"]}}]}],
    }
    assert policies["ratings-viewer"] == {
        "action": "ALLOW",
        "targetRefs": [{"group": "", "kind": "Service", "name": "ratings"}],
        "rules": [
            {
                "from": [{"source": {"principals": ["cluster.local/ns/bookinfo/sa/bookinfo-reviews"]}}],
                "to": [{"operation": {"methods": ["GET"]}}],
            }
        ],
    }
    assert sorted(policies) == sorted(
        ["allow-nothing", "waypoint-only", "productpage-viewer", "details-viewer", "reviews-viewer", "ratings-viewer"]
    )
    assert not any("selector" in spec for spec in policies.values())


def test_capacity_of_both_data_planes(default, ambient):
    """Ambient: no sidecars (6 x 10m/40Mi), one istio-cni and one ztunnel per node (4 x 2 x 10m/40Mi) and
    Bookinfo's waypoint (10m/40Mi): 30m and 120Mi more than sidecars at the demo profile's requests."""
    assert default.plan["outputs"]["capacity"]["requested"] == {"cpu": "2488m", "memory": "5857Mi"}
    assert ambient.plan["outputs"]["capacity"]["requested"] == {"cpu": "2518m", "memory": "5977Mi"}
    ambient_istio = rendered(("dataplane=ambient",))
    assert ambient_istio.plan["outputs"]["capacity"] == ambient.plan["outputs"]["capacity"]


@pytest.mark.parametrize("scenario", sorted(CATALOG))
def test_every_preset_works_under_ambient(scenario):
    """The presets set a scenario and its parameters; each builds valid objects under ambient too."""
    config = assemble("dev", Path(CATALOG[scenario].preset), (*OWN_CLUSTER, *AMBIENT, "egressGateway=true"))[1]
    chosen = typed_settings(config, None)
    plan = plan_for(chosen)
    assert [found for obj in plan.objects if (found := violations(obj.manifest()))] == []
