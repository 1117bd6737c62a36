"""The Kubernetes Gateway API's objects as typed data (v1.5.1, the version Istio 1.30.3 supports): Gateway,
HTTPRoute, TCPRoute and ReferenceGrant, with only the fields the project sets. Each serialises (model.crd) to
the names the CRDs use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from model.crd import CustomObject
from model.mesh import ISTIO_NAMESPACE, WAYPOINT, WAYPOINT_PORT

GATEWAY_API_GROUP = "gateway.networking.k8s.io"
GATEWAY_API = f"{GATEWAY_API_GROUP}/v1"
GATEWAY_API_ALPHA = f"{GATEWAY_API_GROUP}/v1alpha2"  # TCPRoute: experimental channel only
ISTIO_CLASS = "istio"
WAYPOINT_CLASS = "istio-waypoint"
HTTP_PORT = 80  # the gateway Services' HTTP port: a bound Gateway's listeners use its Service's ports
# The CRDs' limits: a duration is at most four parts of at most five digits each (GEP-2257), so the longest
# that gateway_duration writes is 99999h59m59s999ms; a header name is at most 256 characters.
DURATION_MAX_MS = ((99_999 * 60 + 59) * 60 + 59) * 1000 + 999
HEADER_NAME_MAX = 256


@dataclass(frozen=True)
class Address:
    value: str
    type: str = "Hostname"


@dataclass(frozen=True)
class LabelSelector:
    match_labels: Mapping[str, str]


@dataclass(frozen=True)
class RouteNamespaces:
    from_: Literal["Same", "All", "Selector"]
    selector: LabelSelector | None = None


@dataclass(frozen=True)
class AllowedRoutes:
    namespaces: RouteNamespaces


@dataclass(frozen=True)
class Listener:
    name: str
    port: int
    protocol: Literal["HTTP", "TCP", "HBONE"]
    hostname: str | None = None
    allowed_routes: AllowedRoutes | None = None


@dataclass(frozen=True, kw_only=True)
class Gateway(CustomObject):
    """A Gateway of class `istio`; with `addresses` naming an existing gateway Service, Istio binds the Gateway to
    that deployment (Istio's "manual deployment") instead of deploying one of its own; Istio looks for that Service
    in the Gateway's own namespace only, so such a Gateway lives in the Service's (istio-system) and admits routes
    from the namespace that uses it."""

    API_VERSION: ClassVar[str] = GATEWAY_API
    KIND: ClassVar[str] = "Gateway"
    PLURAL: ClassVar[str] = "gateways"

    gateway_class_name: str = ISTIO_CLASS
    addresses: tuple[Address, ...] = ()
    listeners: tuple[Listener, ...]

    @property
    def former_namespaces(self) -> tuple[str, ...]:
        """A bound Gateway lived in the namespace whose routes it admits until it moved beside its Service."""
        admitted = {
            namespaces.selector.match_labels[NAMESPACE_NAME]
            for listener in self.listeners
            if listener.allowed_routes and (namespaces := listener.allowed_routes.namespaces).selector
        }
        return tuple(sorted(admitted)) if self.addresses else ()


@dataclass(frozen=True)
class ParentRef:
    """What a route attaches to: a Gateway (the defaults), or a Service (`group=""`, `kind="Service"`: GAMMA)."""

    name: str
    group: str | None = None
    kind: str | None = None
    namespace: str | None = None
    port: int | None = None
    section_name: str | None = None


def service_parent(name: str, port: int) -> ParentRef:
    """A route attached to a Service: it routes the mesh's requests to that Service (GAMMA)."""
    return ParentRef(name, group="", kind="Service", port=port)


@dataclass(frozen=True)
class BackendRef:
    name: str
    port: int | None = None
    weight: int | None = None
    group: str | None = None
    kind: str | None = None
    namespace: str | None = None


@dataclass(frozen=True)
class PathMatch:
    type: Literal["Exact", "PathPrefix"]
    value: str


@dataclass(frozen=True)
class HeaderMatch:
    name: str
    value: str
    type: Literal["Exact", "RegularExpression"] = "Exact"


@dataclass(frozen=True)
class RouteMatch:
    path: PathMatch | None = None
    headers: tuple[HeaderMatch, ...] = ()


@dataclass(frozen=True)
class RequestMirror:
    backend_ref: BackendRef
    percent: int | None = None


@dataclass(frozen=True)
class Filter:
    type: Literal["RequestMirror"]
    request_mirror: RequestMirror


@dataclass(frozen=True)
class Timeouts:
    request: str


@dataclass(frozen=True)
class HTTPRouteRule:
    backend_refs: tuple[BackendRef, ...] = ()
    matches: tuple[RouteMatch, ...] = ()
    filters: tuple[Filter, ...] = ()
    timeouts: Timeouts | None = None


@dataclass(frozen=True, kw_only=True)
class HTTPRoute(CustomObject):
    API_VERSION: ClassVar[str] = GATEWAY_API
    KIND: ClassVar[str] = "HTTPRoute"
    PLURAL: ClassVar[str] = "httproutes"

    parent_refs: tuple[ParentRef, ...]
    hostnames: tuple[str, ...] = ()
    rules: tuple[HTTPRouteRule, ...]


@dataclass(frozen=True)
class TCPRouteRule:
    backend_refs: tuple[BackendRef, ...]


@dataclass(frozen=True, kw_only=True)
class TCPRoute(CustomObject):
    API_VERSION: ClassVar[str] = GATEWAY_API_ALPHA
    KIND: ClassVar[str] = "TCPRoute"
    PLURAL: ClassVar[str] = "tcproutes"

    parent_refs: tuple[ParentRef, ...]
    rules: tuple[TCPRouteRule, ...]


@dataclass(frozen=True)
class GrantFrom:
    group: str
    kind: str
    namespace: str


@dataclass(frozen=True)
class GrantTo:
    group: str
    kind: str


@dataclass(frozen=True, kw_only=True)
class ReferenceGrant(CustomObject):
    """Lets routes in another namespace name this namespace's Services as backends."""

    API_VERSION: ClassVar[str] = GATEWAY_API
    KIND: ClassVar[str] = "ReferenceGrant"
    PLURAL: ClassVar[str] = "referencegrants"

    from_: tuple[GrantFrom, ...]
    to: tuple[GrantTo, ...]


GatewayApiObject = Gateway | HTTPRoute | TCPRoute | ReferenceGrant


def crd_name(obj: type[GatewayApiObject]) -> str:
    """The CRD that serves a kind: `httproutes.gateway.networking.k8s.io`."""
    return f"{obj.PLURAL}.{GATEWAY_API_GROUP}"


def bound_to(service: str) -> tuple[Address, ...]:
    """The address that binds a Gateway to the gateway chart's deployment behind `service` in istio-system."""
    return (Address(f"{service}.{ISTIO_NAMESPACE}.svc.cluster.local"),)


SAME_NAMESPACE = AllowedRoutes(RouteNamespaces("Same"))
NAMESPACE_NAME = "kubernetes.io/metadata.name"  # the label the API server gives every namespace: its name


def routes_from(namespace: str) -> AllowedRoutes:
    """A listener that admits the routes of `namespace` alone."""
    return AllowedRoutes(RouteNamespaces("Selector", LabelSelector({NAMESPACE_NAME: namespace})))


def bound_parent(gateway: str, section_name: str | None = None) -> ParentRef:
    """A route attached to a Gateway bound to a chart's gateway, which lives beside that gateway's Service."""
    return ParentRef(gateway, namespace=ISTIO_NAMESPACE, section_name=section_name)


def waypoint(namespace: str) -> Gateway:
    """A namespace's waypoint: a Gateway of Istio's class `istio-waypoint`, the L7 proxy that ambient sends the
    namespace's service traffic through (istiod deploys it: one Deployment and Service named after it)."""
    listener = Listener("mesh", WAYPOINT_PORT, "HBONE")
    return Gateway(WAYPOINT, namespace, gateway_class_name=WAYPOINT_CLASS, listeners=(listener,))


def versioned(service: str, version: str) -> str:
    """The Service of one version of an app, as Bookinfo's bookinfo-versions.yaml names them: `reviews-v2`."""
    return f"{service}-{version}"


def split(service: str, weights: tuple[tuple[str, int], ...], port: int) -> tuple[BackendRef, ...]:
    """Backends over the per-version Services by weight; a single version takes everything and needs no weight."""
    if len(weights) == 1:
        return (BackendRef(versioned(service, weights[0][0]), port),)
    return tuple(BackendRef(versioned(service, version), port, weight) for version, weight in weights)


def gateway_duration(milliseconds: int) -> str:
    """Whole milliseconds as a Gateway API duration (GEP-2257: at most four `<1-5 digits><h|m|s|ms>` parts)."""
    parts = []
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        amount, milliseconds = divmod(milliseconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"
