"""What a scenario switch costs under the real engine, against a no-op `up` and against kubectl, and through the CLI.

    venv/bin/python -m benchmarks.scenario_switch [--rounds N]     # after `make e2e-tools`

On the end-to-end run's local control plane (e2e/cluster.py): the first `up` of the default stack (round-robin),
timed with its critical path; then each round times an `up` of a program that declares one component (the engine's
floor), a no-op `up`, and for every other scenario of the catalog the `up` that switches to it and the `up` that
switches back, and kubectl's same two changes (`kubectl apply --server-side` then `kubectl wait
--for=condition=Available` of the Deployments, or `kubectl delete --wait`). Only the `up` is timed: the
configuration is written before the clock starts, as `pulumi config set` runs before `pulumi up`. With the
language host built, the same kind of switches then go through the CLI (benchmarks/cli_path.py). Prints every
switch's medians and ratios and writes them to build/benchmarks/switch.json. Not a test: it measures.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections import defaultdict
from contextlib import ExitStack
from typing import Any

import pulumi
import yaml
from pulumi import automation as auto

from benchmarks import switch_report
from benchmarks.cli_path import cli_timings
from benchmarks.switch_report import KubectlSwitch, Span, median, timed
from components.program import program
from e2e import cluster as control_plane
from e2e.engine import Engine
from e2e.run import BUILD, Local, config_of, predictions, start_local
from e2e.toolchain import TOOLS
from scenarios.catalog import CATALOG

DEFAULT = "round-robin"
OUT = BUILD.parent / "benchmarks" / "switch.json"


def empty_program() -> None:
    """The engine's floor: a program that declares one component and nothing else."""
    pulumi.ComponentResource("istio-demo:bench:Empty", "empty")


def kubectl_change(kube: control_plane.Cluster, change: KubectlSwitch) -> None:
    """What a switch does to the cluster, by kubectl alone, waiting as the provider waits."""
    if change.apply:
        kube.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=yaml.safe_dump_all(change.apply))
    for namespace, names in change.deployments().items():
        deployments = [f"deployment/{name}" for name in names]
        kube.kubectl("wait", "--for=condition=Available", "-n", namespace, *deployments, "--timeout=300s", timeout=310)
    if change.delete:
        document = yaml.safe_dump_all(change.delete)
        kube.kubectl("delete", "--wait", "--ignore-not-found", "-f", "-", stdin=document, timeout=300)


def first_up(engine: Engine) -> dict[str, Any]:
    """The stack's first `up`, timed, with its critical path from the engine's events and the state's dependencies."""
    spans: dict[str, Span] = {}
    started: dict[str, float] = {}

    def record(event: auto.EngineEvent) -> None:
        now = time.monotonic()
        if event.resource_pre_event is not None:
            started[event.resource_pre_event.metadata.urn] = now
        elif event.res_outputs_event is not None and event.res_outputs_event.metadata.urn in started:
            urn = event.res_outputs_event.metadata.urn
            spans[urn] = Span(started[urn], now)

    origin = time.monotonic()
    engine.stack.up(on_event=record, color="never", suppress_progress=True)
    seconds = time.monotonic() - origin
    resources = (engine.stack.export_stack().deployment or {}).get("resources", [])
    dependencies = {item["urn"]: item.get("dependencies", []) for item in resources}
    path = switch_report.critical_path(spans, dependencies)
    return {"seconds": round(seconds, 2), "critical_path": switch_report.path_rows(path, spans, origin)}


def engine_rounds(local: Local, rounds: int) -> dict[str, Any]:
    """The engine's figures: first up, floor, no-op, and every switch of the catalog both ways against kubectl."""
    kube, target = local.kube, local.target()
    configs = {name: (*target, f"scenario={name}") for name in CATALOG}
    predicted = predictions(configs)
    manifests = {name: predicted[name].manifests for name in CATALOG}
    pairs = [pair for name in CATALOG if name != DEFAULT for pair in ((DEFAULT, name), (name, DEFAULT))]
    changes = {pair: switch_report.kubectl_switch(manifests[pair[0]], manifests[pair[1]]) for pair in pairs}
    with_samples = {  # the scenarios with sample workloads (in their own namespace, which the stack keeps)
        after for (_, after), change in changes.items() if any(o["kind"] == "Deployment" for o in change.apply)
    }
    samples: dict[str, list[float]] = defaultdict(list)
    ups: dict[tuple[str, str], list[float]] = defaultdict(list)
    kubectl: dict[tuple[str, str], list[float]] = defaultdict(list)
    engine = Engine(BUILD / "bench-engine", program)
    empty = Engine(BUILD / "bench-empty", empty_program)
    try:
        empty.up()
        engine.configure(config_of(configs[DEFAULT]))
        first = first_up(engine)
        for _ in range(rounds):
            samples["floor_up"].append(timed(empty.up))
            samples["noop_up"].append(timed(engine.up))
            for before, after in pairs:
                engine.configure(config_of(configs[after]))
                ups[before, after].append(timed(engine.up))
            for pair in pairs:
                kubectl[pair].append(timed(functools.partial(kubectl_change, kube, changes[pair])))
    finally:
        engine.destroy()
        empty.destroy()
    return {
        **{label: median(values) for label, values in samples.items()},
        "first_up": first,
        "switches": switch_report.switch_rows(ups, kubectl, with_samples),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scenario_switch")
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args(argv).rounds
    with ExitStack() as stack:
        local = start_local(stack, "bench-")
        document = engine_rounds(local, rounds)
        if TOOLS["pulumi-language-python"].available:
            target = (*local.target(), f"scenario={DEFAULT}")
            document["cli"] = cli_timings(BUILD / "bench-cli", target, DEFAULT, rounds)
        else:
            print("no ../shared/tools/pulumi-language-python: the CLI's path is not timed")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(document, indent=2) + "\n")
    print("\n".join(switch_report.ratio_lines(document)))
    print(f"first up {document['first_up']['seconds']:.1f} s; its critical path:")
    for row in document["first_up"]["critical_path"]:
        print(f"  {row['start']:7.2f} -> {row['end']:7.2f} s  (+{row['gap']:.2f})  {row['type']} {row['resource']}")
    for label, value in document.get("cli", {}).items():
        print(f"cli {label}: {value}")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
