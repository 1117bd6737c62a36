"""Routing in words, read off the Istio objects themselves so the words cannot drift from what is deployed."""

from __future__ import annotations

from typing import Any

from model.istio_objects import IstioObject


def _short_host(host: str) -> str:
    return host.split(".")[0] if host.endswith(".svc.cluster.local") else host


def _match(match: dict[str, Any]) -> str:
    """One match block in words: all of its conditions must hold."""
    parts = []
    for header, rule in match.get("headers", {}).items():
        parts += [f"{header}={value}" if kind == "exact" else f"{header}~{value}" for kind, value in rule.items()]
    parts += [f"{kind} {value}" for kind, value in match.get("uri", {}).items()]
    if "gateways" in match:
        parts.append(f"from {', '.join(match['gateways'])}")
    if "port" in match:
        parts.append(f"port {match['port']}")
    return " and ".join(parts)


def _target(route: list[dict[str, Any]], hosts: list[str]) -> str:
    """Destinations: just the subset when it is a subset of the routed host itself."""
    names = []
    for destination in route:
        target = destination["destination"]
        host = _short_host(target["host"])
        subset = target.get("subset")
        name = subset if subset and target["host"] in hosts else "/".join(filter(None, [host, subset]))
        if "port" in target:
            name += f":{target['port']['number']}"
        if "weight" in destination and len(route) > 1:
            name += f" {destination['weight']}%"
        names.append(name)
    return ", ".join(names)


def _effects(rule: dict[str, Any]) -> str:
    effects = []
    fault = rule.get("fault", {})
    if "delay" in fault:
        effects.append(f"after a {fault['delay']['fixedDelay']} delay on {fault['delay']['percentage']['value']}%")
    if "abort" in fault:
        effects.append(f"aborted with HTTP {fault['abort']['httpStatus']} on {fault['abort']['percentage']['value']}%")
    if "timeout" in rule:
        effects.append(f"timeout {rule['timeout']}")
    if "mirror" in rule:
        mirror = rule["mirror"].get("subset") or rule["mirror"]["host"]
        effects.append(f"mirrored to {mirror} ({rule.get('mirrorPercentage', {}).get('value', 100)}%)")
    return "".join(f", {effect}" for effect in effects)


def _virtual_service(spec: dict[str, Any]) -> str:
    clauses: list[str] = []
    for rule in spec.get("http", []) + spec.get("tcp", []):
        condition = " or ".join(_match(match) for match in rule.get("match", []))
        lead = condition if condition else ("otherwise" if clauses else "")
        clauses.append(f"{lead} -> {_target(rule['route'], spec['hosts'])}{_effects(rule)}".strip())
    hosts = ", ".join(_short_host(host) for host in spec["hosts"])
    via = f" (via {', '.join(spec['gateways'])})" if spec.get("gateways") else ""
    return f"{hosts}{via}: {'; '.join(clauses)}"


def _flatten(prefix: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        return [item for key, inner in value.items() for item in _flatten(f"{prefix}.{key}".lstrip("."), inner)]
    return [f"{prefix}={value}"]


def _destination_rule(spec: dict[str, Any]) -> str:
    return f"{_short_host(spec['host'])}: {', '.join(_flatten('', spec['trafficPolicy']))}"


def describe(objects: tuple[IstioObject, ...]) -> tuple[str, ...]:
    """One line per VirtualService, and per DestinationRule that sets a traffic policy."""
    lines = []
    for obj in objects:
        if obj["kind"] == "VirtualService":
            lines.append(_virtual_service(obj["spec"]))
        elif obj["kind"] == "DestinationRule" and "trafficPolicy" in obj["spec"]:
            lines.append(_destination_rule(obj["spec"]))
    return tuple(lines)
