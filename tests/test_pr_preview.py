"""The offline PR preview: every preset rendered by each side's own program, and what changed between them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tools import pr_preview
from tools.preview.stack_config import ROOT

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py", "components", "model", "scenarios", "tools")


def checkout(directory: Path, presets: dict[str, dict]) -> Path:
    """A copy of the project (program and tools, no venv) with exactly `presets` in stacks/."""
    directory.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, directory / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, directory / name)
    (directory / "stacks").mkdir()
    for name, config in presets.items():
        (directory / "stacks" / f"{name}.yaml").write_text(yaml.safe_dump({"config": config}))
    return directory


def shifting(weights: str) -> dict[str, str]:
    return {"istio-demo:scenario": "traffic-shifting", "istio-demo:reviewsWeights": weights}


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """Base: 3 nodes by default, a preset the PR removes and one whose weights it changes. Head: the project as it
    is, plus a new preset of another scenario."""
    root = tmp_path_factory.mktemp("pr")
    base = checkout(root / "base", {"gone": {"istio-demo:scenario": "round-robin"}, "shift": shifting("v1=50,v3=50")})
    project = yaml.safe_load((base / "Pulumi.yaml").read_text())
    project["config"]["nodeCount"]["default"] = 3
    (base / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    added = {"istio-demo:scenario": "all-v1", "istio-demo:nodeCount": 5}
    head = checkout(root / "head", {"added": added, "shift": shifting("v1=80,v2=20")})
    out = root / "out"
    comparisons = pr_preview.compare(head, base, out)
    return pr_preview.summary(comparisons), out, {c.name: c for c in comparisons}


def test_every_preset_of_either_side_and_the_defaults_are_compared(compared):
    _, out, comparisons = compared
    assert list(comparisons) == ["_defaults", "added", "gone", "shift"]
    for name in ("_defaults", "added"):
        assert (out / name / "head" / "plan.json").is_file()
        assert (out / name / "manifests.diff").is_file() and (out / name / "plan.diff").is_file()
    assert not (out / "gone" / "base").exists()  # a removed preset is listed, not rendered


def test_the_base_is_rendered_by_its_own_program(compared):
    _, out, comparisons = compared
    defaults = comparisons["_defaults"]
    assert defaults.base.plan["config"]["istio-demo:nodeCount"] == 3
    assert defaults.head.plan["config"]["istio-demo:nodeCount"] == 4
    assert defaults.manifests_diff == []  # the node count is no Kubernetes object
    assert '-    "istio-demo:nodeCount": 3,\n' in defaults.plan_diff
    assert '+    "istio-demo:nodeCount": 4,\n' in defaults.plan_diff
    assert (out / "_defaults" / "plan.diff").read_text() == "".join(defaults.plan_diff)


def test_a_new_preset_is_diffed_against_the_bases_defaults(compared):
    _, _, comparisons = compared
    added = comparisons["added"]
    assert added.base.present is False and added.reference is comparisons["_defaults"].base
    assert '+    "istio-demo:nodeCount": 5,\n' in added.plan_diff
    assert added.plan_diff[0] == "--- base/_defaults/plan.json\n"


def test_summary_tables_every_preset_with_its_status(compared):
    summary, _, comparisons = compared
    head = comparisons["_defaults"].head
    table = [line for line in summary.splitlines() if line.startswith("| `")]
    counts = f"{head.resource_count()} | {head.object_count()}"
    assert table[0].startswith(f"| `_defaults` | round-robin | {counts} | manifests unchanged; plan +")
    assert "new preset" in table[1] and "against base defaults" in table[1]
    assert table[2] == "| `gone` | – | – | – | removed by this PR |"
    assert "4 configurations compared" in summary and "4 differ" in summary
    assert "<summary>plan.json diff" in summary


def test_a_preset_that_does_not_render_fails_the_preview_with_its_error(tmp_path):
    base = checkout(tmp_path / "base", {})
    head = checkout(tmp_path / "head", {"broken": {"istio-demo:nodeCount": 0}})
    status = pr_preview.main(["--base", str(base), "--head", str(head), "--out", str(tmp_path / "out")])
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert status == 1
    assert "| `broken` | – | – | – | **does not render**: `error: nodeCount: 0 is out of range" in summary


def test_fences_outgrow_any_backticks_in_the_content():
    assert pr_preview._fenced("a ```` b\n", "text").startswith("`````text\n")
    assert pr_preview._fenced("plain", "diff") == "```diff\nplain\n```\n"


def test_the_crds_are_diffed_apart_from_the_manifests_and_the_plan():
    """A change of the CRDs (a new release, say) reads in crds.yaml's diff alone; the plan names them only."""
    crd = {"urn": "u", "type": pr_preview.CRD, "inputs": {"spec": {"versions": ["v1"]}}}
    route = {"urn": "r", "type": "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "inputs": {"spec": {"a": 1}}}
    base = pr_preview.Side(True, 0, plan={"resources": [crd, route]}, manifests="m\n", crds="spec: v1\n")
    newer = {**crd, "inputs": {"spec": {"versions": ["v1", "v2"]}}}
    head = pr_preview.Side(True, 0, plan={"resources": [newer, route]}, manifests="m\n", crds="spec: v2\n")
    assert pr_preview.plan_text(head) == pr_preview.plan_text(base)
    assert '"inputs": "(in crds.yaml)"' in pr_preview.plan_text(head)
    comparison = pr_preview.Comparison(
        "x",
        head,
        base,
        crds_diff=pr_preview.unified(base.crds, head.crds, "x", "x", "crds.yaml"),
    )
    assert comparison.changed
    assert pr_preview.status(comparison) == "manifests unchanged; crds +1 −1 lines; plan unchanged"


def test_where_the_routing_changes_the_summary_draws_it_before_and_after(compared):
    summary, out, comparisons = compared
    before, after = ((out / "shift" / side / "routing.mmd").read_text() for side in ("base", "head"))
    assert '-->|"50%"| version_reviews_v3' in before and '-->|"20%"| version_reviews_v2' in after
    drawn = f"\n**Routing before**\n\n```mermaid\n{before}```\n\n**Routing after**\n\n```mermaid\n{after}```\n\n"
    assert pr_preview.routing_change(comparisons["shift"]) == drawn
    assert drawn in summary[summary.index("### `shift`") :]


def test_a_new_preset_is_drawn_against_the_bases_defaults_and_unchanged_routing_not_at_all(compared):
    summary, _, comparisons = compared
    added = pr_preview.routing_change(comparisons["added"])
    assert added.startswith("\n**Routing before** (the base's defaults)\n\n```mermaid\nflowchart LR\n")
    assert "round robin over v1, v2, v3" in added and "service_reviews --> version_reviews_v1" in added
    assert pr_preview.routing_change(comparisons["_defaults"]) == ""
    assert "**Routing" not in summary[summary.index("### `_defaults`") : summary.index("### `added`")]


def test_a_base_older_than_the_diagrams_is_said_to_have_none():
    base = pr_preview.Side(True, 0, plan={"resources": []})
    head = pr_preview.Side(True, 0, plan={"resources": []}, diagram="flowchart LR\n    a --> b\n")
    drawn = pr_preview.routing_change(pr_preview.Comparison("x", head, base, reference=base))
    assert drawn.startswith("\n**Routing before**\n\n_No routing diagram on the base._\n\n**Routing after**\n")
