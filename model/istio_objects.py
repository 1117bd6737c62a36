"""Small named builders of Istio's telemetry and security resources, as plain dicts spelled as their CRDs spell them.

The routing objects are typed: model.istio_routing."""

from __future__ import annotations

from typing import Any

TELEMETRY_API = "telemetry.istio.io/v1"
SECURITY_API = "security.istio.io/v1"

IstioObject = dict[str, Any]


def istio_object(kind: str, name: str, namespace: str, spec: dict[str, Any], api: str) -> IstioObject:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def tracing_telemetry(name: str, namespace: str, provider: str, sampling_percentage: float) -> IstioObject:
    """A Telemetry that sends spans to the mesh config's extension `provider`, sampling a share of requests.

    In the root namespace (istio-system) it applies to the whole mesh.
    """
    spec = {"tracing": [{"providers": [{"name": provider}], "randomSamplingPercentage": sampling_percentage}]}
    return istio_object("Telemetry", name, namespace, spec, api=TELEMETRY_API)


def peer_authentication(name: str, namespace: str, mode: str) -> IstioObject:
    """A PeerAuthentication without selector: in the root namespace it covers the whole mesh."""
    return istio_object("PeerAuthentication", name, namespace, {"mtls": {"mode": mode}}, api=SECURITY_API)


def authorization_rule(
    principals: list[str], methods: list[str] | None = None, paths: list[str] | None = None
) -> dict[str, Any]:
    """One rule: requests from any of `principals` (using one of `methods`, on one of `paths`, if given; without
    methods it is an L4 rule, which ztunnel can enforce)."""
    rule: dict[str, Any] = {"from": [{"source": {"principals": principals}}]}
    if methods:
        operation: dict[str, Any] = {"methods": methods}
        if paths:
            operation["paths"] = paths
        rule["to"] = [{"operation": operation}]
    return rule


def authorization_policy(
    name: str,
    namespace: str,
    app: str | None = None,
    rules: list[dict[str, Any]] | None = None,
    service: str | None = None,
) -> IstioObject:
    """An ALLOW policy for the pods labelled `app`, or attached to the Service `service` (enforced by its
    waypoint, under ambient); with neither, for the whole namespace; without rules, it allows nothing."""
    spec: dict[str, Any] = {}
    if app:
        spec["selector"] = {"matchLabels": {"app": app}}
    if service:
        spec["targetRefs"] = [{"group": "", "kind": "Service", "name": service}]
    if rules:
        spec["action"] = "ALLOW"
        spec["rules"] = rules
    return istio_object("AuthorizationPolicy", name, namespace, spec, api=SECURITY_API)


def logical_name(obj: IstioObject) -> str:
    """A stable Pulumi name for an Istio object: kind, namespace and name."""
    metadata = obj["metadata"]
    return f"{obj['kind'].lower()}-{metadata['namespace']}-{metadata['name']}"
