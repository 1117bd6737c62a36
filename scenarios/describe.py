"""Routing in words, read off the typed routing objects so the words cannot drift from what is deployed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from model import gateway_api
from model.crd import CustomObject, serialise
from model.istio_routing import (
    DestinationRule,
    HTTPMatch,
    HTTPRoute,
    L4Match,
    RouteDestination,
    StringMatch,
    TCPRoute,
    VirtualService,
)


def short_host(host: str) -> str:
    return host.split(".")[0] if host.endswith(".svc.cluster.local") else host


def _headers(headers: Mapping[str, StringMatch]) -> list[str]:
    return [f"{name}={m.value}" if m.kind == "exact" else f"{name}~{m.value}" for name, m in headers.items()]


def _match(match: HTTPMatch | L4Match) -> str:
    """One match block in words: all of its conditions must hold."""
    if isinstance(match, L4Match):
        return f"port {match.port}"
    parts = _headers(match.headers)
    if match.uri is not None:
        parts.append(f"{match.uri.kind} {match.uri.value}")
    if match.gateways:
        parts.append(f"from {', '.join(match.gateways)}")
    if match.port is not None:
        parts.append(f"port {match.port}")
    return " and ".join(parts)


def _target(route: tuple[RouteDestination, ...], hosts: tuple[str, ...]) -> str:
    """Destinations: just the subset when it is a subset of the routed host itself."""
    names = []
    for destination in route:
        target = destination.destination
        subset = target.subset
        name = subset if subset and target.host in hosts else "/".join(filter(None, [short_host(target.host), subset]))
        if target.port is not None:
            name += f":{target.port.number}"
        if destination.weight is not None and len(route) > 1:
            name += f" {destination.weight}%"
        names.append(name)
    return ", ".join(names)


def effects(rule: HTTPRoute) -> list[str]:
    """What a rule does besides routing: faults, timeout, mirroring."""
    found = []
    fault = rule.fault
    if fault is not None and fault.delay is not None:
        found.append(f"after a {fault.delay.fixed_delay} delay on {fault.delay.percentage.value}%")
    if fault is not None and fault.abort is not None:
        found.append(f"aborted with HTTP {fault.abort.http_status} on {fault.abort.percentage.value}%")
    if rule.timeout is not None:
        found.append(f"timeout {rule.timeout}")
    if rule.mirror is not None:
        percent = rule.mirror_percentage.value if rule.mirror_percentage is not None else 100
        found.append(f"mirrored to {rule.mirror.subset or rule.mirror.host} ({percent}%)")
    return found


def clauses(rules: Iterable[tuple[Iterable[str], str]]) -> str:
    """Rules as `condition -> target`, tried in order: a rule without a condition after others is `otherwise`."""
    words: list[str] = []
    for conditions, target in rules:
        condition = " or ".join(conditions)
        lead = condition if condition else ("otherwise" if words else "")
        words.append(f"{lead} -> {target}".strip())
    return "; ".join(words)


def _rule(rule: HTTPRoute | TCPRoute, hosts: tuple[str, ...]) -> tuple[list[str], str]:
    target = _target(rule.route, hosts)
    extra = effects(rule) if isinstance(rule, HTTPRoute) else []
    return [_match(match) for match in rule.match], "".join([target, *(f", {effect}" for effect in extra)])


def _virtual_service(vs: VirtualService) -> str:
    hosts = ", ".join(short_host(host) for host in vs.hosts)
    via = f" (via {', '.join(vs.gateways)})" if vs.gateways else ""
    rules: tuple[HTTPRoute | TCPRoute, ...] = (*vs.http, *vs.tcp)
    return f"{hosts}{via}: {clauses(_rule(rule, vs.hosts) for rule in rules)}"


def _flatten(prefix: str, value: object) -> list[str]:
    if isinstance(value, dict):
        return [item for key, inner in value.items() for item in _flatten(f"{prefix}.{key}".lstrip("."), inner)]
    return [f"{prefix}={value}"]


def _destination_rule(rule: DestinationRule) -> str:
    return f"{short_host(rule.host)}: {', '.join(_flatten('', serialise(rule.traffic_policy)))}"


def _backends(refs: tuple[gateway_api.BackendRef, ...], service: str | None) -> str:
    """Backends: just the version when it is a version's Service of the routed Service itself."""
    names = []
    for ref in refs:
        version = service is not None and ref.name.startswith(f"{service}-")
        name = ref.name.removeprefix(f"{service}-") if version else ref.name
        if ref.namespace:
            name += f".{ref.namespace}"
        if not version and ref.port is not None:
            name += f":{ref.port}"
        if ref.weight is not None and len(refs) > 1:
            name += f" {ref.weight}%"
        names.append(name)
    return ", ".join(names)


def _route_match(match: gateway_api.RouteMatch) -> str:
    parts = [
        f"{header.name}={header.value}" if header.type == "Exact" else f"{header.name}~{header.value}"
        for header in match.headers
    ]
    if match.path is not None:
        parts.append(f"{'exact' if match.path.type == 'Exact' else 'prefix'} {match.path.value}")
    return " and ".join(parts)


def _route_effects(rule: gateway_api.HTTPRouteRule, service: str | None) -> list[str]:
    found = [f"timeout {rule.timeouts.request}"] if rule.timeouts is not None else []
    for mirror in (f.request_mirror for f in rule.filters):
        found.append(f"mirrored to {_backends((mirror.backend_ref,), service)} ({mirror.percent}%)")
    return found


def _parents(route: gateway_api.HTTPRoute | gateway_api.TCPRoute) -> tuple[str | None, str]:
    """The Service a mesh route is for (None for a Gateway's route), and the route's subject in words."""
    parent = route.parent_refs[0]
    if parent.kind == "Service":
        return parent.name, parent.name
    hosts = ", ".join(route.hostnames) if isinstance(route, gateway_api.HTTPRoute) and route.hostnames else "*"
    return None, f"{hosts} (via {parent.kind or 'Gateway'} {parent.name})"


def _gateway_route(route: gateway_api.HTTPRoute | gateway_api.TCPRoute) -> str:
    service, subject = _parents(route)
    rules = []
    for rule in route.rules:
        target = _backends(rule.backend_refs, service)
        if isinstance(rule, gateway_api.HTTPRouteRule):
            extra = "".join(f", {effect}" for effect in _route_effects(rule, service))
            rules.append(([_route_match(match) for match in rule.matches], target + extra))
        else:
            rules.append(([], target))
    return f"{subject}: {clauses(rules)}"


def describe(objects: tuple[CustomObject, ...]) -> tuple[str, ...]:
    """One line per VirtualService and Gateway API route, and per DestinationRule that sets a traffic policy."""
    lines = []
    for obj in objects:
        if isinstance(obj, VirtualService):
            lines.append(_virtual_service(obj))
        elif isinstance(obj, gateway_api.HTTPRoute | gateway_api.TCPRoute):
            lines.append(_gateway_route(obj))
        elif isinstance(obj, DestinationRule) and obj.traffic_policy is not None:
            lines.append(_destination_rule(obj))
    return tuple(lines)
