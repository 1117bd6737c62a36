"""Scenarios of the Istio tasks that need their own sample workloads (circuit breaking, mirroring, TCP, ingress, egress)."""

from __future__ import annotations

from model import istio_objects as istio
from model.mesh import (
    EGRESS_GATEWAY,
    EGRESS_HTTP_PORT,
    EGRESS_SELECTOR,
    INGRESS_HTTP_PORT,
    INGRESS_SELECTOR,
    INGRESS_TCP_PORT,
    ISTIO_NAMESPACE,
)
from model.parameters import ScenarioParameters
from model.sample_apps import (
    HTTPBIN_PORT,
    HTTPBIN_VERSIONS,
    TCP_ECHO_PORT,
    TCP_ECHO_PREFIXES,
    circuit_breaking_samples,
    curl_samples,
    httpbin_samples,
    mirroring_samples,
    tcp_echo_samples,
)
from scenarios.plan import ScenarioPlan

HTTPBIN_HOST = "httpbin.example.com"


def circuit_breaking(_: ScenarioParameters) -> ScenarioPlan:
    namespace = "circuit-breaking"
    policy = {
        "connectionPool": {
            "tcp": {"maxConnections": 1},
            "http": {"http1MaxPendingRequests": 1, "maxRequestsPerConnection": 1},
        },
        "outlierDetection": {
            "consecutive5xxErrors": 1,
            "interval": "1s",
            "baseEjectionTime": "3m",
            "maxEjectionPercent": 100,
        },
    }
    return ScenarioPlan(
        (istio.destination_rule("httpbin", namespace, "httpbin", traffic_policy=policy),),
        circuit_breaking_samples(namespace),
    )


def mirroring(p: ScenarioParameters) -> ScenarioPlan:
    namespace = "mirroring"
    rule = {
        "route": [istio.route("httpbin", "v1", weight=100)],
        "mirror": istio.destination("httpbin", "v2"),
        "mirrorPercentage": istio.percentage(p.mirror_percentage),
    }
    return ScenarioPlan(
        (
            istio.destination_rule("httpbin", namespace, "httpbin", HTTPBIN_VERSIONS),
            istio.virtual_service("httpbin", namespace, ["httpbin"], http=[rule]),
        ),
        mirroring_samples(namespace),
    )


def tcp_traffic_shifting(p: ScenarioParameters) -> ScenarioPlan:
    namespace = "tcp-traffic-shifting"
    gateway = "tcp-echo-gateway"
    split = istio.split("tcp-echo", p.tcp_echo_weights, port=TCP_ECHO_PORT)
    return ScenarioPlan(
        (
            istio.gateway(gateway, namespace, INGRESS_SELECTOR, [istio.server(INGRESS_TCP_PORT, "tcp", "TCP", ["*"])]),
            istio.destination_rule("tcp-echo-destination", namespace, "tcp-echo", tuple(TCP_ECHO_PREFIXES)),
            istio.virtual_service(
                "tcp-echo",
                namespace,
                ["*"],
                gateways=[gateway],
                tcp=[{"match": [{"port": INGRESS_TCP_PORT}], "route": split}],
            ),
        ),
        tcp_echo_samples(namespace),
    )


def httpbin_ingress(p: ScenarioParameters) -> ScenarioPlan:
    """Only the listed paths reach httpbin; the gateway answers 404 for anything else on this host."""
    namespace = "httpbin-ingress"
    gateway = "httpbin-gateway"
    prefixes = ["/headers"] + (["/status"] if p.httpbin_status_path else [])
    rule = {
        "match": [{"uri": {"prefix": prefix}} for prefix in prefixes],
        "route": [istio.route("httpbin", port=HTTPBIN_PORT)],
    }
    return ScenarioPlan(
        (
            istio.gateway(
                gateway, namespace, INGRESS_SELECTOR, [istio.server(INGRESS_HTTP_PORT, "http", "HTTP", [HTTPBIN_HOST])]
            ),
            istio.virtual_service("httpbin", namespace, [HTTPBIN_HOST], gateways=[gateway], http=[rule]),
        ),
        httpbin_samples(namespace),
        notes=(f"{HTTPBIN_HOST}: any other path -> 404 from the ingress gateway",),
    )


def egress_gateway(p: ScenarioParameters) -> ScenarioPlan:
    """Calls from the mesh to the external host leave through the egress gateway, not from each sidecar."""
    namespace = "egress-gateway"
    gateway = "istio-egressgateway"
    egress_service = f"{EGRESS_GATEWAY}.{ISTIO_NAMESPACE}.svc.cluster.local"
    ports = [
        {"number": 80, "name": "http-port", "protocol": "HTTP"},
        {"number": 443, "name": "https", "protocol": "HTTPS"},
    ]
    rules = [
        {
            "match": [{"gateways": ["mesh"], "port": 80}],
            "route": [istio.route(egress_service, "external", 100, port=80)],
        },
        {"match": [{"gateways": [gateway], "port": 80}], "route": [istio.route(p.egress_host, weight=100, port=80)]},
    ]
    return ScenarioPlan(
        (
            istio.service_entry("external-host", namespace, p.egress_host, ports),
            istio.gateway(
                gateway, namespace, EGRESS_SELECTOR, [istio.server(EGRESS_HTTP_PORT, "http", "HTTP", [p.egress_host])]
            ),
            istio.istio_object(
                "DestinationRule",
                "egressgateway-for-external-host",
                namespace,
                {"host": egress_service, "subsets": [{"name": "external"}]},
            ),
            istio.virtual_service(
                "external-host-through-egress-gateway",
                namespace,
                [p.egress_host],
                gateways=[gateway, "mesh"],
                http=rules,
            ),
        ),
        curl_samples(namespace),
    )


def mirroring_caveats(p: ScenarioParameters) -> tuple[str, ...]:
    return ("mirrorPercentage: 0 mirrors no request to v2",) if p.mirror_percentage == 0 else ()
