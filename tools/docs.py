"""The scenario table of docs/scenarios.md, written from the catalog's records.

python -m tools.docs            # rewrite the table after changing a scenario's record
"""

from __future__ import annotations

import sys

from scenarios.catalog import CATALOG, Scenario
from tools.preview.stack_config import ROOT

SCENARIOS_DOC = ROOT / "docs" / "scenarios.md"
HEADER = (
    "| scenario | what it changes (tutorial defaults) | what you should see | parameters |",
    "|---|---|---|---|",
)


def row(scenario: Scenario) -> str:
    parameters = ", ".join(f"`{key}`" for key in scenario.parameters) or "—"
    if scenario.needs_egress_gateway:
        parameters += " (needs `egressGateway=true`)"
    return f"| `{scenario.name}` | {scenario.changes} | {scenario.shows} | {parameters} |"


def scenario_table() -> list[str]:
    return [*HEADER, *(row(scenario) for scenario in CATALOG.values())]


def with_table(text: str) -> str:
    """`text` with the lines of its scenario table (from the header to the first blank line) replaced."""
    lines = text.splitlines()
    start = lines.index(HEADER[0])
    end = lines.index("", start)
    return "\n".join([*lines[:start], *scenario_table(), *lines[end:]]) + "\n"


def main() -> int:
    SCENARIOS_DOC.write_text(with_table(SCENARIOS_DOC.read_text()))
    print(f"wrote the scenario table of {SCENARIOS_DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
