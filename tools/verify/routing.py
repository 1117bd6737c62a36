"""A scenario's VirtualServices read as Envoy applies them: the first rule whose match holds routes the request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import re2

from model.istio_routing import Gateway, HTTPMatch, HTTPRoute, Percent, StringMatch, TCPRoute, VirtualService
from model.parameters import milliseconds
from scenarios.plan import ScenarioPlan


@dataclass(frozen=True)
class Fault:
    """A rule's fault injection: `delay` seconds on a `delayed` share of requests, an abort on an `aborted` share."""

    delay: float = 0.0
    delayed: Fraction = Fraction(0)
    aborted: Fraction = Fraction(0)


def seconds(duration: str) -> float:
    """A duration as Istio spells it (`7s`, `0.5s`, `500ms`, `1m30s`), in seconds."""
    return float(milliseconds(duration)) / 1000


def virtual_service(plan: ScenarioPlan, host: str) -> VirtualService | None:
    """The plan's VirtualService for `host`, if the plan routes it."""
    for obj in plan.objects:
        if isinstance(obj, VirtualService) and host in obj.hosts:
            return obj
    return None


def _string_matches(condition: StringMatch, value: str) -> bool:
    if condition.kind == "exact":
        return value == condition.value
    if condition.kind == "prefix":
        return value.startswith(condition.value)
    return re2.fullmatch(condition.value, value) is not None  # Envoy matches RE2 against the whole value


def _holds(match: HTTPMatch, headers: Mapping[str, str], path: str) -> bool:
    """Every condition of one match block holds for a request with `headers` (lowercase names) and `path`."""
    if match.gateways or match.port is not None:
        raise ValueError("cannot evaluate a match on gateways or port")
    for name, condition in match.headers.items():
        if name not in headers or not _string_matches(condition, headers[name]):
            return False
    return match.uri is None or _string_matches(match.uri, path)


def http_rule(vs: VirtualService, headers: Mapping[str, str], path: str = "/") -> HTTPRoute | None:
    """The HTTP rule that routes the request, or None when none does (Envoy then answers 404)."""
    for rule in vs.http:
        if not rule.match or any(_holds(match, headers, path) for match in rule.match):
            return rule
    return None


def tcp_rule(vs: VirtualService, port: int) -> TCPRoute | None:
    """The TCP rule that routes a connection arriving on `port`."""
    for rule in vs.tcp:
        if not rule.match or any(match.port == port for match in rule.match):
            return rule
    return None


def split(rule: HTTPRoute | TCPRoute) -> list[tuple[str, Fraction]]:
    """The rule's destination subsets with the share of requests each receives (a lone destination takes all)."""
    return [
        (str(route.destination.subset), Fraction(route.weight if route.weight is not None else 100, 100))
        for route in rule.route
    ]


def fault(rule: HTTPRoute | None) -> Fault:
    injected = rule.fault if rule is not None else None
    delay = injected.delay if injected is not None else None
    abort = injected.abort if injected is not None else None
    return Fault(
        delay=seconds(delay.fixed_delay) if delay else 0.0,
        delayed=share(delay.percentage) if delay else Fraction(0),
        aborted=share(abort.percentage) if abort else Fraction(0),
    )


def share(percentage: Percent) -> Fraction:
    """An Istio `percentage` (0-100) as an exact share."""
    return Fraction(str(percentage.value)) / 100


def timeout(rule: HTTPRoute) -> float | None:
    return seconds(rule.timeout) if rule.timeout is not None else None


def tcp_gateway_port(plan: ScenarioPlan) -> int | None:
    """The port of the plan's TCP Gateway server, where connections from outside arrive."""
    for obj in plan.objects:
        if isinstance(obj, Gateway):
            for server in obj.servers:
                if server.port.protocol == "TCP":
                    return server.port.number
    return None
