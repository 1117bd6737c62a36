"""A scenario's routes read as the proxies apply them, whichever API wrote them: the first rule whose match holds
routes the request. Istio's VirtualServices and the Gateway API's routes read alike, so the same traffic is
expected of both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import re2

from model import gateway_api
from model import istio_routing as istio
from model.parameters import milliseconds
from scenarios.plan import ScenarioPlan


@dataclass(frozen=True)
class Fault:
    """A rule's fault injection: `delay` seconds on a `delayed` share of requests, an abort on an `aborted` share."""

    delay: float = 0.0
    delayed: Fraction = Fraction(0)
    aborted: Fraction = Fraction(0)


@dataclass(frozen=True)
class Rule:
    """What the rule that routes a request does: versions with their shares, a fault, a timeout (seconds), and the
    version a copy of a share of the requests goes to."""

    split: tuple[tuple[str, Fraction], ...]
    fault: Fault = Fault()
    timeout: float | None = None
    mirror: tuple[str, Fraction] | None = None


def seconds(duration: str) -> float:
    """A duration as Istio or the Gateway API spell it (`7s`, `0.5s`, `500ms`, `1m30s`), in seconds."""
    return float(milliseconds(duration)) / 1000


def _string_matches(kind: str, expected: str, value: str) -> bool:
    if kind in ("exact", "Exact"):
        return value == expected
    if kind in ("prefix", "PathPrefix"):
        return value.startswith(expected)
    return re2.fullmatch(expected, value) is not None  # Envoy matches RE2 against the whole value


def _version(name: str, service: str) -> str:
    """A destination's version: a subset's name, or the version of a per-version Service (`reviews-v2`)."""
    return name.removeprefix(f"{service}-")


def _share(weight: int | None, alone: bool) -> Fraction:
    return Fraction(1) if alone else Fraction(weight or 0, 100)


# --- Istio's VirtualService ------------------------------------------------------------------------------


def _istio_holds(match: istio.HTTPMatch, headers: Mapping[str, str], path: str) -> bool:
    if match.gateways or match.port is not None:
        raise ValueError("cannot evaluate a match on gateways or port")
    for name, condition in match.headers.items():
        if name not in headers or not _string_matches(condition.kind, condition.value, headers[name]):
            return False
    return match.uri is None or _string_matches(match.uri.kind, match.uri.value, path)


def _istio_fault(rule: istio.HTTPRoute) -> Fault:
    delay = rule.fault.delay if rule.fault else None
    abort = rule.fault.abort if rule.fault else None
    return Fault(
        delay=seconds(delay.fixed_delay) if delay else 0.0,
        delayed=Fraction(str(delay.percentage.value)) / 100 if delay else Fraction(0),
        aborted=Fraction(str(abort.percentage.value)) / 100 if abort else Fraction(0),
    )


def _istio_rule(rule: istio.HTTPRoute | istio.TCPRoute, service: str) -> Rule:
    alone = len(rule.route) == 1
    split = tuple(
        (_version(d.destination.subset or d.destination.host, service), _share(d.weight, alone)) for d in rule.route
    )
    if isinstance(rule, istio.TCPRoute):
        return Rule(split)
    mirror = None
    if rule.mirror is not None:
        percent = Fraction(str(rule.mirror_percentage.value)) if rule.mirror_percentage is not None else Fraction(100)
        mirror = (_version(rule.mirror.subset or rule.mirror.host, service), percent / 100)
    return Rule(split, _istio_fault(rule), seconds(rule.timeout) if rule.timeout else None, mirror)


# --- the Gateway API's routes ----------------------------------------------------------------------------


def _gateway_holds(match: gateway_api.RouteMatch, headers: Mapping[str, str], path: str) -> bool:
    for header in match.headers:
        name = header.name.lower()
        if name not in headers or not _string_matches(header.type, header.value, headers[name]):
            return False
    return match.path is None or _string_matches(match.path.type, match.path.value, path)


