"""Istio's Helm releases: charts, versions, values and the order they are installed (and removed) in."""

from __future__ import annotations

import json

import jsonschema
import pytest
from pulumi_kubernetes.core.v1.outputs import LoadBalancerIngress, LoadBalancerStatus, ServiceStatus

from components.istio import load_balancer_address
from model.mesh import INGRESS_PORTS
from tests.conftest import rendered
from tests.plan import CLUSTER, DEPLOYMENT, NODE_POOL, RELEASE, resource, resources, urn_of

REPOSITORY = {"repo": "https://istio-release.storage.googleapis.com/charts"}
GATEWAY_RESOURCES = {"requests": {"cpu": "10m", "memory": "40Mi"}, "limits": {"cpu": "2000m", "memory": "1024Mi"}}


def release_inputs(chart: str, name: str, values: dict) -> dict:
    return {
        "chart": chart,
        "name": name,
        "version": "1.30.3",
        "namespace": "istio-system",
        "repositoryOpts": REPOSITORY,
        "values": values,
        # A failed install is uninstalled (Helm's atomic install), a failed upgrade rolled back.
        "atomic": True,
        "cleanupOnFail": True,
        "timeout": 600,
        "compat": "true",
    }


EXPECTED_RELEASES = {
    "istio-base": release_inputs("base", "istio-base", {"defaultRevision": "default"}),
    "istiod": release_inputs(
        "istiod",
        "istiod",
        {
            "profile": "demo",
            "global": {"platform": "gke"},
            "pilot": {"autoscaleEnabled": False, "resources": {"requests": {"cpu": "10m", "memory": "100Mi"}}},
        },
    ),
    "istio-ingressgateway": release_inputs(
        "gateway",
        "istio-ingressgateway",
        {
            "profile": "demo",
            "service": {
                "type": "LoadBalancer",
                "ports": [
                    {"name": "status-port", "port": 15021, "targetPort": 15021, "protocol": "TCP"},
                    {"name": "http2", "port": 80, "targetPort": 8080, "protocol": "TCP"},
                    {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"},
                    {"name": "tcp", "port": 31400, "targetPort": 31400, "protocol": "TCP"},
                    {"name": "tls", "port": 15443, "targetPort": 15443, "protocol": "TCP"},
                ],
            },
            "resources": GATEWAY_RESOURCES,
            "autoscaling": {"enabled": False},
        },
    ),
    "istio-egressgateway": release_inputs(
        "gateway",
        "istio-egressgateway",
        {
            "profile": "demo",
            "service": {
                "type": "ClusterIP",
                "ports": [
                    {"name": "http2", "port": 80, "targetPort": 8080, "protocol": "TCP"},
                    {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"},
                ],
            },
            "resources": GATEWAY_RESOURCES,
            "autoscaling": {"enabled": False},
        },
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_RELEASES))
def test_release_inputs(default, name):
    assert resource(default, RELEASE, name)["inputs"] == EXPECTED_RELEASES[name]


def istio_releases(rendering) -> list[dict]:
    return [r for r in resources(rendering, RELEASE) if r["inputs"]["repositoryOpts"] == REPOSITORY]


def test_egress_gateway_toggle_removes_only_its_release():
    without = rendered(("egressGateway=false",))
    assert sorted(r["inputs"]["name"] for r in istio_releases(without)) == [
        "istio-base",
        "istio-ingressgateway",
        "istiod",
    ]


def test_istio_version_is_the_chart_version_of_every_istio_release():
    assert {r["inputs"]["version"] for r in istio_releases(rendered(("istioVersion=1.29.2",)))} == {"1.29.2"}


@pytest.mark.parametrize(
    ("dependent", "dependency"),
    [
        ("istiod", "istio-base"),
        ("istio-ingressgateway", "istiod"),
        ("istio-egressgateway", "istiod"),
    ],
)
def test_release_chain(default, dependent, dependency):
    assert urn_of(default, RELEASE, dependency) in resource(default, RELEASE, dependent)["dependsOn"]


def test_every_istio_custom_resource_depends_on_istiod(default):
    istiod = urn_of(default, RELEASE, "istiod")
    custom = [r for r in default.plan["resources"] if "istio.io" in r["type"]]
    assert len(custom) >= 6
    for item in custom:
        assert istiod in item["dependsOn"], item["name"]


def test_bookinfo_deployments_wait_for_istiod_but_not_for_the_gateways(default):
    """Injection needs istiod's webhook; waiting for the gateways would only slow the rollout."""
    gateways = {urn_of(default, RELEASE, "istio-ingressgateway"), urn_of(default, RELEASE, "istio-egressgateway")}
    namespace = resource(default, "kubernetes:core/v1:Namespace", "bookinfo")
    assert urn_of(default, RELEASE, "istiod") in namespace["dependsOn"]
    for deployment in resources(default, DEPLOYMENT):
        if deployment["inputs"]["metadata"]["namespace"] != "bookinfo":
            continue
        assert namespace["urn"] in deployment["dependsOn"]
        assert not gateways & set(deployment["dependsOn"]), deployment["name"]


def test_ingress_ip_is_read_from_the_gateway_service_after_its_release(default):
    read = [r for r in default.plan["resources"] if r.get("read")]
    assert [(r["type"], r["dependsOn"]) for r in read] == [
        ("kubernetes:core/v1:Service", [urn_of(default, RELEASE, "istio-ingressgateway")])
    ]
    assert default.plan["outputs"]["ingressIp"] == "203.0.113.10"
    assert default.plan["outputs"]["productpageUrl"] == "http://203.0.113.10/productpage"


@pytest.mark.parametrize("name", ["istio-ingressgateway", "istio-egressgateway"])
def test_gateway_values_pass_the_charts_own_schema(default, upstream, name):
    schema = json.loads((upstream / "manifests/charts/gateway/values.schema.json").read_text())
    jsonschema.Draft7Validator(schema).validate(resource(default, RELEASE, name)["inputs"]["values"])


def test_ingress_ports_are_the_demo_profiles(upstream):
    import yaml

    demo = yaml.safe_load((upstream / "manifests/helm-profiles/demo.yaml").read_text())
    expected = demo["gateways"]["istio-ingressgateway"]["ports"]
    assert [{k: p[k] for k in ("name", "port", "targetPort")} for p in INGRESS_PORTS] == expected


def test_ingress_gateway_is_destroyed_before_the_node_pool_and_the_cluster(default):
    """Its LoadBalancer Service must go while the cluster can still clean up GCP's forwarding and firewall rules."""
    release = resource(default, RELEASE, "istio-ingressgateway")
    provider = next(r for r in default.plan["resources"] if r["urn"] == release["provider"])
    pool = resource(default, NODE_POOL, "gke-nodes")
    assert pool["urn"] in provider["dependsOn"]
    assert urn_of(default, CLUSTER, "gke") in pool["dependsOn"]


def test_nothing_is_deleted_with_the_cluster(default):
    """deleted_with would skip deleting Kubernetes objects, leaking the load balancer."""
    assert [r["name"] for r in default.plan["resources"] if "deletedWith" in r] == []


def _status(*ingress: dict) -> ServiceStatus:
    return ServiceStatus(load_balancer=LoadBalancerStatus(ingress=[LoadBalancerIngress(**entry) for entry in ingress]))


@pytest.mark.parametrize(
    ("status", "address"),
    [
        (None, "pending"),
        (ServiceStatus(), "pending"),
        (_status(), "pending"),
        (_status({"ip": "198.51.100.7"}), "198.51.100.7"),
        (_status({"hostname": "lb.example.com"}), "lb.example.com"),
        (_status({}, {"ip": "198.51.100.8"}), "198.51.100.8"),
    ],
)
def test_load_balancer_address(status, address):
    assert load_balancer_address(status) == address
