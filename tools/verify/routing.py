"""A scenario's VirtualServices read as Envoy applies them: the first rule whose match holds routes the request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import re2

from model.parameters import milliseconds
from scenarios.plan import ScenarioPlan

Rule = dict[str, Any]


@dataclass(frozen=True)
class Fault:
    """A rule's fault injection: `delay` seconds on a `delayed` share of requests, an abort on an `aborted` share."""

    delay: float = 0.0
    delayed: Fraction = Fraction(0)
    aborted: Fraction = Fraction(0)


def seconds(duration: str) -> float:
    """A duration as Istio spells it (`7s`, `0.5s`, `500ms`, `1m30s`), in seconds."""
    return float(milliseconds(duration)) / 1000


def virtual_service(plan: ScenarioPlan, host: str) -> dict[str, Any] | None:
    """The spec of the plan's VirtualService for `host`, if the plan routes it."""
    for obj in plan.objects:
        if obj["kind"] == "VirtualService" and host in obj["spec"]["hosts"]:
            spec: dict[str, Any] = obj["spec"]
            return spec
    return None


def _string_matches(condition: Mapping[str, str], value: str) -> bool:
    ((kind, expected),) = condition.items()
    if kind == "exact":
        return value == expected
    if kind == "prefix":
        return value.startswith(expected)
    if kind == "regex":  # Envoy matches RE2 expressions against the whole value
        return re2.fullmatch(expected, value) is not None
    raise ValueError(f"cannot evaluate a {kind!r} string match")


def _holds(match: Rule, headers: Mapping[str, str], path: str) -> bool:
    """Every condition of one match block holds for a request with `headers` (lowercase names) and `path`."""
    unsupported = set(match) - {"headers", "uri"}
    if unsupported:
        raise ValueError(f"cannot evaluate a match on {', '.join(sorted(unsupported))}")
    for name, condition in match.get("headers", {}).items():
        if name not in headers or not _string_matches(condition, headers[name]):
            return False
    return "uri" not in match or _string_matches(match["uri"], path)


def http_rule(spec: dict[str, Any], headers: Mapping[str, str], path: str = "/") -> Rule | None:
    """The HTTP rule that routes the request, or None when none does (Envoy then answers 404)."""
    for rule in spec.get("http", []):
        matches = rule.get("match")
        if not matches or any(_holds(match, headers, path) for match in matches):
            return dict(rule)
    return None


def tcp_rule(spec: dict[str, Any], port: int) -> Rule | None:
    """The TCP rule that routes a connection arriving on `port`."""
    for rule in spec.get("tcp", []):
        matches = rule.get("match")
        if not matches or any(match.get("port") == port for match in matches):
            return dict(rule)
    return None


def split(rule: Rule) -> list[tuple[str, Fraction]]:
    """The rule's destination subsets with the share of requests each receives (a lone destination takes all)."""
    return [(route["destination"]["subset"], Fraction(route.get("weight", 100), 100)) for route in rule["route"]]


def fault(rule: Rule | None) -> Fault:
    injected = (rule or {}).get("fault", {})
    delay = injected.get("delay")
    abort = injected.get("abort")
    return Fault(
        delay=seconds(delay["fixedDelay"]) if delay else 0.0,
        delayed=share(delay["percentage"]) if delay else Fraction(0),
        aborted=share(abort["percentage"]) if abort else Fraction(0),
    )


def share(percentage: dict[str, Any]) -> Fraction:
    """An Istio `percentage` ({value: 0-100}) as an exact share."""
    return Fraction(str(percentage["value"])) / 100


def timeout(rule: Rule) -> float | None:
    return seconds(rule["timeout"]) if "timeout" in rule else None


def tcp_gateway_port(plan: ScenarioPlan) -> int | None:
    """The port of the plan's TCP Gateway server, where connections from outside arrive."""
    for obj in plan.objects:
        if obj["kind"] == "Gateway":
            for server in obj["spec"]["servers"]:
                if server["port"]["protocol"] == "TCP":
                    return int(server["port"]["number"])
    return None
