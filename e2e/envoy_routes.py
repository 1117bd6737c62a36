"""Envoy's HTTP route selection, over the route configuration istiod sends a proxy (RDS, as JSON): the virtual host
whose domain is the request's authority, its first route whose match holds, and what that route does, read into
the live verifier's own terms (tools/verify/routing.Rule), so the two can be compared.

The semantics follow Envoy's route_components.proto: a route's path specifier (`prefix`, `path`, `safe_regex`,
`path_separated_prefix`) and every one of its `headers` matchers must hold (a `string_match` of `exact`, `prefix`,
`suffix`, `contains` or `safe_regex`, a `present_match`, each optionally inverted); `safe_regex` is RE2 against the
whole value. A `weighted_clusters` action splits by weight over their sum; fault injection is the HTTP fault
filter's per-route configuration; a zero `timeout` means none; `request_mirror_policies` copy requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import re2

from tools.verify.routing import Fault, Rule, seconds

FAULT_FILTER = "envoy.filters.http.fault"
DENOMINATORS = {"HUNDRED": 100, "TEN_THOUSAND": 10_000, "MILLION": 1_000_000}


class RouteError(ValueError):
    """The route configuration does not say what a request gets."""


def virtual_host(config: Mapping[str, Any], authority: str) -> Mapping[str, Any] | None:
    """The virtual host serving `authority`: an exact domain first, then `*`."""
    hosts = config.get("virtual_hosts", [])
    exact = next((h for h in hosts if authority in h.get("domains", [])), None)
    return exact or next((h for h in hosts if "*" in h.get("domains", [])), None)


def string_holds(matcher: Mapping[str, Any], value: str) -> bool:
    if "exact" in matcher:
        return bool(value == matcher["exact"])
    if "prefix" in matcher:
        return value.startswith(matcher["prefix"])
    if "suffix" in matcher:
        return value.endswith(matcher["suffix"])
    if "contains" in matcher:
        return bool(matcher["contains"] in value)
    if "safe_regex" in matcher:
        return re2.fullmatch(matcher["safe_regex"]["regex"], value) is not None
    raise RouteError(f"cannot evaluate the string matcher {dict(matcher)}")


def header_holds(matcher: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
    value = headers.get(matcher["name"].lower())
    if "present_match" in matcher:
        holds = (value is not None) == bool(matcher["present_match"])
    elif "string_match" in matcher:
        holds = value is not None and string_holds(matcher["string_match"], value)
    else:
        raise RouteError(f"cannot evaluate the header matcher {dict(matcher)}")
    return holds != bool(matcher.get("invert_match", False))


def path_holds(match: Mapping[str, Any], path: str) -> bool:
    if "prefix" in match:
        return path.startswith(match["prefix"])
    if "path" in match:
        return bool(path == match["path"])
    if "safe_regex" in match:
        return re2.fullmatch(match["safe_regex"]["regex"], path) is not None
    if "path_separated_prefix" in match:
        prefix = match["path_separated_prefix"]
        return path == prefix or path.startswith(f"{prefix}/")
    raise RouteError(f"cannot evaluate the path match {dict(match)}")


def selected(config: Mapping[str, Any], authority: str, path: str, headers: Mapping[str, str]) -> Mapping[str, Any]:
    """The route Envoy picks for the request; RouteError when none does (Envoy answers 404)."""
    host = virtual_host(config, authority)
    if host is None:
        raise RouteError(f"no virtual host for {authority} in route configuration {config.get('name')}")
    for route in host.get("routes", []):
        match = route.get("match", {})
        if path_holds(match, path) and all(header_holds(m, headers) for m in match.get("headers", [])):
            return dict(route)
    raise RouteError(f"no route of {host.get('name')} matches {path} with {dict(headers)}")


def percent(fraction: Mapping[str, Any] | None) -> Fraction:
    """A FractionalPercent as a share (Envoy's default denominator: HUNDRED; no percentage: all requests)."""
    if fraction is None:
        return Fraction(1)
    return Fraction(int(fraction.get("numerator", 0)), DENOMINATORS[fraction.get("denominator", "HUNDRED")])


def fault_of(route: Mapping[str, Any]) -> Fault:
    fault = route.get("typed_per_filter_config", {}).get(FAULT_FILTER)
    if not fault:
        return Fault()
    delay, abort = fault.get("delay"), fault.get("abort")
    return Fault(
        delay=seconds(delay["fixed_delay"]) if delay else 0.0,
        delayed=percent(delay.get("percentage")) if delay else Fraction(0),
        aborted=percent(abort.get("percentage")) if abort else Fraction(0),
    )


def version_of(cluster: str, service: str) -> str:
    """The version an Istio cluster serves: its subset (`outbound|9080|v2|reviews...`, a waypoint's
    `inbound-vip|9080|http/v2|reviews...`), or the version of a per-version Service (`outbound|9080||reviews-v2...`,
    `inbound-vip|9080|http|reviews-v2...`)."""
    parts = cluster.split("|")
    if len(parts) != 4:
        return cluster  # not a Service's cluster (PassthroughCluster, BlackHoleCluster): named as it is
    direction, _, subset, host = parts
    if direction == "inbound-vip":
        subset = subset.partition("/")[2]
    return subset or host.split(".")[0].removeprefix(f"{service}-")


def rule_of(route: Mapping[str, Any], service: str) -> Rule:
    """What a route does, in the verifier's terms: versions with their shares, fault, timeout (none when zero)."""
    action = route.get("route")
    if action is None:
        raise RouteError(f"route {route.get('name')} does not forward (it {sorted(route)})")
    if "weighted_clusters" in action:
        clusters = action["weighted_clusters"]["clusters"]
        total = sum(int(c.get("weight", 0)) for c in clusters)
        split = tuple((version_of(c["name"], service), Fraction(int(c.get("weight", 0)), total)) for c in clusters)
    else:
        split = ((version_of(action["cluster"], service), Fraction(1)),)
    timeout = seconds(action["timeout"]) if action.get("timeout") else None
    return Rule(split, fault_of(route), timeout or None, mirror_of(action, service))


def mirror_of(action: Mapping[str, Any], service: str) -> tuple[str, Fraction] | None:
    """The version a route copies requests to and the share it copies (the first mirror policy; Envoy's runtime
    fraction defaults to all requests)."""
    policies = action.get("request_mirror_policies", [])
    if not policies:
        return None
    fraction = policies[0].get("runtime_fraction", {}).get("default_value")
    return version_of(policies[0]["cluster"], service), percent(fraction)