def _gateway_rule(rule: gateway_api.HTTPRouteRule | gateway_api.TCPRouteRule, service: str) -> Rule:
    weights = [1 if ref.weight is None else ref.weight for ref in rule.backend_refs]  # the API's default weight: 1
    split = tuple(
        (_version(ref.name, service), Fraction(weight, sum(weights)))
        for ref, weight in zip(rule.backend_refs, weights, strict=True)
    )
    if isinstance(rule, gateway_api.TCPRouteRule):
        return Rule(split)
    timeouts = rule.timeouts
    mirrors = [f.request_mirror for f in rule.filters]
    mirror = (
        (
            _version(mirrors[0].backend_ref.name, service),
            Fraction(100 if mirrors[0].percent is None else mirrors[0].percent, 100),
        )
        if mirrors
        else None
    )
    return Rule(split, timeout=seconds(timeouts.request) if timeouts else None, mirror=mirror)


# --- reading a plan --------------------------------------------------------------------------------------


def _http_route(plan: ScenarioPlan, host: str) -> istio.VirtualService | gateway_api.HTTPRoute | None:
    """The plan's route for requests to `host`: a VirtualService naming it, or an HTTPRoute attached to the
    Service `host` or listening for the hostname `host` (`*`: a route at a Gateway for any hostname)."""
    for obj in plan.objects:
        if isinstance(obj, istio.VirtualService) and host in obj.hosts:
            return obj
        if isinstance(obj, gateway_api.HTTPRoute) and (
            host in obj.hostnames
            or any(p.kind == "Service" and p.name == host for p in obj.parent_refs)
            or (host == "*" and not obj.hostnames and any(p.kind is None for p in obj.parent_refs))
        ):
            return obj
    return None


def routes(plan: ScenarioPlan, host: str) -> bool:
    """Whether the plan routes requests to `host` at all (without a route, a Service spreads them evenly)."""
    return _http_route(plan, host) is not None


def http_rule(plan: ScenarioPlan, host: str, headers: Mapping[str, str], path: str = "/") -> Rule | None:
    """The rule that routes a request to `host` with `headers` (lowercase names) and `path`; None when no rule
    does (the proxy then answers 404). The plan must route `host`."""
    route = _http_route(plan, host)
    service = host.split(".")[0]
    if isinstance(route, istio.VirtualService):
        for rule in route.http:
            if not rule.match or any(_istio_holds(match, headers, path) for match in rule.match):
                return _istio_rule(rule, service)
        return None
    if route is None:
        raise ValueError(f"the plan does not route {host}")
    for gateway_rule in route.rules:
        if not gateway_rule.matches or any(_gateway_holds(m, headers, path) for m in gateway_rule.matches):
            return _gateway_rule(gateway_rule, service)
    return None


def tcp_rule(plan: ScenarioPlan, service: str, port: int) -> Rule | None:
    """The rule that routes a connection arriving at the ingress gateway's `port` to `service`'s versions."""
    for obj in plan.objects:
        if isinstance(obj, istio.VirtualService):
            for rule in obj.tcp:
                if not rule.match or any(match.port == port for match in rule.match):
                    return _istio_rule(rule, service)
        if isinstance(obj, gateway_api.TCPRoute) and tcp_gateway_port(plan) == port:
            return _gateway_rule(obj.rules[0], service)
    return None


def tcp_gateway_port(plan: ScenarioPlan) -> int | None:
    """The port of the plan's TCP gateway server or listener, where connections from outside arrive."""
    for obj in plan.objects:
        if isinstance(obj, istio.Gateway):
            for server in obj.servers:
                if server.port.protocol == "TCP":
                    return server.port.number
        if isinstance(obj, gateway_api.Gateway):
            for listener in obj.listeners:
                if listener.protocol == "TCP":
                    return listener.port
    return None
