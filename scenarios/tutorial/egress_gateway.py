"""Calls from the mesh to an external host leave through the egress gateway, not from each sidecar."""

from __future__ import annotations

from model import gateway_api as routes
from model.istio_routing import (
    DestinationRule,
    Gateway,
    HTTPMatch,
    HTTPRoute,
    Port,
    Server,
    ServiceEntry,
    Subset,
    VirtualService,
    to,
)
from model.mesh import EGRESS_GATEWAY, EGRESS_HTTP_PORT, EGRESS_SELECTOR, ISTIO_NAMESPACE
from model.parameters import ScenarioParameters
from model.sample_apps import curl_samples
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic

NAMESPACE = "egress-gateway"
EXTERNAL = "external-host"


def external_host(p: ScenarioParameters) -> ServiceEntry:
    return ServiceEntry(
        EXTERNAL, NAMESPACE, hosts=(p.egress_host,), ports=(Port(80, "http-port", "HTTP"), Port(443, "https", "HTTPS"))
    )


def egress_gateway(p: ScenarioParameters) -> ScenarioPlan:
    gateway = "istio-egressgateway"
    egress_service = f"{EGRESS_GATEWAY}.{ISTIO_NAMESPACE}.svc.cluster.local"
    rules = (
        HTTPRoute((to(egress_service, "external", 100, port=80),), (HTTPMatch(gateways=("mesh",), port=80),)),
        HTTPRoute((to(p.egress_host, weight=100, port=80),), (HTTPMatch(gateways=(gateway,), port=80),)),
    )
    return ScenarioPlan(
        (
            external_host(p),
            Gateway(
                gateway,
                NAMESPACE,
                selector=EGRESS_SELECTOR,
                servers=(Server(Port(EGRESS_HTTP_PORT, "http", "HTTP"), (p.egress_host,)),),
            ),
            DestinationRule(
                "egressgateway-for-external-host", NAMESPACE, host=egress_service, subsets=(Subset("external"),)
            ),
            VirtualService(
                "external-host-through-egress-gateway",
                NAMESPACE,
                hosts=(p.egress_host,),
                gateways=(gateway, "mesh"),
                http=rules,
            ),
        ),
        curl_samples(NAMESPACE),
    )


def egress_gateway_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    """Calls from the mesh to the external host go to the egress gateway (a route attached to the host's
    ServiceEntry), which forwards them to the host (a route attached to the egress Gateway)."""
    gateway = "egress-gateway"
    to_gateway = routes.HTTPRouteRule((routes.BackendRef(EGRESS_GATEWAY, routes.HTTP_PORT, namespace=ISTIO_NAMESPACE),))
    to_host = routes.HTTPRouteRule(
        (routes.BackendRef(p.egress_host, routes.HTTP_PORT, group="networking.istio.io", kind="Hostname"),)
    )
    listener = routes.Listener(
        "http", routes.HTTP_PORT, "HTTP", p.egress_host, allowed_routes=routes.routes_from(NAMESPACE)
    )
    return ScenarioPlan(
        (
            external_host(p),
            routes.Gateway(gateway, ISTIO_NAMESPACE, addresses=routes.bound_to(EGRESS_GATEWAY), listeners=(listener,)),
            routes.HTTPRoute(
                "external-host-to-egress-gateway",
                NAMESPACE,
                parent_refs=(routes.ParentRef(EXTERNAL, group="networking.istio.io", kind="ServiceEntry"),),
                rules=(to_gateway,),
            ),
            routes.ReferenceGrant(
                f"{NAMESPACE}-routes",
                ISTIO_NAMESPACE,
                from_=(routes.GrantFrom("gateway.networking.k8s.io", "HTTPRoute", NAMESPACE),),
                to=(routes.GrantTo("", "Service"),),
            ),
            routes.HTTPRoute(
                "external-host-from-egress-gateway",
                NAMESPACE,
                parent_refs=(routes.bound_parent(gateway, section_name="http"),),
                hostnames=(p.egress_host,),
                rules=(to_host,),
            ),
        ),
        curl_samples(NAMESPACE),
    )


SCENARIO = Scenario(
    "egress-gateway",
    13,
    egress_gateway,
    egress_gateway_gateway_api,
    summary="Calls from the mesh to an external host leave through the egress gateway.",
    changes=(
        "namespace `egress-gateway` with curl; ServiceEntry for `edition.cnn.com`, an egress Gateway, "
        "DestinationRule and VirtualService sending port 80 from the mesh through `istio-egressgateway`"
    ),
    shows=(
        "`kubectl -n egress-gateway exec deploy/curl-v1 -- curl -sSL -o /dev/null -D - "
        "http://edition.cnn.com/politics` succeeds, and `kubectl -n istio-system logs "
        "deploy/istio-egressgateway` shows the request"
    ),
    shown_by=Traffic.IN_CLUSTER,
    parameters=("egressHost",),
    needs_egress_gateway=True,
    needs_waypoint=True,
)
