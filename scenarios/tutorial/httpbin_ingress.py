"""httpbin behind the ingress gateway for one host: only the listed paths get through."""

from __future__ import annotations

from model import gateway_api as routes
from model.istio_routing import Gateway, HTTPMatch, HTTPRoute, Port, Server, StringMatch, VirtualService, to
from model.mesh import INGRESS_HTTP_PORT, INGRESS_SELECTOR, ISTIO_NAMESPACE
from model.parameters import ScenarioParameters
from model.sample_apps import HTTPBIN_HOST, HTTPBIN_PORT, httpbin_samples
from scenarios.gateway_api_routes import INGRESS_ADDRESS
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic
from scenarios.view import Note

NAMESPACE = "httpbin-ingress"
GATEWAY = "httpbin-gateway"
NOT_ROUTED = Note(HTTPBIN_HOST, "ingress", "any other path", "404")  # the gateway answers 404 for other paths


def prefixes(p: ScenarioParameters) -> tuple[str, ...]:
    return ("/headers", "/status") if p.httpbin_status_path else ("/headers",)


def httpbin_ingress(p: ScenarioParameters) -> ScenarioPlan:
    rule = HTTPRoute(
        route=(to("httpbin", port=HTTPBIN_PORT),),
        match=tuple(HTTPMatch(uri=StringMatch("prefix", prefix)) for prefix in prefixes(p)),
    )
    return ScenarioPlan(
        (
            Gateway(
                GATEWAY,
                NAMESPACE,
                selector=INGRESS_SELECTOR,
                servers=(Server(Port(INGRESS_HTTP_PORT, "http", "HTTP"), (HTTPBIN_HOST,)),),
            ),
            VirtualService("httpbin", NAMESPACE, hosts=(HTTPBIN_HOST,), gateways=(GATEWAY,), http=(rule,)),
        ),
        httpbin_samples(NAMESPACE),
        notes=(NOT_ROUTED,),
    )


def httpbin_ingress_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    rule = routes.HTTPRouteRule(
        (routes.BackendRef("httpbin", HTTPBIN_PORT),),
        tuple(routes.RouteMatch(path=routes.PathMatch("PathPrefix", prefix)) for prefix in prefixes(p)),
    )
    listener = routes.Listener(
        "http", routes.HTTP_PORT, "HTTP", HTTPBIN_HOST, allowed_routes=routes.routes_from(NAMESPACE)
    )
    return ScenarioPlan(
        (
            routes.Gateway(GATEWAY, ISTIO_NAMESPACE, addresses=INGRESS_ADDRESS, listeners=(listener,)),
            routes.HTTPRoute(
                "httpbin",
                NAMESPACE,
                parent_refs=(routes.bound_parent(GATEWAY),),
                hostnames=(HTTPBIN_HOST,),
                rules=(rule,),
            ),
        ),
        httpbin_samples(NAMESPACE),
        notes=(NOT_ROUTED,),
    )


SCENARIO = Scenario(
    "httpbin-ingress",
    12,
    httpbin_ingress,
    httpbin_ingress_gateway_api,
    summary=(
        "httpbin behind the ingress gateway for host httpbin.example.com: only /headers (and /status if "
        "asked) get through."
    ),
    changes=(
        "namespace `httpbin-ingress` with httpbin; Gateway and VirtualService for host `httpbin.example.com` "
        "routing only `/headers` (and `/status` if asked)"
    ),
    shows=(
        r"`curl -s -o /dev/null -w '%{http_code}\n' -H Host:httpbin.example.com http://$IP/headers` prints "
        "200; `/get` prints 404"
    ),
    shown_by=Traffic.HTTPBIN_PATHS,
    parameters=("httpbinStatusPath",),
)
