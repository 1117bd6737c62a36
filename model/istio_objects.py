"""Small named builders of Istio custom resources, as plain dicts spelled exactly as Istio's CRDs spell them."""

from __future__ import annotations

from typing import Any

NETWORKING_API = "networking.istio.io/v1"
TELEMETRY_API = "telemetry.istio.io/v1"
SECURITY_API = "security.istio.io/v1"

IstioObject = dict[str, Any]


def istio_object(kind: str, name: str, namespace: str, spec: dict[str, Any], api: str = NETWORKING_API) -> IstioObject:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def subset(version: str) -> dict[str, Any]:
    """A DestinationRule subset named after a `version` label value."""
    return {"name": version, "labels": {"version": version}}


def destination_rule(
    name: str, namespace: str, host: str, versions: tuple[str, ...] = (), traffic_policy: dict[str, Any] | None = None
) -> IstioObject:
    spec: dict[str, Any] = {"host": host}
    if traffic_policy:
        spec["trafficPolicy"] = traffic_policy
    if versions:
        spec["subsets"] = [subset(version) for version in versions]
    return istio_object("DestinationRule", name, namespace, spec)


def destination(host: str, subset_name: str | None = None, port: int | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"host": host}
    if subset_name:
        result["subset"] = subset_name
    if port is not None:
        result["port"] = {"number": port}
    return result


def route(
    host: str, subset_name: str | None = None, weight: int | None = None, port: int | None = None
) -> dict[str, Any]:
    """One HTTP or TCP route destination, with an optional weight."""
    result: dict[str, Any] = {"destination": destination(host, subset_name, port)}
    if weight is not None:
        result["weight"] = weight
    return result


def split(host: str, weights: tuple[tuple[str, int], ...], port: int | None = None) -> list[dict[str, Any]]:
    """Routes over subsets by weight; a single subset takes everything and needs no weight."""
    if len(weights) == 1:
        return [route(host, weights[0][0], port=port)]
    return [route(host, subset, weight, port) for subset, weight in weights]


def virtual_service(
    name: str,
    namespace: str,
    hosts: list[str],
    http: list[dict[str, Any]] | None = None,
    tcp: list[dict[str, Any]] | None = None,
    gateways: list[str] | None = None,
) -> IstioObject:
    spec: dict[str, Any] = {"hosts": hosts}
    if gateways:
        spec["gateways"] = gateways
    if http:
        spec["http"] = http
    if tcp:
        spec["tcp"] = tcp
    return istio_object("VirtualService", name, namespace, spec)


def server(number: int, name: str, protocol: str, hosts: list[str]) -> dict[str, Any]:
    return {"port": {"number": number, "name": name, "protocol": protocol}, "hosts": hosts}


def gateway(name: str, namespace: str, selector: dict[str, str], servers: list[dict[str, Any]]) -> IstioObject:
    return istio_object("Gateway", name, namespace, {"selector": selector, "servers": servers})


def service_entry(name: str, namespace: str, host: str, ports: list[dict[str, Any]]) -> IstioObject:
    """An external host made known to the mesh, resolved through DNS."""
    return istio_object(
        "ServiceEntry",
        name,
        namespace,
        {"hosts": [host], "ports": ports, "resolution": "DNS", "location": "MESH_EXTERNAL"},
    )


def percentage(value: int) -> dict[str, Any]:
    return {"value": value}


def tracing_telemetry(name: str, namespace: str, provider: str, sampling_percentage: float) -> IstioObject:
    """A Telemetry that sends spans to the mesh config's extension `provider`, sampling a share of requests.

    In the root namespace (istio-system) it applies to the whole mesh.
    """
    spec = {"tracing": [{"providers": [{"name": provider}], "randomSamplingPercentage": sampling_percentage}]}
    return istio_object("Telemetry", name, namespace, spec, api=TELEMETRY_API)


def peer_authentication(name: str, namespace: str, mode: str) -> IstioObject:
    """A PeerAuthentication without selector: in the root namespace it covers the whole mesh."""
    return istio_object("PeerAuthentication", name, namespace, {"mtls": {"mode": mode}}, api=SECURITY_API)


def authorization_rule(principals: list[str], methods: list[str], paths: list[str] | None = None) -> dict[str, Any]:
    """One rule: requests from any of `principals` using one of `methods` (on one of `paths`, if given)."""
    operation: dict[str, Any] = {"methods": methods}
    if paths:
        operation["paths"] = paths
    return {"from": [{"source": {"principals": principals}}], "to": [{"operation": operation}]}


def authorization_policy(
    name: str, namespace: str, app: str | None = None, rules: list[dict[str, Any]] | None = None
) -> IstioObject:
    """An ALLOW policy for the pods labelled `app`; with neither, the empty policy that allows nothing."""
    spec: dict[str, Any] = {}
    if app:
        spec["selector"] = {"matchLabels": {"app": app}}
    if rules:
        spec["action"] = "ALLOW"
        spec["rules"] = rules
    return istio_object("AuthorizationPolicy", name, namespace, spec, api=SECURITY_API)


def logical_name(obj: IstioObject) -> str:
    """A stable Pulumi name for an Istio object: kind, namespace and name."""
    metadata = obj["metadata"]
    return f"{obj['kind'].lower()}-{metadata['namespace']}-{metadata['name']}"
