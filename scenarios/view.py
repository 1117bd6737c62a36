"""The routing a scenario's objects set up, read alike from either API: which requests reach which versions, with
what faults, timeouts and copies, and the limits on a service. The routing in words and the routing diagram are
both written from this view, so the same routing reads (and draws) the same under `istio` and `gateway-api`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from model import gateway_api
from model import istio_routing as istio
from model.crd import CustomObject
from model.mesh import EGRESS_GATEWAY, EGRESS_SELECTOR, INGRESS_GATEWAY, INGRESS_SELECTOR
from model.parameters import milliseconds

Entry = Literal["mesh", "ingress", "egress"]  # where a route applies: inside the mesh, or at one of the gateways
ENTRY_GATEWAYS: dict[Entry, str] = {"ingress": INGRESS_GATEWAY, "egress": EGRESS_GATEWAY}


@dataclass(frozen=True)
class Condition:
    """One thing a request must carry: a header equal to or matching a value, or a path."""

    kind: Literal["header", "header-regex", "path", "path-prefix"]
    value: str
    name: str = ""  # the header's name (lowercase)


@dataclass(frozen=True)
class Target:
    """Where a share of the requests goes: a version of a Service, a gateway, or a host outside the mesh."""

    service: str
    version: str | None = None
    share: Fraction = Fraction(1)
    gateway: Entry | None = None  # the target is that gateway of the mesh
    external_port: int | None = None  # the target is a host outside the mesh, at this port


@dataclass(frozen=True)
class Rule:
    """The first rule whose conditions hold routes the request: any one of `alternatives`, all of its conditions."""

    alternatives: tuple[tuple[Condition, ...], ...]
    targets: tuple[Target, ...]
    delay: tuple[str, float] | None = None  # (duration, percent of requests)
    abort: tuple[int, float] | None = None  # (HTTP status, percent of requests)
    timeout_ms: int | None = None
    mirror: tuple[Target, int] | None = None  # (where a copy goes, percent of requests)


@dataclass(frozen=True)
class Route:
    """The rules for requests to `subject` (a Service, a host, or `*`) where they enter (`entry`)."""

    subject: str
    entry: Entry
    rules: tuple[Rule, ...]
    port: int | None = None  # a TCP route: the gateway port connections arrive at


@dataclass(frozen=True)
class Note:
    """Routing that no object shows, as a builder states it: what the requests to `subject` at `entry` that no rule
    routes get (`unrouted`: which requests, such as `any other path`; `outcome`: what they get, such as `404`)."""

    subject: str
    entry: Entry
    unrouted: str
    outcome: str


@dataclass(frozen=True)
class Limits:
    """A DestinationRule's connection pool and outlier detection on a Service."""

    service: str
    max_connections: int
    max_pending: int
    per_connection: int
    consecutive_5xx: int
    interval: str
    ejection: str
    max_ejected_percent: int


@dataclass(frozen=True)
class View:
    routes: tuple[Route, ...]
    limits: tuple[Limits, ...]


def short(host: str) -> str:
    return host.split(".")[0] if host.endswith(".svc.cluster.local") else host


def gateway_entries(objects: Iterable[CustomObject]) -> dict[str, Entry]:
    """The scenario's Gateways by name, with the gateway of the mesh each one runs on (by selector or address)."""
    entries: dict[str, Entry] = {}
    for obj in objects:
        if isinstance(obj, istio.Gateway):
            entries[obj.name] = "egress" if dict(obj.selector) == EGRESS_SELECTOR else "ingress"
            assert dict(obj.selector) in (EGRESS_SELECTOR, INGRESS_SELECTOR), obj.name
        if isinstance(obj, gateway_api.Gateway) and obj.addresses:
            entries[obj.name] = "egress" if obj.addresses == gateway_api.bound_to(EGRESS_GATEWAY) else "ingress"
    return entries


# --- Istio's objects ----------------------------------------------------------------------------------


def _istio_conditions(match: istio.HTTPMatch) -> tuple[Condition, ...]:
    """A match's conditions on the request (where it enters is the route's entry; its port, the listener's)."""
    found = [
        Condition("header" if m.kind == "exact" else "header-regex", m.value, name) for name, m in match.headers.items()
    ]
    if match.uri is not None:
        found.append(Condition("path" if match.uri.kind == "exact" else "path-prefix", match.uri.value))
    return tuple(found)


def versioned(service: str, share: Fraction) -> Target:
    """A Service: a version's own (`reviews-v2`, as bookinfo-versions.yaml names them) or a whole app's."""
    app, _, version = service.rpartition("-")
    if app and version.startswith("v") and version[1:].isdigit():
        return Target(app, version, share)
    return Target(service, share=share)


def _istio_target(destination: istio.RouteDestination, alone: bool) -> Target:
    target, share = destination.destination, Fraction(1) if alone else Fraction(destination.weight or 0, 100)
    if short(target.host) == EGRESS_GATEWAY:
        return Target(EGRESS_GATEWAY, share=share, gateway="egress")
    if "." in target.host and not target.host.endswith(".svc.cluster.local"):
        return Target(target.host, share=share, external_port=target.port.number if target.port else None)
    if target.subset is None:
        return versioned(short(target.host), share)
    return Target(short(target.host), target.subset, share)


