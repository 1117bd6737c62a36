"""The recipe of docs/architecture.md, followed once: a new scenario is one module under scenarios/tutorial/ and its
entries in tests/expected_scenarios.py by hand, then its preset and its docs row written by the generators; four
files in all, and the catalog, the settings, the verifier, the presets, the docs and the tests take it in."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.catalog import SCENARIOS
from tools.preview.schemas import upstream_dir
from tools.preview.stack_config import ROOT

NAME = "ratings-v2"
MODULE = '''"""Every Bookinfo service on v1 except ratings, on v2: the recipe's example."""

from __future__ import annotations

from model.parameters import ScenarioParameters
from scenarios import bookinfo_routes as istio
from scenarios import gateway_api_routes as gateway_api
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario


def ratings_v2(_: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(istio.with_routes(istio.routes("ratings", istio.only("ratings", "v2"))))


def ratings_v2_gateway_api(_: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(gateway_api.with_routes(gateway_api.routes("ratings", gateway_api.only("ratings", "v2"))))


SCENARIO = Scenario(
    "ratings-v2",
    15,
    ratings_v2,
    ratings_v2_gateway_api,
    summary="Every Bookinfo service on v1 except ratings, on v2.",
    changes="all-v1, except ratings → v2",
    shows="never any stars: reviews v1 does not call ratings",
)
'''
EXPECTATIONS = """

TASK_SPECS["ratings-v2"] = {
    **{vs(service): v1(service) for service in ("productpage", "reviews", "details")},
    vs("ratings"): {"hosts": ["ratings"], "http": [{"route": [{"destination": {"host": "ratings", "subset": "v2"}}]}]},
}
ROUTING["ratings-v2"] = ["productpage: -> v1", "reviews: -> v1", "ratings: -> v2", "details: -> v1"]
GATEWAY_API_KINDS["ratings-v2"] = BOOKINFO_ROUTES
"""
BY_HAND = {"scenarios/tutorial/ratings_v2.py", "tests/expected_scenarios.py"}
GENERATED = {"stacks/ratings-v2.yaml", "docs/scenarios.md"}
LEFT_OUT = {".git", "venv", "build", "node_modules", ".pytest_cache", ".mypy_cache", ".ruff_cache", "__pycache__"}


def digests(root: Path) -> dict[str, str]:
    """Relative path -> content digest of every file of the project under `root`."""
    found = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and not LEFT_OUT & set(relative.parts):
            found[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run(copy: Path, *command: str) -> str:
    environment = {**os.environ, "ISTIO_UPSTREAM": str(upstream_dir()), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, *command], cwd=copy, env=environment, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The project with the recipe followed for ratings-v2."""
    copy = tmp_path_factory.mktemp("new-scenario") / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*LEFT_OUT))
    (copy / "scenarios" / "tutorial" / "ratings_v2.py").write_text(MODULE)
    with (copy / "tests" / "expected_scenarios.py").open("a") as expectations:
        expectations.write(EXPECTATIONS)
    run(copy, "-m", "tools.presets")
    run(copy, "-m", "tools.docs")
    return copy


def test_the_recipe_touches_four_files(copy):
    before, after = digests(ROOT), digests(copy)
    changed = {path for path in after if before.get(path) != after[path]}
    assert changed == BY_HAND | GENERATED
    assert set(before) - set(after) == set()


def test_the_new_scenario_is_taken_in_everywhere(copy):
    """Its plan, its spec and routing tests, its preset and docs row, its verifier traffic and its warnings."""
    tests = ("tests/test_scenarios.py", "tests/test_gateway_api.py", "tests/test_verify_expect.py")
    # The new scenario's own cases and every check over the whole catalog (the other scenarios' cases are the
    # suite's own).
    selected = "ratings-v2 or ((every_scenario or preset or scenario_table) and not [)"
    run(
        copy,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        *tests,
        "tests/test_presets.py",
        "tests/test_docs.py",
        "-k",
        selected,
    )
    summary = run(copy, "-m", "tools.render", "--preset", "stacks/ratings-v2.yaml", "--out", "build/preview")
    assert "ratings: -> v2" in (copy / "build" / "preview" / "plan.json").read_text(), summary


def test_the_example_is_not_a_scenario_here():
    assert NAME not in {scenario.name for scenario in SCENARIOS}
