"""The switch benchmark's arithmetic: what kubectl must do for a switch, the critical path of an `up`, the medians
and the document `build/benchmarks/switch.json` holds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

STACK = "::pulumi:pulumi:Stack::"  # in the stack's own URN
Key = tuple[str, str, str]  # kind, namespace ("" if none), name


def key(obj: Mapping[str, Any]) -> Key:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


@dataclass(frozen=True)
class KubectlSwitch:
    """The objects `kubectl apply --server-side` writes (new or changed, namespaces first) and the ones
    `kubectl delete --wait` removes, to take a cluster from one scenario's objects to another's."""

    apply: list[dict[str, Any]]
    delete: list[dict[str, Any]]

    def deployments(self) -> dict[str, list[str]]:
        """The applied Deployments by namespace: what `kubectl wait --for=condition=Available` waits for."""
        found: dict[str, list[str]] = {}
        for obj in self.apply:
            if obj["kind"] == "Deployment":
                found.setdefault(obj["metadata"]["namespace"], []).append(obj["metadata"]["name"])
        return found


def kubectl_switch(before: Iterable[dict[str, Any]], after: Iterable[dict[str, Any]]) -> KubectlSwitch:
    had = {key(obj): obj for obj in before}
    has = {key(obj): obj for obj in after}
    written = [obj for name, obj in has.items() if had.get(name) != obj]
    return KubectlSwitch(
        apply=sorted(written, key=lambda obj: obj["kind"] != "Namespace"),
        delete=[obj for name, obj in had.items() if name not in has],
    )


@dataclass(frozen=True)
class Span:
    start: float
    end: float


def critical_path(spans: Mapping[str, Span], dependencies: Mapping[str, Iterable[str]]) -> list[str]:
    """The chain that ends the `up`: from the resource that finished last, back through the dependency of each that
    finished last, to one that waited for nothing. URNs, first to last; the stack itself, which finishes last and
    waits for nothing, is no step of it."""
    steps = [urn for urn in spans if STACK not in urn]
    if not steps:
        return []
    path = [max(steps, key=lambda urn: spans[urn].end)]
    while True:
        waited = [urn for urn in dependencies.get(path[-1], ()) if urn in spans]
        if not waited:
            return path[::-1]
        path.append(max(waited, key=lambda urn: spans[urn].end))


def path_rows(path: list[str], spans: Mapping[str, Span], origin: float) -> list[dict[str, Any]]:
    """Each resource of a critical path: when it started and finished (seconds into the `up`), and how long it
    started after the one before it finished (a wait that is no dependency of the program's)."""
    rows = []
    for index, urn in enumerate(path):
        span = spans[urn]
        previous = spans[path[index - 1]].end if index else origin
        rows.append(
            {
                "resource": urn.rsplit("::", 1)[-1],
                "type": urn.split("::")[-2].rsplit("$", 1)[-1],
                "start": round(span.start - origin, 2),
                "end": round(span.end - origin, 2),
                "gap": round(max(span.start - previous, 0.0), 2),
            }
        )
    return rows


def timed(action: Callable[[], object]) -> float:
    """The seconds `action` takes."""
    started = time.monotonic()
    action()
    return time.monotonic() - started


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def switch_rows(
    ups: Mapping[tuple[str, str], list[float]],
    kubectl: Mapping[tuple[str, str], list[float]],
    with_samples: set[str],
) -> list[dict[str, Any]]:
    """One row per timed switch, both directions, with the medians of its `up`s and of kubectl's same change;
    `namespace` says whether it adds or removes the sample workloads of a scenario in their own namespace."""
    return [
        {
            "from": before,
            "to": after,
            "namespace": bool({before, after} & with_samples),
            "up": median(values),
            "kubectl": median(kubectl[before, after]),
        }
        for (before, after), values in ups.items()
    ]


def ratio_lines(document: Mapping[str, Any]) -> list[str]:
    """What the benchmark prints: each switch against a no-op `up` and against kubectl, then the summary."""
    noop = document["noop_up"]
    lines = [f"engine's floor {document['floor_up']:.2f} s, no-op up {noop:.2f} s"]
    for row in document["switches"]:
        kind = "samples" if row["namespace"] else "routes"
        lines.append(
            f"  {row['from']:>20} -> {row['to']:<20} {kind:<9} up {row['up']:6.2f} s  "
            f"{row['up'] / noop:4.1f} x no-op  kubectl {row['kubectl']:5.2f} s  "
            f"{row['up'] / max(row['kubectl'], 0.01):5.1f} x kubectl"
        )
    for label, namespace in (("route switches", False), ("sample-workload switches", True)):
        rows = [row for row in document["switches"] if row["namespace"] == namespace]
        if rows:
            up = statistics.median(row["up"] for row in rows)
            kubectl = statistics.median(row["kubectl"] for row in rows)
            lines.append(
                f"{label}: median up {up:.2f} s, {up / noop:.1f} x no-op, {up / max(kubectl, 0.01):.1f} x kubectl"
            )
    return lines
