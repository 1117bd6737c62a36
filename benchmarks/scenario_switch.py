"""What a scenario switch costs under the real engine, against a no-op `up` and against kubectl.

    venv/bin/python -m benchmarks.scenario_switch [--rounds N]     # after `make e2e-tools`

On the end-to-end run's local control plane (e2e/cluster.py), with the stack up at round-robin: N rounds of an
`up` of a program that declares nothing (the engine's floor), a no-op `up`, a route-only switch (round-robin -> all-v1 -> round-robin), a switch that adds and removes a
sample namespace (round-robin -> mirroring -> round-robin), and `kubectl apply` then `kubectl delete --wait`
of the same objects as each switch. Prints the medians and the ratios. Not a test: it measures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import ExitStack
from typing import Callable

import pulumi
import yaml

from components.program import program
from e2e import charts, cluster as control_plane
from e2e.engine import Engine
from e2e.run import BASE, BUILD, ISTIO_VERSION, config_of, predictions


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scenario_switch")
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args(argv).rounds
    with ExitStack() as stack:
        repository = BUILD / "bench-charts"
        charts.write_repository(repository, ISTIO_VERSION)
        server = stack.enter_context(charts.ChartServer(repository))
        kube = control_plane.start()
        stack.callback(control_plane.stop, kube)
        target = (*BASE, f"kubeContext={kube.context}", f"kubeconfig={kube.kubeconfig}", f"chartMirror={server.url}")
        configs = {name: (*target, f"scenario={name}") for name in ("round-robin", "all-v1", "mirroring")}
        predicted = predictions(configs)
        engine = Engine(BUILD / "bench-engine", program)
        stack.callback(engine.destroy)

        def up(name: str) -> None:
            engine.configure(config_of(configs[name]))
            engine.up()

        # The engine's floor: a no-op `up` of a program that declares one component and nothing else.
        empty = Engine(BUILD / "bench-empty", lambda: pulumi.ComponentResource("istio-demo:bench:Empty", "empty"))
        empty.up()
        up("round-robin")
        base = {(o["kind"], o["metadata"]["name"]) for o in predicted["round-robin"].manifests}
        samples: dict[str, list[float]] = {"empty program up": [], "no-op up": [], "route switch": [], "namespace switch": [],
                                           "kubectl routes": [], "kubectl namespace": []}
        for _ in range(rounds):
            samples["empty program up"].append(timed(empty.up))
            samples["no-op up"].append(timed(lambda: up("round-robin")))
            for name, label in (("all-v1", "route switch"), ("mirroring", "namespace switch")):
                samples[label].append(timed(lambda: (up(name), up("round-robin"))) / 2)
            for name, label in (("all-v1", "kubectl routes"), ("mirroring", "kubectl namespace")):
                extra = [o for o in predicted[name].manifests if (o["kind"], o["metadata"]["name"]) not in base]
                document = yaml.safe_dump_all(sorted(extra, key=lambda o: o["kind"] != "Namespace"))
                samples[label].append(timed(lambda: (
                    kube.kubectl("apply", "--server-side", "-f", "-", stdin=document),
                    kube.kubectl("delete", "--wait", "--ignore-not-found", "-f", "-", stdin=document, timeout=300),
                )) / 2)
    medians = {label: statistics.median(values) for label, values in samples.items()}
    for label, median in medians.items():
        print(f"{label:<18} median {median:6.2f} s  ({', '.join(f'{v:.2f}' for v in samples[label])})")
    noop = medians["no-op up"]
    for switch, kubectl in (("route switch", "kubectl routes"), ("namespace switch", "kubectl namespace")):
        print(f"{switch}: {medians[switch] / noop:.1f} x a no-op up, {medians[switch] / medians[kubectl]:.1f} x kubectl")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
