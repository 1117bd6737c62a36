"""What the end-to-end run checks of Istio's own work, with the run's istiod answering the API server's webhooks:
injection of every meshed pod, validation of Istio's objects, the status Istio's controller writes on the Gateway
API's objects, and the waypoints it deploys."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from e2e.cluster import Cluster
from model.gateway_api import WAYPOINT_CLASS
from model.mesh import ISTIO_NAMESPACE

PROXY = "istio-proxy"
INJECTION_LABEL = "istio-injection"
ROUTE_KINDS = ("httproutes.gateway.networking.k8s.io", "tcproutes.gateway.networking.k8s.io")
STATUS_TIMEOUT_SECONDS = 30
POLL_SECONDS = 0.5
# An object istiod's validation refuses and the CRD's schema admits (a route to a destination that names no host),
# sent as a server-side dry run.
SEEDED_INVALID = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "VirtualService",
    "metadata": {"name": "seeded-invalid", "namespace": ISTIO_NAMESPACE},
    "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": ""}}]}]},
}
REFUSED_BY_ISTIOD = 'admission webhook "validation.istio.io" denied the request'
# A route to a Service that does not exist: Istio's controller must say so in its status.
SEEDED_MISSING_BACKEND = "seeded-missing-backend"


def meshed_namespaces(cluster: Cluster) -> list[str]:
    items = cluster.get_json("namespaces", "-l", f"{INJECTION_LABEL}=enabled")["items"]
    return [item["metadata"]["name"] for item in items]


def proxy_of(pod: dict[str, Any]) -> dict[str, Any] | None:
    """The pod's Istio proxy: a container, or a native sidecar (an init container that restarts always)."""
    spec = pod["spec"]
    candidates = [*spec.get("containers", []), *spec.get("initContainers", [])]
    return next((c for c in candidates if c["name"] == PROXY), None)


def uninjected(cluster: Cluster) -> tuple[list[str], int]:
    """Pods of the injection-labelled namespaces, and istio-system's gateways, that carry no Istio proxy, or one
    left at the charts' `image: auto`; and how many pods carry one."""
    pods = [
        pod
        for namespace in meshed_namespaces(cluster)
        for pod in cluster.get_json("pods", "-n", namespace)["items"]
        if not pod["metadata"].get("deletionTimestamp")
    ]
    pods += cluster.get_json("pods", "-n", ISTIO_NAMESPACE, "-l", "istio=ingressgateway")["items"]
    pods += cluster.get_json("pods", "-n", ISTIO_NAMESPACE, "-l", "istio=egressgateway")["items"]
    problems = []
    for pod in pods:
        name = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        proxy = proxy_of(pod)
        if proxy is None:
            problems.append(f"pod {name}: no {PROXY} injected")
        elif proxy.get("image") == "auto":
            problems.append(f"pod {name}: {PROXY} still has the chart's image: auto")
    return problems, len(pods) - len(problems)


def invalid_refused(cluster: Cluster) -> list[str]:
    """The seeded invalid VirtualService is refused with istiod's own message (the validating webhook is live)."""
    try:
        cluster.kubectl("apply", "--dry-run=server", "-f", "-", stdin=json.dumps(SEEDED_INVALID))
    except Exception as error:
        refused = REFUSED_BY_ISTIOD in str(error)
        return [] if refused else [f"the seeded invalid VirtualService was refused, but not by istiod: {error}"]
    return ["the seeded invalid VirtualService was accepted: istiod's validation is not live"]


def conditions(entry: dict[str, Any]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in entry.get("conditions", [])}


def route_problems(route: dict[str, Any]) -> list[str]:
    """A route is unproven until Istio's controller has written, for each parent, Accepted and ResolvedRefs true."""
    name = f"{route['kind']} {route['metadata']['namespace']}/{route['metadata']['name']}"
    parents = route.get("status", {}).get("parents", [])
    if not parents:
        return [f"{name}: no parent status from Istio's controller"]
    return [
        f"{name}: parent {parent.get('parentRef', {}).get('name')} {kind}={state.get(kind)}"
        for parent in parents
        for state in [conditions(parent)]
        for kind in ("Accepted", "ResolvedRefs")
        if state.get(kind) != "True"
    ]


