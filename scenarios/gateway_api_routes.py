"""Every scenario as Istio's documentation writes it with the Kubernetes Gateway API (v1.5.1).

In the mesh, HTTPRoutes attach to a Service (GAMMA) and send requests to one Service per version (Bookinfo's
bookinfo-versions.yaml); at the edge, Gateways of class `istio` bind to the gateway chart's deployments by their
Service's address (Istio's manual deployment), so the one ingress load balancer stays the chart's. Where the
Gateway API has no equivalent, the Istio object does that part alone, as Istio's docs do: the fault injections
(a VirtualService on ratings), circuit breaking's connection pool and outlier detection (a DestinationRule) and
the external host (a ServiceEntry).
"""

from __future__ import annotations

from model import istio_routing as istio
from model.bookinfo_app import NAMESPACE, PORT, USER_HEADER
from model.crd import CustomObject
from model.gateway_api import (
    HTTP_PORT,
    BackendRef,
    Filter,
    Gateway,
    GrantFrom,
    GrantTo,
    HeaderMatch,
    HTTPRoute,
    HTTPRouteRule,
    Listener,
    ParentRef,
    PathMatch,
    ReferenceGrant,
    RequestMirror,
    RouteMatch,
    TCPRoute,
    TCPRouteRule,
    Timeouts,
    bound_parent,
    bound_to,
    gateway_duration,
    routes_from,
    service_parent,
    split,
    versioned,
)
from model.mesh import EGRESS_GATEWAY, INGRESS_GATEWAY, INGRESS_TCP_PORT, ISTIO_NAMESPACE
from model.parameters import ScenarioParameters, milliseconds
from model.sample_apps import (
    HTTPBIN_PORT,
    TCP_ECHO_PORT,
    curl_samples,
    httpbin_samples,
    mirroring_samples,
    tcp_echo_samples,
)
from scenarios import bookinfo_routes as istio_routes
from scenarios import task_routes
from scenarios.plan import ScenarioPlan
from scenarios.view import Note

INGRESS_ADDRESS = bound_to(INGRESS_GATEWAY)


def routes(service: str, *rules: HTTPRouteRule) -> HTTPRoute:
    """An HTTPRoute for the mesh's requests to one Bookinfo service, named after it."""
    return HTTPRoute(service, NAMESPACE, parent_refs=(service_parent(service, PORT),), rules=rules)


def only(
    service: str, version: str, matches: tuple[RouteMatch, ...] = (), timeouts: Timeouts | None = None
) -> HTTPRouteRule:
    """A rule sending everything it matches to one version's Service."""
    return HTTPRouteRule((BackendRef(versioned(service, version), PORT),), matches, timeouts=timeouts)


def end_user(user: str) -> tuple[RouteMatch, ...]:
    """productpage forwards the logged-in user in a header."""
    return (RouteMatch(headers=(HeaderMatch(USER_HEADER, user),)),)


def with_routes(*replacements: CustomObject) -> tuple[CustomObject, ...]:
    return istio_routes.every_service(lambda service: routes(service, only(service, "v1")), *replacements)


