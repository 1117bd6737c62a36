"""TCP traffic on the ingress gateway's TCP port split between tcp-echo v1 and v2."""

from __future__ import annotations

from model import gateway_api as routes
from model.istio_routing import (
    DestinationRule,
    Gateway,
    L4Match,
    Port,
    Server,
    TCPRoute,
    VirtualService,
    split,
    version_subset,
)
from model.mesh import INGRESS_SELECTOR, INGRESS_TCP_PORT, ISTIO_NAMESPACE
from model.parameters import ScenarioParameters
from model.sample_apps import TCP_ECHO_PORT, TCP_ECHO_PREFIXES, tcp_echo_samples
from scenarios.gateway_api_routes import INGRESS_ADDRESS
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic

NAMESPACE = "tcp-traffic-shifting"
GATEWAY = "tcp-echo-gateway"


def tcp_traffic_shifting(p: ScenarioParameters) -> ScenarioPlan:
    rule = TCPRoute(split("tcp-echo", p.tcp_echo_weights, port=TCP_ECHO_PORT), (L4Match(INGRESS_TCP_PORT),))
    return ScenarioPlan(
        (
            Gateway(
                GATEWAY,
                NAMESPACE,
                selector=INGRESS_SELECTOR,
                servers=(Server(Port(INGRESS_TCP_PORT, "tcp", "TCP"), ("*",)),),
            ),
            DestinationRule(
                "tcp-echo-destination",
                NAMESPACE,
                host="tcp-echo",
                subsets=tuple(map(version_subset, TCP_ECHO_PREFIXES)),
            ),
            VirtualService("tcp-echo", NAMESPACE, hosts=("*",), gateways=(GATEWAY,), tcp=(rule,)),
        ),
        tcp_echo_samples(NAMESPACE),
    )


def tcp_traffic_shifting_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    listener = f"tcp-{INGRESS_TCP_PORT}"
    return ScenarioPlan(
        (
            routes.Gateway(
                GATEWAY,
                ISTIO_NAMESPACE,
                addresses=INGRESS_ADDRESS,
                listeners=(
                    routes.Listener(listener, INGRESS_TCP_PORT, "TCP", allowed_routes=routes.routes_from(NAMESPACE)),
                ),
            ),
            routes.TCPRoute(
                "tcp-echo",
                NAMESPACE,
                parent_refs=(routes.bound_parent(GATEWAY, section_name=listener),),
                rules=(routes.TCPRouteRule(routes.split("tcp-echo", p.tcp_echo_weights, TCP_ECHO_PORT)),),
            ),
        ),
        tcp_echo_samples(NAMESPACE).with_version_services("tcp-echo"),
    )


SCENARIO = Scenario(
    "tcp-traffic-shifting",
    11,
    tcp_traffic_shifting,
    tcp_traffic_shifting_gateway_api,
    summary="TCP traffic on the ingress gateway's port 31400 split between tcp-echo v1 and v2.",
    changes=(
        'namespace `tcp-traffic-shifting` with tcp-echo v1 ("one") and v2 ("two"); a TCP Gateway on the '
        "ingress gateway's 31400; v1 80 / v2 20"
    ),
    shows=(
        '`for i in $(seq 1 20); do sh -c "(date; sleep 1) \\| nc $IP 31400"; done`: about 4 lines in 20 start '
        'with "two"'
    ),
    shown_by=Traffic.TCP_ECHO,
    parameters=("tcpEchoWeights",),
    needs_experimental_gateway_api=True,
)