def gateway_problems(gateway: dict[str, Any]) -> list[str]:
    """A Gateway is proven once Istio has accepted it and programmed it (bound to its gateway's Service, or, for a
    waypoint, deployed)."""
    state = conditions(gateway.get("status", {}))
    name = f"Gateway {gateway['metadata']['namespace']}/{gateway['metadata']['name']}"
    return [f"{name}: {kind}={state.get(kind)}" for kind in ("Accepted", "Programmed") if state.get(kind) != "True"]


def listed(cluster: Cluster, kind: str) -> list[dict[str, Any]]:
    found = cluster.kubectl("get", kind, "--all-namespaces", "-o", "json", "--ignore-not-found", check=False)
    items: list[dict[str, Any]] = json.loads(found).get("items", []) if found.strip() else []
    return items


def status_problems(cluster: Cluster) -> tuple[list[str], int]:
    """Every route and Gateway as Istio's controller judged it; and how many objects were judged."""
    routes = [route for kind in ROUTE_KINDS for route in listed(cluster, kind)]
    gateways = listed(cluster, "gateways.gateway.networking.k8s.io")
    problems = [p for route in routes for p in route_problems(route)]
    problems += [p for gateway in gateways for p in gateway_problems(gateway)]
    return problems, len(routes) + len(gateways)


def settled(check: Callable[[], list[str]], timeout: float = STATUS_TIMEOUT_SECONDS) -> list[str]:
    """`check`'s problems once Istio's controllers have caught up with the last `up` (or still, after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        problems = check()
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(POLL_SECONDS)


def seeded_route(namespace: str, parent: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": SEEDED_MISSING_BACKEND, "namespace": namespace},
        "spec": {
            "parentRefs": [parent],
            "rules": [{"backendRefs": [{"name": SEEDED_MISSING_BACKEND, "port": 9080}]}],
        },
    }


def missing_backend_reported(cluster: Cluster) -> list[str]:
    """A seeded route to a Service that does not exist, beside the stack's first route, gets ResolvedRefs=False
    from Istio's controller (so a True elsewhere means something); the route is deleted again."""
    routes = listed(cluster, ROUTE_KINDS[0])
    if not routes:
        return ["no HTTPRoute to seed a missing backend beside"]
    first = routes[0]
    route = seeded_route(first["metadata"]["namespace"], first["spec"]["parentRefs"][0])
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(route))
    try:
        deadline = time.monotonic() + STATUS_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            live = cluster.get_json("httproute", SEEDED_MISSING_BACKEND, "-n", route["metadata"]["namespace"])
            parents = live.get("status", {}).get("parents", [])
            if parents and conditions(parents[0]).get("ResolvedRefs") == "False":
                return []
            time.sleep(POLL_SECONDS)
        return [f"the seeded route to a missing backend was not reported ResolvedRefs=False: {parents}"]
    finally:
        cluster.kubectl("delete", "httproute", SEEDED_MISSING_BACKEND, "-n", route["metadata"]["namespace"])


def waypoints_missing(cluster: Cluster) -> list[str]:
    """Each waypoint (a Gateway of class istio-waypoint) has the Deployment and Service istiod creates for it, with
    a pod the scheduler placed and that is ready."""
    problems = []
    for gateway in listed(cluster, "gateways.gateway.networking.k8s.io"):
        if gateway["spec"].get("gatewayClassName") != WAYPOINT_CLASS:
            continue
        name, namespace = gateway["metadata"]["name"], gateway["metadata"]["namespace"]
        deployment = cluster.kubectl("get", "deployment", name, "-n", namespace, "-o", "json", check=False)
        service = cluster.kubectl("get", "service", name, "-n", namespace, "--ignore-not-found", check=False)
        ready = json.loads(deployment).get("status", {}).get("readyReplicas", 0) if deployment.strip() else 0
        if not ready:
            problems.append(f"waypoint {namespace}/{name}: istiod's Deployment has no ready pod")
        if not service.strip():
            problems.append(f"waypoint {namespace}/{name}: istiod created no Service")
    return problems
