"""stacks/: one preset per scenario, holding just that scenario's keys, each rendering cleanly."""

from __future__ import annotations

import pytest
import yaml

from model.project import load_project
from scenarios.catalog import CATALOG
from tests.conftest import rendered
from tests.expected_scenarios import PRESET_WARNINGS
from tools import preset, presets
from tools.preview.stack_config import ROOT

STACKS = ROOT / "stacks"


def test_every_committed_preset_is_what_the_generator_writes():
    """stacks/ comes from the scenario records and Pulumi.yaml (`python -m tools.presets`), not by hand."""
    assert presets.stale() == []


def test_a_preset_is_the_records_header_and_its_keys_at_pulumi_yamls_defaults():
    assert presets.preset_text(CATALOG["fault-delay"], load_project()) == (
        "# fault-delay: user-routing, plus a fixed delay on ratings for the user: the page waits, then reports reviews"
        " unavailable.\n"
        "# Apply to the current stack: venv/bin/python -m tools.preset stacks/fault-delay.yaml\n"
        "config:\n"
        "  istio-demo:scenario: fault-delay\n"
        "  istio-demo:user: jason\n"
        "  istio-demo:faultDelay: 7s\n"
        "  istio-demo:faultPercentage: 100\n"
        "  istio-demo:faultTarget: user\n"
    )


def test_the_generator_check_names_a_stale_preset(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(presets, "ROOT", tmp_path)
    (tmp_path / "stacks").mkdir()
    assert presets.main([]) == 0
    (tmp_path / CATALOG["mirroring"].preset).write_text("config:\n  istio-demo:scenario: mirroring\n")
    assert presets.main(["--check"]) == 1
    assert capsys.readouterr().err == "stacks/mirroring.yaml: not what `python -m tools.presets` writes\n"


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
def test_preset_renders_its_scenario_warning_only_of_a_missing_second_cluster(name):
    rendering = rendered((), str(ROOT / CATALOG[name].preset))
    assert rendering.plan["outputs"]["scenario"] == name
    assert rendering.warnings == PRESET_WARNINGS.get(name, [])


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
