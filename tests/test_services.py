"""Every Service whose await the provider skips (components/declare.py, SKIP_SERVICE_AWAIT) selects the pods of a
Deployment beside it, on ports those pods open: what that await used to show."""

from __future__ import annotations

from typing import Any

import pytest

from components.declare import SKIP_SERVICE_AWAIT
from scenarios.catalog import CATALOG
from tests.conftest import rendered


def unserved(manifests: list[dict[str, Any]]) -> list[str]:
    """Each Service with a selector that no Deployment of its namespace matches, or whose target port the selected
    pods do not open (a port by number or by name)."""
    problems = []
    deployments = [o for o in manifests if o["kind"] == "Deployment"]
    for service in (o for o in manifests if o["kind"] == "Service" and o["spec"].get("selector")):
        if service["metadata"].get("annotations") != SKIP_SERVICE_AWAIT:
            continue
        namespace, selector = service["metadata"]["namespace"], service["spec"]["selector"]
        name = f"{namespace}/{service['metadata']['name']}"
        pods = [
            d["spec"]["template"]
            for d in deployments
            if d["metadata"]["namespace"] == namespace
            and selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        if not pods:
            problems.append(f"{name}: selects no Deployment's pods")
        for pod in pods:
            ports = [p for c in pod["spec"]["containers"] for p in c.get("ports", [])]
            opened = {p["containerPort"] for p in ports} | {p["name"] for p in ports if "name" in p}
            for port in service["spec"]["ports"]:
                if port.get("targetPort", port["port"]) not in opened:
                    problems.append(f"{name}: port {port['port']} targets {port.get('targetPort')}, not opened")
    return problems


CONFIGURATIONS = [(f"scenario={name}",) for name in CATALOG] + [
    ("scenario=mirroring", "routingApi=gateway-api"),
    ("scenario=circuit-breaking", "dataplane=ambient", "routingApi=gateway-api"),
]


@pytest.mark.parametrize("overrides", CONFIGURATIONS, ids=" ".join)
def test_every_service_selects_pods_on_their_ports(overrides):
    manifests = rendered(overrides).manifests
    assert [o for o in manifests if o["kind"] == "Service"], "no Service to check"
    assert unserved(manifests) == []


@pytest.mark.parametrize("overrides", CONFIGURATIONS, ids=" ".join)
def test_the_provider_skips_only_the_mesh_services_await(overrides):
    services = [o for o in rendered(overrides).manifests if o["kind"] == "Service"]
    skipped = {o["metadata"]["namespace"] for o in services if o["metadata"].get("annotations") == SKIP_SERVICE_AWAIT}
    awaited = {o["metadata"]["namespace"] for o in services if o["metadata"].get("annotations") != SKIP_SERVICE_AWAIT}
    assert "bookinfo" in skipped
    assert awaited <= {"istio-system"}


def service(selector: dict[str, str], target: int | str) -> dict[str, Any]:
    return {
        "kind": "Service",
        "metadata": {"name": "httpbin", "namespace": "samples", "annotations": SKIP_SERVICE_AWAIT},
        "spec": {"selector": selector, "ports": [{"port": 8000, "targetPort": target}]},
    }


DEPLOYMENT = {
    "kind": "Deployment",
    "metadata": {"name": "httpbin", "namespace": "samples"},
    "spec": {
        "template": {
            "metadata": {"labels": {"app": "httpbin", "version": "v1"}},
            "spec": {"containers": [{"name": "httpbin", "ports": [{"containerPort": 8080, "name": "http"}]}]},
        }
    },
}


@pytest.mark.parametrize(
    ("selector", "target", "problems"),
    [
        ({"app": "httpbin"}, 8080, []),
        ({"app": "httpbin"}, "http", []),
        ({"app": "httpbin", "version": "v1"}, 8080, []),
        ({"app": "httbin"}, 8080, ["samples/httpbin: selects no Deployment's pods"]),
        ({"app": "httpbin", "version": "v2"}, 8080, ["samples/httpbin: selects no Deployment's pods"]),
        ({"app": "httpbin"}, 80, ["samples/httpbin: port 8000 targets 80, not opened"]),
    ],
)
def test_unserved_finds_a_service_without_pods(selector, target, problems):
    assert unserved([service(selector, target), DEPLOYMENT]) == problems
