"""Scenarios of the Istio tasks that need their own sample workloads (circuit breaking, mirroring, TCP, ingress, egress)."""

from __future__ import annotations

from model.istio_routing import (
    ConnectionPool,
    Destination,
    DestinationRule,
    Gateway,
    HTTPMatch,
    HTTPRoute,
    HTTPSettings,
    L4Match,
    OutlierDetection,
    Percent,
    Port,
    Server,
    ServiceEntry,
    StringMatch,
    Subset,
    TCPRoute,
    TCPSettings,
    TrafficPolicy,
    VirtualService,
    split,
    to,
    version_subset,
)
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
from scenarios.view import Note

HTTPBIN_HOST = "httpbin.example.com"


def circuit_breaking(_: ScenarioParameters) -> ScenarioPlan:
    namespace = "circuit-breaking"
    policy = TrafficPolicy(
        connection_pool=ConnectionPool(
            tcp=TCPSettings(max_connections=1),
            http=HTTPSettings(http1_max_pending_requests=1, max_requests_per_connection=1),
        ),
        outlier_detection=OutlierDetection(
            consecutive_5xx_errors=1, interval="1s", base_ejection_time="3m", max_ejection_percent=100
        ),
    )
    return ScenarioPlan(
        (DestinationRule("httpbin", namespace, host="httpbin", traffic_policy=policy),),
        circuit_breaking_samples(namespace),
    )


def mirroring(p: ScenarioParameters) -> ScenarioPlan:
    namespace = "mirroring"
    rule = HTTPRoute(
        route=(to("httpbin", "v1", weight=100),),
        mirror=Destination("httpbin", "v2"),
        mirror_percentage=Percent(p.mirror_percentage),
    )
    return ScenarioPlan(
        (
            DestinationRule("httpbin", namespace, host="httpbin", subsets=tuple(map(version_subset, HTTPBIN_VERSIONS))),
            VirtualService("httpbin", namespace, hosts=("httpbin",), http=(rule,)),
        ),
        mirroring_samples(namespace),
    )


def tcp_traffic_shifting(p: ScenarioParameters) -> ScenarioPlan:
    namespace = "tcp-traffic-shifting"
    gateway = "tcp-echo-gateway"
    rule = TCPRoute(split("tcp-echo", p.tcp_echo_weights, port=TCP_ECHO_PORT), (L4Match(INGRESS_TCP_PORT),))
    return ScenarioPlan(
        (
            Gateway(
                gateway,
                namespace,
                selector=INGRESS_SELECTOR,
                servers=(Server(Port(INGRESS_TCP_PORT, "tcp", "TCP"), ("*",)),),
            ),
            DestinationRule(
                "tcp-echo-destination",
                namespace,
                host="tcp-echo",
                subsets=tuple(map(version_subset, TCP_ECHO_PREFIXES)),
            ),
            VirtualService("tcp-echo", namespace, hosts=("*",), gateways=(gateway,), tcp=(rule,)),
        ),
        tcp_echo_samples(namespace),
    )


def httpbin_ingress(p: ScenarioParameters) -> ScenarioPlan:
    """Only the listed paths reach httpbin; the gateway answers 404 for anything else on this host."""
    namespace = "httpbin-ingress"
    gateway = "httpbin-gateway"
    prefixes = ("/headers", "/status") if p.httpbin_status_path else ("/headers",)
    rule = HTTPRoute(
        route=(to("httpbin", port=HTTPBIN_PORT),),
        match=tuple(HTTPMatch(uri=StringMatch("prefix", prefix)) for prefix in prefixes),
    )
    return ScenarioPlan(
        (
            Gateway(
                gateway,
                namespace,
                selector=INGRESS_SELECTOR,
                servers=(Server(Port(INGRESS_HTTP_PORT, "http", "HTTP"), (HTTPBIN_HOST,)),),
            ),
            VirtualService("httpbin", namespace, hosts=(HTTPBIN_HOST,), gateways=(gateway,), http=(rule,)),
        ),
        httpbin_samples(namespace),
        notes=(Note(HTTPBIN_HOST, "ingress", "any other path", "404"),),
    )


def egress_gateway(p: ScenarioParameters) -> ScenarioPlan:
    """Calls from the mesh to the external host leave through the egress gateway, not from each sidecar."""
    namespace = "egress-gateway"
    gateway = "istio-egressgateway"
    egress_service = f"{EGRESS_GATEWAY}.{ISTIO_NAMESPACE}.svc.cluster.local"
    rules = (
        HTTPRoute((to(egress_service, "external", 100, port=80),), (HTTPMatch(gateways=("mesh",), port=80),)),
        HTTPRoute((to(p.egress_host, weight=100, port=80),), (HTTPMatch(gateways=(gateway,), port=80),)),
    )
    return ScenarioPlan(
        (
            ServiceEntry(
                "external-host",
                namespace,
                hosts=(p.egress_host,),
                ports=(Port(80, "http-port", "HTTP"), Port(443, "https", "HTTPS")),
            ),
            Gateway(
                gateway,
                namespace,
                selector=EGRESS_SELECTOR,
                servers=(Server(Port(EGRESS_HTTP_PORT, "http", "HTTP"), (p.egress_host,)),),
            ),
            DestinationRule(
                "egressgateway-for-external-host", namespace, host=egress_service, subsets=(Subset("external"),)
            ),
            VirtualService(
                "external-host-through-egress-gateway",
                namespace,
                hosts=(p.egress_host,),
                gateways=(gateway, "mesh"),
                http=rules,
            ),
        ),
        curl_samples(namespace),
    )


def mirroring_caveats(p: ScenarioParameters) -> tuple[str, ...]:
    return ("mirrorPercentage: 0 mirrors no request to v2",) if p.mirror_percentage == 0 else ()
