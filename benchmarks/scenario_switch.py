"""What a scenario switch costs under the real engine, against a no-op `up` and against kubectl.

    venv/bin/python -m benchmarks.scenario_switch [--rounds N]     # after `make e2e-tools`

On the end-to-end run's local control plane (e2e/cluster.py), with the stack up at round-robin, each round times:
an `up` of a program that declares one component (the engine's floor); a no-op `up`; for every other scenario of
the catalog, the `up` that switches to it and the `up` that switches back; and `kubectl apply` then `kubectl
delete --wait` of the objects a route-only switch (all-v1) and a namespace switch (mirroring) add. Only the `up`
is timed: the configuration is written before the clock starts, as `pulumi config set` runs before `pulumi up`.
Prints the medians and the ratios. Not a test: it measures.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack

import pulumi
import yaml

from components.program import program
from e2e import cluster as control_plane
from e2e.engine import Engine
from e2e.run import BUILD, config_of, predictions, start_local
from scenarios.catalog import CATALOG

DEFAULT = "round-robin"


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def empty_program() -> None:
    """The engine's floor: a program that declares one component and nothing else."""
    pulumi.ComponentResource("istio-demo:bench:Empty", "empty")


def kubectl_round_trip(kube: control_plane.Cluster, document: str) -> None:
    """`kubectl apply` of `document`, then `kubectl delete --wait` of it: what a switch does, without the engine."""
    kube.kubectl("apply", "--server-side", "-f", "-", stdin=document)
    kube.kubectl("delete", "--wait", "--ignore-not-found", "-f", "-", stdin=document, timeout=300)


def median_line(label: str, values: list[float]) -> str:
    return f"{label:<28} median {statistics.median(values):6.2f} s  ({', '.join(f'{v:.2f}' for v in values)})"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scenario_switch")
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args(argv).rounds
    samples: dict[str, list[float]] = defaultdict(list)
    switches: dict[str, list[float]] = defaultdict(list)  # scenario -> the ups that switch to it and back
    with ExitStack() as stack:
        local = start_local(stack, "bench-")
        kube, target = local.kube, local.target()
        configs: dict[str, tuple[str, ...]] = {name: (*target, f"scenario={name}") for name in CATALOG}
        predicted = predictions(configs)
        engine = Engine(BUILD / "bench-engine", program)
        stack.callback(engine.destroy)

        def up(name: str) -> float:
            engine.configure(config_of(configs[name]))
            return timed(engine.up)

        empty = Engine(BUILD / "bench-empty", empty_program)
        empty.up()
        up(DEFAULT)
        base = {(o["kind"], o["metadata"]["name"]) for o in predicted[DEFAULT].manifests}
        namespaced = {  # the scenarios that add a namespace of sample workloads
            name
            for name in CATALOG
            if any(
                o["kind"] == "Namespace" and ("Namespace", o["metadata"]["name"]) not in base
                for o in predicted[name].manifests
            )
        }
        for _ in range(rounds):
            samples["empty program up"].append(timed(empty.up))
            samples["no-op up"].append(up(DEFAULT))
            for name in CATALOG:
                if name != DEFAULT:
                    switches[name] += [up(name), up(DEFAULT)]
            for name, label in (("all-v1", "kubectl routes"), ("mirroring", "kubectl namespace")):
                extra = [o for o in predicted[name].manifests if (o["kind"], o["metadata"]["name"]) not in base]
                document = yaml.safe_dump_all(sorted(extra, key=lambda o: o["kind"] != "Namespace"))
                samples[label].append(timed(functools.partial(kubectl_round_trip, kube, document)) / 2)
    for name, values in switches.items():
        samples["namespace switch" if name in namespaced else "route switch"] += values
    samples["any switch"] = [value for values in switches.values() for value in values]
    for label, values in samples.items():
        print(median_line(label, values))
    for name, values in switches.items():
        print("  " + median_line(name, values))
    medians = {label: statistics.median(values) for label, values in samples.items()}
    noop = medians["no-op up"]
    print(f"no-op up: {noop / medians['empty program up']:.1f} x the engine's floor")
    for switch, kubectl in (("route switch", "kubectl routes"), ("namespace switch", "kubectl namespace")):
        print(
            f"{switch}: {medians[switch] / noop:.1f} x a no-op up, {medians[switch] / medians[kubectl]:.1f} x kubectl"
        )
    print(f"any switch (median over the catalog): {medians['any switch'] / noop:.1f} x a no-op up")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
