"""The user's path: two of the switches through the CLI and Pulumi's Python language host, `pulumi up --yes` with its
preview as the README runs it, on the kind stack pointed at the benchmark's cluster (e2e/readme.py's shell)."""

from __future__ import annotations

import functools
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.switch_report import median, timed
from benchmarks.trace_phases import read_trace
from e2e import readme

UP = "pulumi up --yes"
# One route switch and one sample-workload switch, to and back: the README's own example and the one with most objects.
SWITCHES = ("user-routing", "mirroring")
# The commands whose phases the CLI's trace shows, once each, on the stack as it stands (no change).
PROFILED = {"preview": "pulumi preview", "noop_up": UP}


def profile(shell: readme.Shell, command: str, trace: Path) -> dict[str, Any]:
    """`command` run once with the CLI's OpenTelemetry trace written to `trace`, and the phases the trace shows."""
    trace.unlink(missing_ok=True)
    shell.run(f"{command} --otel-traces file://{trace}")
    return read_trace(trace)


def cli_timings(work: Path, target: tuple[str, ...], default: str, rounds: int) -> dict[str, Any]:
    """Medians of a no-op `pulumi up --yes` (and with `--skip-preview`) and of each switch of SWITCHES both ways; the
    first `up` (Pulumi.yaml's runtime makes venv/ in it) is timed once; then the phases of one preview and one no-op
    `up` (trace_phases). The stack is destroyed at the end."""
    shell = readme.Shell(work / "project", work / "state")
    readme.project_copy(shell.project)
    shell.run("pulumi stack init kind")
    readme.point_at_run(shell, target)
    shell.config_set("scenario", default)
    samples: dict[str, list[float]] = defaultdict(list)
    switches: dict[tuple[str, str], list[float]] = defaultdict(list)
    try:
        first = timed(functools.partial(shell.run, UP))
        for _ in range(rounds):
            samples["noop_up"].append(timed(functools.partial(shell.run, UP)))
            samples["noop_up_skip_preview"].append(timed(functools.partial(shell.run, f"{UP} --skip-preview")))
            for name in SWITCHES:
                for before, after in ((default, name), (name, default)):
                    shell.config_set("scenario", after)
                    switches[before, after].append(timed(functools.partial(shell.run, UP)))
        traced = {name: profile(shell, command, work / f"{name}.trace.json") for name, command in PROFILED.items()}
    finally:
        shell.run("pulumi destroy --yes && pulumi stack rm --yes kind")
    return {
        "first_up_with_venv": round(first, 2),
        **{label: median(values) for label, values in samples.items()},
        "switches": [{"from": b, "to": a, "up": median(values)} for (b, a), values in switches.items()],
        "profile": traced,
    }
