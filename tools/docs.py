"""The tables and diagrams of docs/scenarios.md, written from the catalog's records and the objects its builders
return.

python -m tools.docs            # rewrite them after changing a scenario's record or builder
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from model.crd import CustomObject
from model.settings import RoutingApi
from scenarios.catalog import CATALOG
from scenarios.record import Scenario
from tools.preview.stack_config import ROOT, assemble, typed_settings

SCENARIOS_DOC = ROOT / "docs" / "scenarios.md"
HEADER = (
    "| scenario | what it changes (tutorial defaults) | what you should see | parameters |",
    "|---|---|---|---|",
)


def row(scenario: Scenario) -> str:
    needs = (
        *(("(needs `egressGateway=true`)",) if scenario.needs_egress_gateway else ()),
        *((f"(shows with `clusters={scenario.needs_clusters}`)",) if scenario.needs_clusters > 1 else ()),
    )
    parameters = " ".join((", ".join(f"`{key}`" for key in scenario.parameters), *needs)).strip() or "—"
    return f"| `{scenario.name}` | {scenario.changes} | {scenario.shows} | {parameters} |"


def scenario_table() -> list[str]:
    return [*HEADER, *(row(scenario) for scenario in CATALOG.values())]


GATEWAY_API_GROUP = "gateway.networking.k8s.io/"
OBJECTS_HEADER = (
    "| scenario | `routingApi=istio` | `routingApi=gateway-api` |",
    "|---|---|---|",
)


def objects_cell(objects: Sequence[CustomObject], mark_istio: bool) -> str:
    """Kinds with the names of their objects; with `mark_istio`, the Istio kinds marked as such."""
    by_kind: dict[str, list[str]] = {}
    for obj in objects:
        istio = mark_istio and not obj.API_VERSION.startswith(GATEWAY_API_GROUP)
        by_kind.setdefault(f"{obj.KIND}{' (Istio)' if istio else ''}", []).append(obj.name)
    return "; ".join(f"{kind}: {', '.join(names)}" for kind, names in by_kind.items()) or "—"


def objects_table() -> list[str]:
    """Each scenario's objects under both routing APIs, at the tutorial's parameters."""
    chosen = typed_settings(assemble()[1], None)
    rows = []
    for scenario in CATALOG.values():
        istio, routed = (scenario.plan(api, chosen.parameters).objects for api in RoutingApi)
        rows.append(f"| `{scenario.name}` | {objects_cell(istio, False)} | {objects_cell(routed, True)} |")
    return [*OBJECTS_HEADER, *rows]


def with_table(text: str, header: Sequence[str], table: list[str]) -> str:
    """`text` with the lines of the table starting with `header` (up to the first blank line) replaced."""
    lines = text.splitlines()
    start = lines.index(header[0])
    end = lines.index("", start)
    return "\n".join([*lines[:start], *table, *lines[end:]]) + "\n"


DIAGRAMS_TITLE = "## Each scenario's routing, drawn"


def diagrams() -> list[str]:
    """Each scenario's routing diagram at the tutorial's parameters, under a heading of its own."""
    chosen = typed_settings(assemble()[1], None)
    found = []
    for scenario in CATALOG.values():
        drawn = scenario.plan(RoutingApi.ISTIO, chosen.parameters).diagram
        found += [f"### `{scenario.name}`", "", "```mermaid", *drawn.splitlines(), "```", ""]
    return found


def with_diagrams(text: str) -> str:
    """`text` with the diagrams of the diagrams section (its `###` parts, up to the next `##` heading) replaced."""
    lines = text.splitlines()
    start = lines.index("### `round-robin`", lines.index(DIAGRAMS_TITLE))
    end = next((n for n in range(start, len(lines)) if lines[n].startswith("## ")), len(lines))
    return "\n".join([*lines[:start], *diagrams(), *lines[end:]]).rstrip("\n") + "\n"


def with_generated(text: str) -> str:
    """`text` with its tables and diagrams as the catalog writes them."""
    tables = with_table(with_table(text, HEADER, scenario_table()), OBJECTS_HEADER, objects_table())
    return with_diagrams(tables)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.docs", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    SCENARIOS_DOC.write_text(with_generated(SCENARIOS_DOC.read_text()))
    print(f"wrote the tables and diagrams of {SCENARIOS_DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
