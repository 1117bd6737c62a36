"""The Gateway API's (v1.5.1) building blocks of the scenarios, as Istio's documentation writes them.

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
    BackendRef,
    HeaderMatch,
    HTTPRoute,
    HTTPRouteRule,
    RouteMatch,
    Timeouts,
    bound_to,
    service_parent,
    versioned,
)
from model.mesh import INGRESS_GATEWAY
from model.parameters import ScenarioParameters
from scenarios import bookinfo_routes as istio_routes

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


def reviews_for_user(p: ScenarioParameters) -> HTTPRoute:
    return routes("reviews", only("reviews", "v2", end_user(p.user)), only("reviews", "v1"))


def ratings_with_fault(fault: istio.Fault, user: str | None) -> istio.VirtualService:
    """The Gateway API cannot inject faults, so ratings keeps a VirtualService; it routes to the v1 Service, so
    no DestinationRule is needed."""
    return istio_routes.ratings_with_fault(fault, user, istio.to(versioned("ratings", "v1")))


def user_routing_with_fault(p: ScenarioParameters, fault: istio.Fault) -> tuple[CustomObject, ...]:
    """The fault scenarios' objects: user-routing's HTTPRoutes, plus `fault` on ratings for whom faultTarget says."""
    return with_routes(reviews_for_user(p), ratings_with_fault(fault, istio_routes.fault_for(p)))
