"""Median wall time of rendering the default stack against that of only importing Pulumi and its providers.

Each sample is a fresh interpreter, so both sides pay the same start-up. Goal: a ratio of 3x or less.
The providers load their resource modules lazily, so a bare import costs little; the second baseline also
imports the modules the program uses, to show how much of a render is loading code rather than running it.
Usage: python benchmarks/render_vs_import.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE_IMPORT = "import pulumi, pulumi_gcp, pulumi_kubernetes"
MODULES_USED = (
    "import pulumi, pulumi_gcp, pulumi_kubernetes, pulumi_random;"
    "pulumi_gcp.container.Cluster; pulumi_gcp.serviceaccount.Account; pulumi_gcp.projects.IAMMember;"
    "pulumi_gcp.organizations.get_client_config_output; pulumi_random.RandomPassword;"
    "pulumi_kubernetes.core.v1.Service; pulumi_kubernetes.apps.v1.Deployment;"
    "pulumi_kubernetes.helm.v3.Release; pulumi_kubernetes.apiextensions.CustomResource"
)


def median_seconds(command: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as out:
        imports = median_seconds([sys.executable, "-c", BARE_IMPORT], runs)
        modules = median_seconds([sys.executable, "-c", MODULES_USED], runs)
        render = median_seconds([sys.executable, "-m", "tools.render", "--out", out], runs)
    print(f"import pulumi + providers:         {imports:.3f}s (median of {runs})")
    print(f"  ... + the resource modules used: {modules:.3f}s")
    print(f"render default stack:              {render:.3f}s")
    print(f"ratio: {render / imports:.2f}x (goal <= 3x); against the modules used: {render / modules:.2f}x")


if __name__ == "__main__":
    main()
