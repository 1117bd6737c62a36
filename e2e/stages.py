"""kwok's stages for the run: kwok's own defaults, except that istiod's pod becomes Ready only when the istiod the run
starts beside the cluster serves (the run marks the pod), as a real istiod's readiness probe would have it.

kwokctl uses its defaults only when its configuration holds no Stage at all, so the run gives them all: kwok's
`node/fast` and `node/heartbeat-with-lease` and `pod/fast` stages, read from the kwok module, with pod-ready's
selector narrowed to every pod but istiod's, and two stages of our own for istiod's: Running but not Ready, then
Ready once marked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from e2e import versions
from model.mesh import ISTIO_NAMESPACE
from tools.gomod import module_dir

ISTIOD_SERVING = "istio-demo.e2e/istiod-serving"  # the run's mark on istiod's pod once the local istiod serves
KWOK_STAGES = ("node/fast/node-initialize.yaml", "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml")
POD_STAGES = ("pod/fast/pod-ready.yaml", "pod/fast/pod-complete.yaml", "pod/fast/pod-delete.yaml")
NOT_ISTIOD = {
    "key": '.metadata.namespace + "/" + (.metadata.labels.app // "")',
    "operator": "NotIn",
    "values": [f"{ISTIO_NAMESPACE}/istiod"],
}
ISTIOD = {"key": ".metadata.namespace", "operator": "In", "values": [ISTIO_NAMESPACE]}
NOT_DELETED = {"key": ".metadata.deletionTimestamp", "operator": "DoesNotExist"}
NOT_READY = {
    "key": '.status.conditions.[] | select( .type == "Ready" ) | .status',
    "operator": "NotIn",
    "values": ["True"],
}


def stage(name: str, labels: dict[str, str], annotations: dict[str, str], phase: str, template: str) -> dict[str, Any]:
    selector: dict[str, Any] = {"matchLabels": labels}
    if annotations:
        selector["matchAnnotations"] = annotations
    selector["matchExpressions"] = [
        ISTIOD,
        NOT_DELETED,
        {"key": ".status.phase", "operator": "In", "values": [phase]},
        NOT_READY,
    ]
    return {
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "Stage",
        "metadata": {"name": name},
        "spec": {
            "resourceRef": {"apiGroup": "v1", "kind": "Pod"},
            "selector": selector,
            "next": {"statusTemplate": template},
        },
    }


def containers(ready: bool) -> str:
    """The container statuses of a running pod (kwok replaces the whole list with a stage's)."""
    return (
        "containerStatuses:\n"
        "{{ range .spec.containers }}\n"
        "- image: {{ .image | Quote }}\n"
        "  name: {{ .name | Quote }}\n"
        f"  ready: {str(ready).lower()}\n"
        "  started: true\n"
        "  restartCount: 0\n"
        "  state:\n"
        "    running:\n"
        "      startedAt: {{ $now | Quote }}\n"
        "{{ end }}\n"
    )


def conditions(ready: bool) -> str:
    status = "True" if ready else "False"
    return "".join(
        f'- lastTransitionTime: {{{{ $now | Quote }}}}\n  status: "{status if kind != "Initialized" else "True"}"\n'
        f"  type: {kind}\n"
        for kind in ("Initialized", "Ready", "ContainersReady")
    )


def istiod_stages(pod_ready: dict[str, Any]) -> list[dict[str, Any]]:
    """istiod's pod: placed and Running (addresses and start as kwok's pod-ready gives them), not Ready; then Ready
    once the run has marked it serving."""
    addresses = pod_ready["spec"]["next"]["statusTemplate"].split("initContainerStatuses:")[1]
    addresses = addresses[addresses.index("{{ $hostIPs") :]
    running = "{{ $now := Now }}\nconditions:\n" + conditions(False) + containers(False) + addresses
    ready = "{{ $now := Now }}\nconditions:\n" + conditions(True) + containers(True)
    labels = {"app": "istiod"}
    return [
        stage("istiod-pod-running", labels, {}, "Pending", running),
        stage("istiod-pod-ready", labels, {ISTIOD_SERVING: "true"}, "Running", ready),
    ]


def with_istiod(defaults: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """kwok's default stages with pod-ready narrowed to every pod but istiod's, and istiod's own two."""
    pod_ready = next(s for s in defaults if s["metadata"]["name"] == "pod-ready")
    pod_ready["spec"]["selector"]["matchExpressions"].append(NOT_ISTIOD)
    return [*defaults, *istiod_stages(pod_ready)]


def run_stages() -> list[dict[str, Any]]:
    """Every stage kwok runs in the end-to-end cluster."""
    source = module_dir("sigs.k8s.io/kwok", versions.KWOK) / "kustomize" / "stage"
    return with_istiod([yaml.safe_load((source / Path(file)).read_text()) for file in (*KWOK_STAGES, *POD_STAGES)])
