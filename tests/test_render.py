"""The offline preview's contract (SPEC §5): files, summary, determinism, secrets masked."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.conftest import rendered
from tests.test_diagram import DIAGRAMS
from tools import render
from tools.preview.stack_config import ROOT


def test_writes_plan_and_manifests_and_prints_a_summary(tmp_path, capsys):
    assert render.main(["--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    plan = json.loads((tmp_path / "plan.json").read_text())
    manifests = list(yaml.safe_load_all((tmp_path / "manifests.yaml").read_text()))

    assert set(plan) == {"project", "stack", "config", "resources", "outputs"}
    assert (plan["project"], plan["stack"]) == ("istio-demo", "dev")
    for item in plan["resources"]:
        assert {"urn", "type", "name", "parent", "provider", "dependsOn", "inputs"} <= set(item)
    keys = [(m["kind"], m["metadata"].get("namespace", ""), m["metadata"]["name"]) for m in manifests]
    assert keys == sorted(keys)
    assert "istio-demo/dev: " in out
    assert "scenario: round-robin" in out
    assert "reviews: no route rule -> round robin over v1, v2, v3" in out
    assert "(fits)" in out
    assert (tmp_path / "routing.mmd").read_text().startswith("flowchart LR\n")


def test_rendering_is_byte_identical_across_runs(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert render.main(["--out", str(first)]) == 0
    assert render.main(["--out", str(second)]) == 0
    for name in ("plan.json", "manifests.yaml", "routing.mmd"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_default_stack_declares_cluster_pool_provider_releases_and_bookinfo(default):
    types = [r["type"] for r in default.plan["resources"] if not r.get("read")]
    assert types.count("gcp:container/cluster:Cluster") == 1
    assert types.count("gcp:container/nodePool:NodePool") == 1
    assert types.count("pulumi:providers:kubernetes") == 1
    assert types.count("kubernetes:helm.sh/v3:Release") == 7  # 4 Istio charts, Prometheus, Grafana, Kiali
    bookinfo = [
        m
        for m in default.manifests
        if m["metadata"].get("namespace") == "bookinfo" or m["metadata"]["name"] == "bookinfo"
    ]
    assert sorted({m["kind"] for m in bookinfo}) == [
        "Deployment",
        "DestinationRule",
        "Gateway",
        "Namespace",
        "Service",
        "ServiceAccount",
        "VirtualService",
    ]


def test_outputs(default):
    outputs = default.plan["outputs"]
    assert set(outputs) == {
        "capacity",
        "dashboards",
        "grafanaAdminPassword",
        "ingressIp",
        "kubeconfig",
        "productpageUrl",
        "routing",
        "scenario",
    }
    assert outputs["scenario"] == "round-robin"


def test_preset_layer_sits_between_stack_file_and_overrides(tmp_path):
    preset = tmp_path / "preset.yaml"
    preset.write_text("config:\n  istio-demo:nodeCount: 3\n  istio-demo:spotNodes: true\n")
    rendering = rendered(("spotNodes=false",), str(preset))
    assert rendering.plan["config"]["istio-demo:nodeCount"] == 3
    assert rendering.plan["config"]["istio-demo:spotNodes"] is False


@pytest.mark.parametrize("arguments", [(), ("--set", "target=existing", "--set", "kubeContext=kind-istio")])
def test_a_render_exits_with_an_empty_stderr_every_time(arguments, tmp_path):
    """A fresh process, with ResourceWarning shown: an event loop left open (the cause of the occasional
    `Invalid file descriptor: -1` at exit) is reported by every run, so one run decides, where without the warning
    only about one in forty would show it."""
    finished = subprocess.run(
        [sys.executable, "-W", "always::ResourceWarning", "-m", "tools.render", *arguments, "--out", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "KUBECONFIG": str(tmp_path / "no-kubeconfig")},  # not the machine's: kind-istio is made up
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (finished.returncode, finished.stderr) == (0, "")


@pytest.mark.parametrize(
    "overrides",
    [(), ("routingApi=gateway-api", "target=existing", "kubeContext=kind-demo", "gatewayApiCrds=cluster")],
)
def test_the_summary_counts_what_plan_json_holds(overrides, tmp_path, capsys):
    """Declared and read resources both counted, so the summary's total is plan.json's."""
    assert render.main([*(f"--set={o}" for o in overrides), "--out", str(tmp_path)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    resources = json.loads((tmp_path / "plan.json").read_text())["resources"]
    reads = sum(1 for r in resources if r.get("read"))
    assert first == (
        f"istio-demo/dev: {len(resources)} resources in plan.json, {len(resources) - reads} declared and {reads} read"
    )


def test_the_crds_go_to_their_own_file_and_a_later_render_without_them_removes_it(tmp_path):
    existing = ["--set=routingApi=gateway-api", "--set=target=existing", "--set=kubeContext=kind-demo"]
    assert render.main([*existing, "--out", str(tmp_path)]) == 0
    crds = list(yaml.safe_load_all((tmp_path / "crds.yaml").read_text()))
    assert {c["kind"] for c in crds} == {"CustomResourceDefinition"} and len(crds) == 9
    manifests = yaml.safe_load_all((tmp_path / "manifests.yaml").read_text())
    assert "CustomResourceDefinition" not in {m["kind"] for m in manifests}
    assert render.main(["--out", str(tmp_path)]) == 0
    assert not (tmp_path / "crds.yaml").exists()


@pytest.mark.parametrize("name", ["tcp-traffic-shifting", "httpbin-ingress"])
def test_routing_mmd_is_the_active_scenarios_diagram(name, tmp_path):
    assert render.main(["--preset", f"stacks/{name}.yaml", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "routing.mmd").read_text().splitlines() == [
        "flowchart LR",
        *(f"    {line}" for line in DIAGRAMS[name]),
    ]
