"""Write stacks/: one preset per scenario, generated from its record and Pulumi.yaml's defaults.

    python -m tools.presets [--check]

Each preset holds the scenario and the keys it reads at the tutorial's values (Pulumi.yaml's defaults), under a
header from the record. `--check` writes nothing and exits 1 when a committed preset differs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from model.config import config_text
from model.project import Project, load_project
from scenarios.catalog import CATALOG
from scenarios.record import Scenario
from tools.preview.stack_config import ROOT


def preset_text(scenario: Scenario, project: Project) -> str:
    """The preset of `scenario`, as stacks/ holds it."""
    keys = {"scenario": scenario.name, **{key: project.default(key) for key in scenario.parameters}}
    lines = [
        f"# {scenario.name}: {scenario.summary}",
        f"# Apply to the current stack: venv/bin/python -m tools.preset {scenario.preset}",
        "config:",
        *(f"  {project.name}:{key}: {config_text(value)}" for key, value in keys.items()),
    ]
    return "\n".join(lines) + "\n"


def stale() -> list[str]:
    """The presets whose committed text is not what the records and Pulumi.yaml give."""
    project = load_project()
    return [
        scenario.preset
        for scenario in CATALOG.values()
        if not (ROOT / scenario.preset).is_file()
        or (ROOT / scenario.preset).read_text() != preset_text(scenario, project)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.presets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a preset is out of date")
    check = parser.parse_args(argv).check
    if check:
        differing = stale()
        for path in differing:
            print(f"{path}: not what `python -m tools.presets` writes", file=sys.stderr)
        return 1 if differing else 0
    project = load_project()
    for scenario in CATALOG.values():
        (ROOT / scenario.preset).write_text(preset_text(scenario, project))
    print(f"wrote {len(CATALOG)} presets in stacks/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
