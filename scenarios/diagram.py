"""The routing drawn as a Mermaid flowchart from the scenario's routing view (scenarios.view), labelled in the words
of scenarios.describe, so the same routing draws the same picture under `istio` and `gateway-api`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Literal

from model.crd import CustomObject
from scenarios.describe import conditions, leads, limits_clauses, percent, requests_to, treatment
from scenarios.view import ENTRY_GATEWAYS, Entry, Limits, Note, Route, Target, view

Shape = Literal["client", "gateway", "service", "version", "external", "outcome"]
# Mermaid's shapes: clients are stadiums, gateways hexagons, Services and hosts boxes, versions rounded boxes, hosts
# outside the mesh parallelograms, and what requests no rule routes get, flags.
SHAPES: dict[Shape, tuple[str, str]] = {
    "client": ('(["', '"])'),
    "gateway": ('{{"', '"}}'),
    "service": ('["', '"]'),
    "version": ('("', '")'),
    "external": ('[/"', '"/]'),
    "outcome": ('>"', '"]'),
}
# Characters Mermaid would read as its own syntax or as HTML inside a quoted label, written as its entity codes.
ESCAPES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "|": "#124;"}
BREAK = "<br>"
MESH_CLIENTS = "clients in the mesh"
OUTSIDE_CLIENTS = "clients outside the mesh"


def escaped(text: str) -> str:
    return "".join(ESCAPES.get(character, character) for character in text)


@dataclass
class Flowchart:
    """Nodes in the order they are first met and edges in the order they are drawn, each once."""

    nodes: dict[tuple[Shape, str], str] = field(default_factory=dict)  # (shape, label) -> id
    edges: list[str] = field(default_factory=list)

    def node(self, shape: Shape, label: str) -> str:
        """The id of the node of that shape and label: its shape and label in letters and digits, unique."""
        if (shape, label) not in self.nodes:
            stem = f"{shape}_{re.sub(r'[^A-Za-z0-9]+', '_', label).strip('_')}"
            taken = set(self.nodes.values())
            self.nodes[shape, label] = next(
                name for n in count() if (name := f"{stem}_{n}" if n else stem) not in taken
            )
        return self.nodes[shape, label]

    def edge(self, source: str, target: str, label: Sequence[str] = (), dotted: bool = False) -> None:
        """An arrow, dotted for a copy, with its label's lines."""
        text = f'|"{BREAK.join(map(escaped, label))}"|' if label else ""
        line = f"    {source} {'-.->' if dotted else '-->'}{text} {target}"
        if line not in self.edges:
            self.edges.append(line)

    def text(self) -> str:
        nodes = [
            f"    {name}{SHAPES[shape][0]}{escaped(label)}{SHAPES[shape][1]}"
            for (shape, label), name in self.nodes.items()
        ]
        return "\n".join(["flowchart LR", *nodes, *self.edges]) + "\n"


def target_node(chart: Flowchart, found: Target) -> str:
    if found.gateway is not None:
        return chart.node("gateway", ENTRY_GATEWAYS[found.gateway])
    if found.external_port is not None:
        return chart.node("external", f"{found.service}:{found.external_port} outside the mesh")
    if found.version is not None:
        return chart.node("version", f"{found.service} {found.version}")
    return chart.node("service", found.service)


def source(
    chart: Flowchart, subject: str, entry: Entry, port: int | None, limits: dict[str, Limits]
) -> tuple[str, list[str]]:
    """Where a route's arrows start, and what each of them says first: in the mesh, the Service or host its clients
    call (with the Service's limits on their arrow); at a gateway, the gateway, with the host or port."""
    if entry == "mesh":
        clients, called = chart.node("client", MESH_CLIENTS), chart.node("service", subject)
        found = limits.get(subject)
        chart.edge(clients, called, limits_clauses(found) if found else ())
        return called, []
    if entry == "ingress":
        clients, gateway = chart.node("client", OUTSIDE_CLIENTS), chart.node("gateway", ENTRY_GATEWAYS[entry])
        chart.edge(clients, gateway)
    return chart.node("gateway", ENTRY_GATEWAYS[entry]), [requests_to(subject, port)]


def draw_route(chart: Flowchart, route: Route, limits: dict[str, Limits]) -> None:
    """An arrow per rule and target, saying when (conditions or `otherwise`), what share and what treatment; a
    dotted one to where a copy goes."""
    start, lead = source(chart, route.subject, route.entry, route.port, limits)
    for rule, when in zip(route.rules, leads(map(conditions, route.rules)), strict=True):
        said = [*lead, *filter(None, [when])]
        for found in rule.targets:
            share = [] if found.share == 1 else [percent(found.share * 100)]
            chart.edge(start, target_node(chart, found), [*said, *share, *treatment(rule)])
        if rule.mirror is not None:
            copy = f"a copy of {rule.mirror[1]}% (answers dropped)"
            chart.edge(start, target_node(chart, rule.mirror[0]), [*said, copy], dotted=True)


def draw_note(chart: Flowchart, note: Note, limits: dict[str, Limits]) -> None:
    start, lead = source(chart, note.subject, note.entry, None, limits)
    chart.edge(start, chart.node("outcome", note.outcome), [*lead, note.unrouted])


def diagram(objects: tuple[CustomObject, ...], notes: tuple[Note, ...] = ()) -> str:
    """The routing of `objects` and `notes` as a Mermaid flowchart: clients, gateways, Services, versions and hosts
    outside the mesh, an arrow for each way requests go."""
    seen = view(objects)
    chart = Flowchart()
    limits = {found.service: found for found in seen.limits}
    for route in seen.routes:
        draw_route(chart, route, limits)
    for note in notes:
        draw_note(chart, note, limits)
    for found in seen.limits:
        source(chart, found.service, "mesh", None, limits)
    return chart.text()
