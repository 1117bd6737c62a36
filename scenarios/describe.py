"""Routing in words, for a learner: read off the scenario's routing view (scenarios.view), so the words cannot drift
from what is deployed and read the same under either routing API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

from model.bookinfo_app import USER_HEADER
from model.crd import CustomObject
from model.parameters import milliseconds
from scenarios.view import Condition, Entry, Limits, Note, Route, Rule, Target, view


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


def treatment(rule: Rule) -> list[str]:
    """What a rule does to the requests it routes: faults, a timeout."""
    found = []
    if rule.delay is not None:
        found.append(f"after a {duration(int(milliseconds(rule.delay[0])))} delay on {percent(rule.delay[1])}")
    if rule.abort is not None:
        found.append(f"aborted with HTTP {rule.abort[0]} on {percent(rule.abort[1])}")
    if rule.timeout_ms is not None:
        found.append(f"timeout {duration(rule.timeout_ms)}")
    return found


def effects(rule: Rule, subject: str) -> list[str]:
    """What a rule does besides routing: its treatment, a copy."""
    found = treatment(rule)
    if rule.mirror is not None:
        found.append(
            f"a copy of {rule.mirror[1]}% of them to {target(rule.mirror[0], subject)} (whose answers are dropped)"
        )
    return found


def leads(rules: Iterable[Iterable[str]]) -> list[str]:
    """When each rule applies, its conditions joined by `or`; tried in order, so a rule without a condition after
    others is `otherwise` (and a first one, always: empty)."""
    found: list[str] = []
    for alternatives in rules:
        when = " or ".join(alternatives)
        found.append(when if when else ("otherwise" if found else ""))
    return found


def clauses(rules: Sequence[tuple[Iterable[str], str]]) -> str:
    """Rules as `condition -> target`, tried in order."""
    whens = leads(alternatives for alternatives, _ in rules)
    return "; ".join(f"{when} -> {routed}".strip() for when, (_, routed) in zip(whens, rules, strict=True))


def requests_to(subject: str, port: int | None = None) -> str:
    """What a route's requests are sent to: a Service, a host, any host, or a TCP port."""
    if port is not None:
        return f"TCP port {port}"
    return "any host" if subject == "*" else subject


def where(subject: str, entry: Entry, port: int | None = None) -> str:
    return requests_to(subject, port) if entry == "mesh" else f"{requests_to(subject, port)} at the {entry} gateway"


def conditions(rule: Rule) -> list[str]:
    """The rule's alternatives, each as its conditions joined by `and`."""
    return [" and ".join(condition(c) for c in alternative) for alternative in rule.alternatives]


def route_line(route: Route) -> str:
    rules = []
    for rule in route.rules:
        routed = ", ".join(target(t, route.subject) for t in rule.targets)
        rules.append((conditions(rule), "".join([routed, *(f", {effect}" for effect in effects(rule, route.subject))])))
    return f"{where(route.subject, route.entry, route.port)}: {clauses(rules)}"


def note_line(note: Note) -> str:
    return f"{where(note.subject, note.entry)}: {note.unrouted} -> {note.outcome}"


def limits_clauses(limits: Limits) -> tuple[str, str, str]:
    """What a client sees of a connection pool and outlier detection: the limit, past it, and the ejection."""
    errors = "a 5xx" if limits.consecutive_5xx == 1 else f"{limits.consecutive_5xx} 5xx in a row"
    return (
        f"at most {counted(limits.max_connections, 'connection')} and {counted(limits.max_pending, 'pending request')}"
        f" ({counted(limits.per_connection, 'request')} per connection)",
        "more fail fast with 503",
        f"a pod that answers {errors} is ejected for {limits.ejection} (checked every {limits.interval}, up to"
        f" {limits.max_ejected_percent}% of the pods)",
    )


def limits_line(limits: Limits) -> str:
    return f"{limits.service}: {'; '.join(limits_clauses(limits))}"


def describe(objects: tuple[CustomObject, ...], notes: tuple[Note, ...] = ()) -> tuple[str, ...]:
    """One line per route (where requests enter and what each rule does with them), per Service's limits, then per
    note."""
    seen = view(objects)
    return (*map(route_line, seen.routes), *map(limits_line, seen.limits), *map(note_line, notes))