def all_v1(_: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(with_routes())


def reviews_for_user(p: ScenarioParameters) -> HTTPRoute:
    return routes("reviews", only("reviews", "v2", end_user(p.user)), only("reviews", "v1"))


def user_routing(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(with_routes(reviews_for_user(p)))


def ratings_with_fault(fault: istio.Fault, user: str | None) -> istio.VirtualService:
    """The Gateway API cannot inject faults, so ratings keeps a VirtualService; it routes to the v1 Service, so
    no DestinationRule is needed."""
    return istio_routes.ratings_with_fault(fault, user, istio.to(versioned("ratings", "v1")))


def fault_delay(p: ScenarioParameters) -> ScenarioPlan:
    ratings = ratings_with_fault(istio_routes.delay(p), istio_routes.fault_for(p))
    return ScenarioPlan(with_routes(reviews_for_user(p), ratings))


def fault_abort(p: ScenarioParameters) -> ScenarioPlan:
    ratings = ratings_with_fault(istio_routes.abort(p), istio_routes.fault_for(p))
    return ScenarioPlan(with_routes(reviews_for_user(p), ratings))


def traffic_shifting(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(with_routes(routes("reviews", HTTPRouteRule(split("reviews", p.reviews_weights, PORT)))))


def request_timeout(p: ScenarioParameters) -> ScenarioPlan:
    """The timeout is the HTTPRoute's; the delay it cuts short is a fault, so a VirtualService's."""
    timeouts = Timeouts(request=gateway_duration(int(milliseconds(p.reviews_timeout))))  # whole ms: validated
    delay = istio.Fault(delay=istio.Delay(p.ratings_delay, istio.Percent(100)))
    return ScenarioPlan(
        with_routes(routes("reviews", only("reviews", "v2", timeouts=timeouts)), ratings_with_fault(delay, None)),
    )


def header_routing(p: ScenarioParameters) -> ScenarioPlan:
    match = (RouteMatch(headers=(HeaderMatch(p.header_name, p.header_regex, "RegularExpression"),)),)
    return ScenarioPlan(with_routes(routes("reviews", only("reviews", p.header_subset, match), only("reviews", "v1"))))


def circuit_breaking(p: ScenarioParameters) -> ScenarioPlan:
    """The Gateway API has no connection pool or outlier detection: the Istio variant's DestinationRule."""
    return task_routes.circuit_breaking(p)


def mirroring(p: ScenarioParameters) -> ScenarioPlan:
    namespace = "mirroring"
    mirror = Filter("RequestMirror", RequestMirror(BackendRef("httpbin-v2", HTTPBIN_PORT), p.mirror_percentage))
    rule = HTTPRouteRule((BackendRef("httpbin-v1", HTTPBIN_PORT),), filters=(mirror,))
    route = HTTPRoute("httpbin", namespace, parent_refs=(service_parent("httpbin", HTTPBIN_PORT),), rules=(rule,))
    return ScenarioPlan((route,), mirroring_samples(namespace).with_version_services("httpbin"))


def tcp_traffic_shifting(p: ScenarioParameters) -> ScenarioPlan:
    namespace = "tcp-traffic-shifting"
    gateway = "tcp-echo-gateway"
    listener = f"tcp-{INGRESS_TCP_PORT}"
    return ScenarioPlan(
        (
            Gateway(
                gateway,
                ISTIO_NAMESPACE,
                addresses=INGRESS_ADDRESS,
                listeners=(Listener(listener, INGRESS_TCP_PORT, "TCP", allowed_routes=routes_from(namespace)),),
            ),
            TCPRoute(
                "tcp-echo",
                namespace,
                parent_refs=(bound_parent(gateway, section_name=listener),),
                rules=(TCPRouteRule(split("tcp-echo", p.tcp_echo_weights, TCP_ECHO_PORT)),),
            ),
        ),
        tcp_echo_samples(namespace).with_version_services("tcp-echo"),
    )


def httpbin_ingress(p: ScenarioParameters) -> ScenarioPlan:
    """Only the listed paths reach httpbin; the gateway answers 404 for anything else on this host."""
    namespace = "httpbin-ingress"
    gateway = "httpbin-gateway"
    prefixes = ("/headers", "/status") if p.httpbin_status_path else ("/headers",)
    rule = HTTPRouteRule(
        (BackendRef("httpbin", HTTPBIN_PORT),),
        tuple(RouteMatch(path=PathMatch("PathPrefix", prefix)) for prefix in prefixes),
    )
    return ScenarioPlan(
        (
            Gateway(
                gateway,
                ISTIO_NAMESPACE,
                addresses=INGRESS_ADDRESS,
                listeners=(
                    Listener(
                        "http", HTTP_PORT, "HTTP", task_routes.HTTPBIN_HOST, allowed_routes=routes_from(namespace)
                    ),
                ),
            ),
            HTTPRoute(
                "httpbin",
                namespace,
                parent_refs=(bound_parent(gateway),),
                hostnames=(task_routes.HTTPBIN_HOST,),
                rules=(rule,),
            ),
        ),
        httpbin_samples(namespace),
        notes=(Note(task_routes.HTTPBIN_HOST, "ingress", "any other path", "404"),),
    )


def egress_gateway(p: ScenarioParameters) -> ScenarioPlan:
    """Calls from the mesh to the external host go to the egress gateway (a route attached to the host's
    ServiceEntry), which forwards them to the host (a route attached to the egress Gateway)."""
    namespace = "egress-gateway"
    gateway = "egress-gateway"
    external = "external-host"
    to_gateway = HTTPRouteRule((BackendRef(EGRESS_GATEWAY, HTTP_PORT, namespace=ISTIO_NAMESPACE),))
    to_host = HTTPRouteRule((BackendRef(p.egress_host, HTTP_PORT, group="networking.istio.io", kind="Hostname"),))
    return ScenarioPlan(
        (
            istio.ServiceEntry(
                external,
                namespace,
                hosts=(p.egress_host,),
                ports=(istio.Port(80, "http-port", "HTTP"), istio.Port(443, "https", "HTTPS")),
            ),
            Gateway(
                gateway,
                ISTIO_NAMESPACE,
                addresses=bound_to(EGRESS_GATEWAY),
                listeners=(Listener("http", HTTP_PORT, "HTTP", p.egress_host, allowed_routes=routes_from(namespace)),),
            ),
            HTTPRoute(
                "external-host-to-egress-gateway",
                namespace,
                parent_refs=(ParentRef(external, group="networking.istio.io", kind="ServiceEntry"),),
                rules=(to_gateway,),
            ),
            ReferenceGrant(
                f"{namespace}-routes",
                ISTIO_NAMESPACE,
                from_=(GrantFrom("gateway.networking.k8s.io", "HTTPRoute", namespace),),
                to=(GrantTo("", "Service"),),
            ),
            HTTPRoute(
                "external-host-from-egress-gateway",
                namespace,
                parent_refs=(bound_parent(gateway, section_name="http"),),
                hostnames=(p.egress_host,),
                rules=(to_host,),
            ),
        ),
        curl_samples(namespace),
    )
