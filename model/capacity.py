"""Whether the stack's pods fit the node pool: the sum of requests against GKE's allocatable resources.

Sources of the figures:
- Machine sizes: Compute Engine machine types (n1-standard-1: 1 vCPU, 3.75 GB = 3840 MiB).
- Allocatable: GKE "Standard cluster architecture", node allocatable resources: CPU reserves 6% of
  the first core, 1% of the next, 0.5% of the next two and 0.25% above four; memory reserves 25% of
  the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112 and 2% above 128 GiB,
  plus a 100 MiB hard-eviction threshold. An n1-standard-1 node thus offers 940m CPU and at most
  2780 MiB (nodes have been seen reporting about 2.6 GiB, so the fit test keeps a 10% margin).
- GKE's own pods: see SYSTEM_DAEMONSETS and SYSTEM_PER_CLUSTER below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from model.workloads import Scheduled

# vCPUs and memory (MiB) of the machine types people pick for this demo.
MACHINE_TYPES: dict[str, tuple[int, int]] = {
    "n1-standard-1": (1, 3840),
    "n1-standard-2": (2, 7680),
    "n1-standard-4": (4, 15360),
    "e2-medium": (2, 4096),
    "e2-standard-2": (2, 8192),
    "e2-standard-4": (4, 16384),
}

# Requests of GKE's kube-system pods as `kubectl describe node` shows them on GKE Standard 1.29-1.36,
# taking the higher figure where reports differ (github.com/cryptnono/cryptnono/issues/34,
# kubernetes-sigs/dra-driver-nvidia-gpu/issues/501, camunda/zeebe-chaos 2026-10-08 on GKE 1.36.3).
# Per node, on this stack's cluster (Workload Identity, Dataplane V2):
SYSTEM_DAEMONSETS = (
    Scheduled("fluentbit-gke", cpu="105m", memory="230Mi"),
    Scheduled("gke-metrics-agent", cpu="21m", memory="155Mi"),
    Scheduled("pdcsi-node", cpu="10m", memory="20Mi"),
    Scheduled("gmp-collector", cpu="5m", memory="34Mi"),
    Scheduled("netd", cpu="8m", memory="65Mi"),
    # Workload Identity's metadata server (GKE_METADATA nodes), 100m/100Mi in cryptnono/cryptnono#34.
    Scheduled("gke-metadata-server", cpu="100m", memory="100Mi"),
    # Dataplane V2's agent, which replaces kube-proxy (100m/0). No published request figure was found, so this
    # assumes it asks for at least what kube-proxy did (100m CPU) and adds 100Mi for an agent's memory.
    Scheduled("anetd", cpu="100m", memory="100Mi"),
)
# Per cluster (the same sources), 682m CPU and 781Mi in all:
SYSTEM_PER_CLUSTER = (
    Scheduled("kube-dns", cpu="265m", memory="140Mi", replicas=2),
    Scheduled("kube-dns-autoscaler", cpu="20m", memory="10Mi"),
    # One agent per node on this cluster's size (its autoscaler follows the node count).
    Scheduled("konnectivity-agent", cpu="15m", memory="60Mi", replicas=4),
    Scheduled("konnectivity-agent-autoscaler", cpu="10m", memory="10Mi"),
    # metrics-server 43m/55Mi and its addon-resizer nanny 5m/50Mi, in one pod.
    Scheduled("metrics-server", cpu="48m", memory="105Mi"),
    Scheduled("event-exporter", cpu="3m", memory="100Mi"),
    Scheduled("l7-default-backend", cpu="10m", memory="20Mi"),
    Scheduled("gmp-operator", cpu="1m", memory="16Mi"),
)

# The demo profile's sidecar requests (global.proxy.resources.requests).
SIDECAR = Scheduled("istio-proxy", cpu="10m", memory="40Mi")

_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi)?$")


def millicores(quantity: str) -> int:
    number, unit = _parse(quantity)
    return round(number if unit == "m" else number * 1000)


def mebibytes(quantity: str) -> int:
    number, unit = _parse(quantity)
    scale = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, None: 1 / (1024 * 1024)}[unit]
    return round(number * scale)


def _parse(quantity: str) -> tuple[float, str | None]:
    match = _QUANTITY.match(quantity)
    if not match:
        raise ValueError(f"unsupported quantity {quantity!r}")
    return float(match.group(1)), match.group(2)


def _tiered(total: float, tiers: list[tuple[float, float]]) -> float:
    """Sum of rate x amount over consecutive tiers of (size, rate)."""
    reserved, remaining = 0.0, total
    for size, rate in tiers:
        portion = min(remaining, size)
        reserved += portion * rate
        remaining -= portion
    return reserved


def allocatable(machine_type: str) -> tuple[int, int] | None:
    """GKE's allocatable (millicores, MiB) on one node of `machine_type`, or None if unknown."""
    if machine_type not in MACHINE_TYPES:
        return None
    cpus, memory = MACHINE_TYPES[machine_type]
    cpu_reserved = _tiered(cpus * 1000, [(1000, 0.06), (1000, 0.01), (2000, 0.005), (float("inf"), 0.0025)])
    memory_reserved = _tiered(memory, [(4096, 0.25), (4096, 0.20), (8192, 0.10), (114688, 0.06), (float("inf"), 0.02)])
    return round(cpus * 1000 - cpu_reserved), round(memory - memory_reserved - 100)


def gke_system_pods(node_count: int) -> list[Scheduled]:
    """GKE's own kube-system pods on a cluster of `node_count` nodes."""
    return [*SYSTEM_PER_CLUSTER, *(replace(daemon, replicas=node_count) for daemon in SYSTEM_DAEMONSETS)]


def requested(pods: Iterable[Scheduled], node_count: int | None = None) -> tuple[int, int]:
    """Total (millicores, MiB) requested by `pods` and their sidecars, plus GKE's own pods on `node_count` nodes."""
    everything = [*pods, *(gke_system_pods(node_count) if node_count is not None else [])]
    cpu = memory = 0
    for pod in everything:
        cpu += pod.replicas * (millicores(pod.cpu) + (millicores(SIDECAR.cpu) if pod.sidecar else 0))
        memory += pod.replicas * (mebibytes(pod.memory) + (mebibytes(SIDECAR.memory) if pod.sidecar else 0))
    return cpu, memory


def capacity_report(pods: Iterable[Scheduled], node_count: int, machine_type: str) -> dict[str, Any]:
    """Requested against allocatable for the whole pool, as exported in the `capacity` output."""
    cpu, memory = requested(pods, node_count)
    per_node = allocatable(machine_type)
    report: dict[str, Any] = {"requested": {"cpu": f"{cpu}m", "memory": f"{memory}Mi"}, "machineType": machine_type}
    if per_node is None:
        report["allocatable"] = "unknown for this machine type"
        return report
    total_cpu, total_memory = per_node[0] * node_count, per_node[1] * node_count
    report["allocatable"] = {"cpu": f"{total_cpu}m", "memory": f"{total_memory}Mi"}
    report["fits"] = cpu <= total_cpu and memory <= total_memory
    report["cpuPercent"] = round(100 * cpu / total_cpu)
    report["memoryPercent"] = round(100 * memory / total_memory)
    return report


def existing_cluster_report(pods: Iterable[Scheduled]) -> dict[str, Any]:
    """What the stack requests on a cluster it did not create: its allocatable, and what else runs there, are unknown."""
    cpu, memory = requested(pods)
    return {
        "requested": {"cpu": f"{cpu}m", "memory": f"{memory}Mi"},
        "allocatable": "unknown on an existing cluster (compare with `kubectl describe nodes`)",
    }
