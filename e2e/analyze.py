"""Istio's own analyzers over the stack: the offline preview's manifests, and the live API server after each `up`."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from e2e.cluster import Cluster
from e2e.toolchain import TOOLS

# Messages the live analysis expects, each with its reason (docs/end-to-end.md): (code, origin pattern, why).
# Offline, every Error and Warning fails the run; live, these alone are explained.
# With the run's istiod injecting every meshed pod, only upstream's own routing is reported on the sidecar data plane.
EXPECTED_LIVE = (
    (
        "IST0140",
        re.compile(r"^VirtualService bookinfo/bookinfo$"),
        "upstream's own routing: the mesh VirtualService productpage names subset v1, which the ingress gateway's "
        "VirtualService bookinfo (upstream's bookinfo-gateway.yaml) does not apply; productpage has only v1",
    ),
)


# Under ambient, also (docs/ambient.md): the analyzer counts a pod in the ambient mesh by the annotation
# `ambient.istio.io/redirection: enabled`, which istio-cni's node agent writes when it captures the pod; istiod runs
# in the run but no node agent does (no container runs), so none is captured and every AuthorizationPolicy of
# Bookinfo is reported as matching no workload.
EXPECTED_LIVE_AMBIENT = (
    *EXPECTED_LIVE,
    (
        "IST0127",
        re.compile(r"^AuthorizationPolicy bookinfo/"),
        "no pod is captured by istio-cni (no container runs here), so the analyzer sees no pod in the ambient mesh",
    ),
)


def istioctl(*args: str) -> list[dict[str, Any]]:
    """The analyzer's messages (`-o json`); the exit status only says whether any reached the failure threshold."""
    result = subprocess.run(
        [str(TOOLS["istio"].path("istioctl")), "analyze", "-A", "-o", "json", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout.strip()
    if not output.startswith("["):
        raise RuntimeError(f"istioctl analyze {' '.join(args)} printed no messages: {result.stderr.strip()[-1000:]}")
    messages: list[dict[str, Any]] = json.loads(output)
    return messages


def unexpected(messages: list[dict[str, Any]], expected: tuple[tuple[str, re.Pattern[str], str], ...]) -> list[str]:
    """Errors and warnings other than the `expected` ones."""
    return [
        f"{message['code']} {message['level']} ({message.get('origin', '')}): {message['message']}"
        for message in messages
        if message["level"] in ("Error", "Warning")
        and not any(code == message["code"] and origin.match(message.get("origin", "")) for code, origin, _ in expected)
    ]


def offline(manifests: list[Path]) -> list[str]:
    """`istioctl analyze -A --use-kube=false` over each file on its own: no error and no unexplained warning."""
    problems = []
    for path in manifests:
        problems += [f"{path.parent.name}: {line}" for line in unexpected(istioctl("--use-kube=false", str(path)), ())]
    return problems


def live(cluster: Cluster, ambient: bool = False) -> list[str]:
    """`istioctl analyze -A` against the API server, where the charts' objects are present too."""
    messages = istioctl("--kubeconfig", str(cluster.kubeconfig), "--context", cluster.context)
    return [f"live: {line}" for line in unexpected(messages, EXPECTED_LIVE_AMBIENT if ambient else EXPECTED_LIVE)]


SEEDED = [
    {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "reviews", "namespace": "bookinfo"},
        "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviews", "subset": "v9"}}]}]},
    },
    {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": "reviews", "namespace": "bookinfo"},
        "spec": {"host": "reviews", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]},
    },
]


def seeded_mistake_is_reported() -> list[str]:
    """A route to a subset no DestinationRule defines must come back as IST0101, or the analyzer proves nothing."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "seeded.yaml"
        path.write_text(yaml.safe_dump_all(SEEDED))
        codes = {message["code"] for message in istioctl("--use-kube=false", str(path))}
    return (
        []
        if "IST0101" in codes
        else [f"the seeded route to subset v9 was not reported as IST0101 (got {sorted(codes)})"]
    )
