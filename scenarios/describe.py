"""Routing in words, for a learner: read off the scenario's routing view (scenarios.view), so the words cannot drift
from what is deployed and read the same under either routing API."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from model.bookinfo_app import USER_HEADER
from model.crd import CustomObject
from model.parameters import milliseconds
from scenarios.view import Condition, Limits, Route, Rule, Target, view


def counted(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


def duration(ms: int) -> str:
    """Whole milliseconds in seconds, as Istio's docs write them: `0.5s`, `7s`."""
    return f"{ms / 1000:.3f}".rstrip("0").rstrip(".") + "s"


def percent(value: float | Fraction) -> str:
    return f"{float(value):g}%"


def condition(found: Condition) -> str:
    if found.kind == "header":
        logged_in = f" (logged in as {found.value})" if found.name == USER_HEADER else ""
        return f"{found.name}={found.value}{logged_in}"
    if found.kind == "header-regex":
        return f"{found.name} matching {found.value}"
    return f"path {found.value}" if found.kind == "path" else f"path prefix {found.value}"


def target(found: Target, subject: str) -> str:
    """A target: just the version when it is a version of the routed Service itself."""
    if found.gateway == "egress":
        name = "the egress gateway"
    elif found.external_port is not None:
        name = f"{found.service}:{found.external_port} outside the mesh"
    elif found.version and found.service == subject:
        name = found.version
    else:
        name = " ".join(filter(None, [found.service, found.version]))
    return name if found.share == 1 else f"{name} {percent(found.share * 100)}"


def effects(rule: Rule, subject: str) -> list[str]:
    """What a rule does besides routing: faults, a timeout, a copy."""
    found = []
    if rule.delay is not None:
        found.append(f"after a {duration(int(milliseconds(rule.delay[0])))} delay on {percent(rule.delay[1])}")
    if rule.abort is not None:
        found.append(f"aborted with HTTP {rule.abort[0]} on {percent(rule.abort[1])}")
    if rule.timeout_ms is not None:
        found.append(f"timeout {duration(rule.timeout_ms)}")
    if rule.mirror is not None:
        found.append(
            f"a copy of {rule.mirror[1]}% of them to {target(rule.mirror[0], subject)} (whose answers are dropped)"
        )
    return found


def clauses(rules: Iterable[tuple[Iterable[str], str]]) -> str:
    """Rules as `condition -> target`, tried in order: a rule without a condition after others is `otherwise`."""
    words: list[str] = []
    for conditions, routed in rules:
        when = " or ".join(conditions)
        lead = when if when else ("otherwise" if words else "")
        words.append(f"{lead} -> {routed}".strip())
    return "; ".join(words)


def subject(route: Route) -> str:
    if route.port is not None:
        where = f"TCP port {route.port}"
    else:
        where = "any host" if route.subject == "*" else route.subject
    return where if route.entry == "mesh" else f"{where} at the {route.entry} gateway"


def route_line(route: Route) -> str:
    rules = []
    for rule in route.rules:
        conditions = [" and ".join(condition(c) for c in alternative) for alternative in rule.alternatives]
        routed = ", ".join(target(t, route.subject) for t in rule.targets)
        rules.append((conditions, "".join([routed, *(f", {effect}" for effect in effects(rule, route.subject))])))
    return f"{subject(route)}: {clauses(rules)}"


def limits_line(limits: Limits) -> str:
    """What a client sees of a connection pool and outlier detection."""
    errors = "a 5xx" if limits.consecutive_5xx == 1 else f"{limits.consecutive_5xx} 5xx in a row"
    return (
        f"{limits.service}: at most {counted(limits.max_connections, 'connection')} and"
        f" {counted(limits.max_pending, 'pending request')} ({counted(limits.per_connection, 'request')} per"
        f" connection); more fail fast with 503; a pod that answers {errors} is ejected for {limits.ejection} (checked"
        f" every {limits.interval}, up to {limits.max_ejected_percent}% of the pods)"
    )


def describe(objects: tuple[CustomObject, ...]) -> tuple[str, ...]:
    """One line per route (where requests enter and what each rule does with them), then per Service's limits."""
    seen = view(objects)
    return (*map(route_line, seen.routes), *map(limits_line, seen.limits))
