"""Istio's routing objects as typed data: VirtualService, DestinationRule, Gateway and ServiceEntry.

Only the fields the project sets are modelled; each class serialises (model.crd) to the names Istio's CRDs use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from model.crd import CustomObject

NETWORKING_API = "networking.istio.io/v1"


@dataclass(frozen=True)
class StringMatch:
    """One string condition; Istio spells it as a one-key object, `{exact: v}`, `{prefix: v}` or `{regex: v}`."""

    kind: Literal["exact", "prefix", "regex"]
    value: str

    def to_crd(self) -> dict[str, str]:
        return {self.kind: self.value}


@dataclass(frozen=True)
class Percent:
    value: float


@dataclass(frozen=True)
class PortSelector:
    number: int


@dataclass(frozen=True)
class Destination:
    host: str
    subset: str | None = None
    port: PortSelector | None = None


@dataclass(frozen=True)
class RouteDestination:
    destination: Destination
    weight: int | None = None


@dataclass(frozen=True)
class HTTPMatch:
    """Conditions that must all hold; the headers' names are lowercase."""

    headers: Mapping[str, StringMatch] = field(default_factory=dict)
    uri: StringMatch | None = None
    gateways: tuple[str, ...] = ()
    port: int | None = None


@dataclass(frozen=True)
class Delay:
    fixed_delay: str
    percentage: Percent


@dataclass(frozen=True)
class Abort:
    http_status: int
    percentage: Percent


@dataclass(frozen=True)
class Fault:
    delay: Delay | None = None
    abort: Abort | None = None


@dataclass(frozen=True)
class MirrorPolicy:
    destination: Destination
    percentage: Percent | None = None


@dataclass(frozen=True)
class HTTPRoute:
    """One rule of a VirtualService's `http` list: the first whose `match` holds (or that has none) routes."""

    route: tuple[RouteDestination, ...]
    match: tuple[HTTPMatch, ...] = ()
    fault: Fault | None = None
    timeout: str | None = None
    mirror: Destination | None = None
    mirror_percentage: Percent | None = None
    mirrors: tuple[MirrorPolicy, ...] = ()
    name: str | None = None


@dataclass(frozen=True)
class L4Match:
    port: int


@dataclass(frozen=True)
class TCPRoute:
    route: tuple[RouteDestination, ...]
    match: tuple[L4Match, ...] = ()


@dataclass(frozen=True, kw_only=True)
class VirtualService(CustomObject):
    API_VERSION: ClassVar[str] = NETWORKING_API
    KIND: ClassVar[str] = "VirtualService"

    hosts: tuple[str, ...]
    gateways: tuple[str, ...] = ()
    http: tuple[HTTPRoute, ...] = ()
    tcp: tuple[TCPRoute, ...] = ()


@dataclass(frozen=True)
class Subset:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TCPSettings:
    max_connections: int


@dataclass(frozen=True)
class HTTPSettings:
    http1_max_pending_requests: int
    max_requests_per_connection: int


@dataclass(frozen=True)
class ConnectionPool:
    tcp: TCPSettings
    http: HTTPSettings


@dataclass(frozen=True)
class OutlierDetection:
    consecutive_5xx_errors: int
    interval: str
    base_ejection_time: str
    max_ejection_percent: int


@dataclass(frozen=True)
class LocalityLbSetting:
    """Which endpoints a client prefers: with `failover_priority`, those whose labels match its own, label by label
    (Istio's failoverPriority); the next group only once a group's endpoints are ejected or gone."""

    enabled: bool
    failover_priority: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadBalancerSettings:
    locality_lb_setting: LocalityLbSetting


@dataclass(frozen=True)
class TrafficPolicy:
    connection_pool: ConnectionPool | None = None
    outlier_detection: OutlierDetection | None = None
    load_balancer: LoadBalancerSettings | None = None


@dataclass(frozen=True, kw_only=True)
class DestinationRule(CustomObject):
    API_VERSION: ClassVar[str] = NETWORKING_API
    KIND: ClassVar[str] = "DestinationRule"

    host: str
    traffic_policy: TrafficPolicy | None = None
    subsets: tuple[Subset, ...] = ()


@dataclass(frozen=True)
class Port:
    number: int
    name: str
    protocol: str


@dataclass(frozen=True)
class Server:
    port: Port
    hosts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Gateway(CustomObject):
    API_VERSION: ClassVar[str] = NETWORKING_API
    KIND: ClassVar[str] = "Gateway"

    selector: Mapping[str, str]
    servers: tuple[Server, ...]


@dataclass(frozen=True, kw_only=True)
class ServiceEntry(CustomObject):
    """An external host made known to the mesh, resolved through DNS."""

    API_VERSION: ClassVar[str] = NETWORKING_API
    KIND: ClassVar[str] = "ServiceEntry"

    hosts: tuple[str, ...]
    ports: tuple[Port, ...]
    resolution: str = "DNS"
    location: str = "MESH_EXTERNAL"


def version_subset(version: str) -> Subset:
    """A subset named after a `version` label value."""
    return Subset(version, {"version": version})


def to(host: str, subset: str | None = None, weight: int | None = None, port: int | None = None) -> RouteDestination:
    """One route destination, with an optional weight and port."""
    return RouteDestination(Destination(host, subset, PortSelector(port) if port is not None else None), weight)


def split(host: str, weights: tuple[tuple[str, int], ...], port: int | None = None) -> tuple[RouteDestination, ...]:
    """Routes over subsets by weight; a single subset takes everything and needs no weight."""
    if len(weights) == 1:
        return (to(host, weights[0][0], port=port),)
    return tuple(to(host, subset, weight, port) for subset, weight in weights)