def _istio_rule(rule: istio.HTTPRoute | istio.TCPRoute) -> Rule:
    targets = tuple(_istio_target(d, len(rule.route) == 1) for d in rule.route)
    if isinstance(rule, istio.TCPRoute):
        return Rule((), targets)
    fault = rule.fault
    mirror = None
    if rule.mirror is not None:
        percent = int(rule.mirror_percentage.value) if rule.mirror_percentage is not None else 100
        mirror = (Target(short(rule.mirror.host), rule.mirror.subset), percent)
    return Rule(
        tuple(_istio_conditions(match) for match in rule.match if _istio_conditions(match)),
        targets,
        delay=(fault.delay.fixed_delay, fault.delay.percentage.value) if fault and fault.delay else None,
        abort=(fault.abort.http_status, fault.abort.percentage.value) if fault and fault.abort else None,
        timeout_ms=int(milliseconds(rule.timeout)) if rule.timeout else None,
        mirror=mirror,
    )


def _rule_entry(rule: istio.HTTPRoute, gateways: dict[str, Entry], default: Entry) -> Entry:
    named = {name for match in rule.match for name in match.gateways}
    if not named:
        return default
    return "mesh" if named == {"mesh"} else gateways[next(name for name in sorted(named) if name != "mesh")]


def _virtual_service(vs: istio.VirtualService, gateways: dict[str, Entry]) -> list[Route]:
    subject = short(vs.hosts[0])
    bound = [gateways[name] for name in vs.gateways if name != "mesh"]
    default: Entry = bound[0] if bound and "mesh" not in vs.gateways else "mesh"
    by_entry: dict[Entry, list[Rule]] = {}
    for rule in vs.http:
        by_entry.setdefault(_rule_entry(rule, gateways, default), []).append(_istio_rule(rule))
    routes = [Route(subject, entry, tuple(rules)) for entry, rules in by_entry.items()]
    for tcp in vs.tcp:
        port = tcp.match[0].port if tcp.match else None
        routes.append(Route(subject, default, (_istio_rule(tcp),), port=port))
    return routes


# --- the Gateway API's objects ------------------------------------------------------------------------


def _gateway_conditions(match: gateway_api.RouteMatch) -> tuple[Condition, ...]:
    found = [
        Condition("header" if h.type == "Exact" else "header-regex", h.value, h.name.lower()) for h in match.headers
    ]
    if match.path is not None:
        found.append(Condition("path" if match.path.type == "Exact" else "path-prefix", match.path.value))
    return tuple(found)


def _backend(ref: gateway_api.BackendRef, share: Fraction) -> Target:
    if ref.kind == "Hostname":
        return Target(ref.name, share=share, external_port=ref.port)
    if ref.name == EGRESS_GATEWAY:
        return Target(EGRESS_GATEWAY, share=share, gateway="egress")
    return versioned(ref.name, share)


def _backends(refs: tuple[gateway_api.BackendRef, ...]) -> tuple[Target, ...]:
    weights = [1 if ref.weight is None else ref.weight for ref in refs]  # the API's default weight: 1
    return tuple(_backend(ref, Fraction(w, sum(weights))) for ref, w in zip(refs, weights, strict=True))


def _gateway_rule(rule: gateway_api.HTTPRouteRule) -> Rule:
    mirrors = [f.request_mirror for f in rule.filters]
    mirror = (_backend(mirrors[0].backend_ref, Fraction(1)), mirrors[0].percent or 100) if mirrors else None
    return Rule(
        tuple(c for m in rule.matches if (c := _gateway_conditions(m))),
        _backends(rule.backend_refs),
        timeout_ms=int(milliseconds(rule.timeouts.request)) if rule.timeouts else None,
        mirror=mirror,
    )


def _gateway_route(
    route: gateway_api.HTTPRoute | gateway_api.TCPRoute, objects: tuple[CustomObject, ...], gateways: dict[str, Entry]
) -> Route:
    parent = route.parent_refs[0]
    entry: Entry = "mesh"
    if parent.kind == "Service":
        subject = parent.name
    elif parent.kind == "ServiceEntry":
        subject = next(o.hosts[0] for o in objects if isinstance(o, istio.ServiceEntry) and o.name == parent.name)
    else:
        entry = gateways[parent.name]
        subject = route.hostnames[0] if isinstance(route, gateway_api.HTTPRoute) and route.hostnames else "*"
    if isinstance(route, gateway_api.TCPRoute):
        gateway = next(o for o in objects if isinstance(o, gateway_api.Gateway) and o.name == parent.name)
        port = next(listener.port for listener in gateway.listeners if listener.name == parent.section_name)
        return Route(subject, entry, tuple(Rule((), _backends(r.backend_refs)) for r in route.rules), port)
    return Route(subject, entry, tuple(_gateway_rule(rule) for rule in route.rules))


def _limits(rule: istio.DestinationRule) -> Limits | None:
    policy = rule.traffic_policy
    if policy is None or policy.connection_pool is None or policy.outlier_detection is None:
        return None
    pool, outliers = policy.connection_pool, policy.outlier_detection
    return Limits(
        short(rule.host),
        pool.tcp.max_connections,
        pool.http.http1_max_pending_requests,
        pool.http.max_requests_per_connection,
        outliers.consecutive_5xx_errors,
        outliers.interval,
        outliers.base_ejection_time,
        outliers.max_ejection_percent,
    )


def view(objects: tuple[CustomObject, ...]) -> View:
    """The routing of `objects`, whichever API wrote them."""
    gateways = gateway_entries(objects)
    routes: list[Route] = []
    limits: list[Limits] = []
    for obj in objects:
        if isinstance(obj, istio.VirtualService):
            routes += _virtual_service(obj, gateways)
        elif isinstance(obj, gateway_api.HTTPRoute | gateway_api.TCPRoute):
            routes.append(_gateway_route(obj, objects, gateways))
        elif isinstance(obj, istio.DestinationRule) and (found := _limits(obj)) is not None:
            limits.append(found)
    return View(tuple(routes), tuple(limits))
