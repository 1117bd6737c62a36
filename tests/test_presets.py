"""stacks/: one preset per scenario, holding just that scenario's keys, each rendering cleanly."""

from __future__ import annotations

import pytest
import yaml

from scenarios.catalog import CATALOG
from tests.conftest import rendered
from tools import preset
from tools.preview.stack_config import ROOT

STACKS = ROOT / "stacks"


def test_one_preset_per_scenario():
    assert sorted(str(path.relative_to(ROOT)) for path in STACKS.glob("*.yaml")) == sorted(
        scenario.preset for scenario in CATALOG.values()
    )


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_preset_holds_the_scenario_and_its_parameters(name):
    config = yaml.safe_load((ROOT / CATALOG[name].preset).read_text())["config"]
    assert set(config) == {"istio-demo:scenario", *(f"istio-demo:{key}" for key in CATALOG[name].parameters)}
    assert config["istio-demo:scenario"] == name


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_preset_renders_its_scenario_without_warnings(name):
    rendering = rendered((), str(ROOT / CATALOG[name].preset))
    assert rendering.plan["outputs"]["scenario"] == name
    assert rendering.warnings == []


def test_preset_is_applied_with_pulumi_config_set_all():
    assert preset.set_all_command(STACKS / "traffic-shifting.yaml", "dev") == [
        "pulumi",
        "config",
        "set-all",
        "--stack",
        "dev",
        "--plaintext",
        "istio-demo:scenario=traffic-shifting",
        "--plaintext",
        "istio-demo:reviewsWeights=v1=50,v3=50",
    ]


def test_missing_preset_is_a_usage_error(capsys):
    assert preset.main(["stacks/nope.yaml", "--dry-run"]) == 2
    assert capsys.readouterr().err.startswith("error: no such file: stacks/nope.yaml")
