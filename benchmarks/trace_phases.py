"""One CLI command's phases from its OpenTelemetry trace (`--otel-traces file://PATH`, OTLP JSON, one export per
line): how long the command took and how long it spent in each of the CLI's own spans that make up an evaluation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The CLI's spans that make up one evaluation under the language host, in the order they run.
PHASES = (
    "time-to-first-print",
    "pulumirpc.LanguageRuntime/About",
    "pulumirpc.LanguageRuntime/GetRequiredPackages",
    "installPlugin",
    "run-program",
)
COMMAND = "pulumi"  # the span of the whole command


def cli_spans(exports: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
    """(name, start, end) in nanoseconds of every span the CLI itself reported."""
    found = []
    for export in exports:
        for resource in export["resourceSpans"]:
            service = {a["key"]: a["value"].get("stringValue") for a in resource["resource"]["attributes"]}
            if service.get("service.name") != "pulumi-cli":
                continue
            for scope in resource["scopeSpans"]:
                found += [(s["name"], int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"])) for s in scope["spans"]]
    return found


def phases(exports: list[dict[str, Any]]) -> dict[str, Any]:
    """The command's seconds and, per phase of PHASES it ran, the seconds spent in it (summed over its spans)."""
    spans = cli_spans(exports)
    command = [(start, end) for name, start, end in spans if name == COMMAND]
    if not command:
        raise ValueError(f"the trace has no `{COMMAND}` span")
    start, end = command[0]
    spent = {phase: sum(e - s for name, s, e in spans if name == phase) / 1e9 for phase in PHASES}
    return {"seconds": round((end - start) / 1e9, 2), **{k: round(v, 2) for k, v in spent.items() if v}}


def read_trace(path: Path) -> dict[str, Any]:
    return phases([json.loads(line) for line in path.read_text().splitlines() if line.strip()])
