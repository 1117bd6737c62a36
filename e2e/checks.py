"""What the end-to-end run checks in the API server after each operation, and what the offline preview predicts."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from e2e.cluster import Cluster
from tools.preview.offline import SECRET
from tools.preview.rendering import Rendering

# Fields the API server or its controllers fill in, never sent by the program.
SERVER_FIELDS = ("status",)
QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
SCALE = {
    None: Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
}


def quantity(text: str) -> Decimal | None:
    """A Kubernetes quantity's value (the API server writes 1024Mi back as 1Gi), or None if `text` is not one."""
    match = QUANTITY.match(text)
    return Decimal(match.group(1)) * SCALE[match.group(2)] if match else None


def differences(sent: Any, live: Any, path: str = "") -> list[str]:
    """Where `live` does not hold what was `sent` (extra live fields are the server's and allowed)."""
    if isinstance(sent, dict):
        if not isinstance(live, dict):
            return [f"{path}: expected an object, found {live!r}"]
        problems: list[str] = []
        for key, value in sent.items():
            if value is None:
                continue
            if key not in live:
                problems.append(f"{path}.{key}: missing")
            else:
                problems += differences(value, live[key], f"{path}.{key}")
        return problems
    if isinstance(sent, list):
        if not isinstance(live, list) or len(live) != len(sent):
            return [f"{path}: expected {len(sent)} items, found {live!r}"]
        return [
            problem for index, item in enumerate(sent) for problem in differences(item, live[index], f"{path}[{index}]")
        ]
    if sent in (live, SECRET):
        return []
    if (
        isinstance(sent, str)
        and isinstance(live, str)
        and quantity(sent) is not None
        and quantity(sent) == quantity(live)
    ):
        return []
    return [f"{path}: sent {sent!r}, found {live!r}"]


def identity(obj: dict[str, Any]) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def live_objects(cluster: Cluster, manifests: Iterable[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The live counterpart of every kind the manifests hold, by (kind, namespace, name)."""
    kinds = sorted(
        {
            f"{obj['kind'].lower()}.{obj['apiVersion'].split('/')[0]}"
            if "/" in obj["apiVersion"]
            else obj["kind"].lower()
            for obj in manifests
        }
    )
    items = cluster.get_json(",".join(kinds), "--all-namespaces")["items"]
    return {identity(obj): obj for obj in items}


def as_stored(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as the API server stores what was sent: a Secret's write-only `stringData` merged into `data`,
    base64-encoded (a value the preview only knows as secret stays a placeholder)."""
    if obj.get("kind") != "Secret" or "stringData" not in obj:
        return obj
    encoded = {
        key: value if value == SECRET else base64.b64encode(str(value).encode()).decode()
        for key, value in obj["stringData"].items()
    }
    stored = {field: value for field, value in obj.items() if field != "stringData"}
    return {**stored, "data": {**obj.get("data", {}), **encoded}}


def compare_with_cluster(cluster: Cluster, rendering: Rendering) -> list[str]:
    """Every object of the offline preview exists in the API server with the spec the program sent."""
    live = live_objects(cluster, rendering.objects)
    problems = []
    for obj in rendering.objects:
        key = identity(obj)
        if key not in live:
            problems.append(f"{'/'.join(key)}: not in the API server")
            continue
        sent = {field: value for field, value in as_stored(obj).items() if field not in SERVER_FIELDS}
        problems += [f"{'/'.join(key)}{problem}" for problem in differences(sent, live[key])]
    return problems


# Kinds the stack retains on delete (the Gateway API's CRDs, as Helm keeps Istio's): removed from the stack, kept.
RETAINED_KINDS = ("CustomResourceDefinition",)


def retained(cluster: Cluster, manifests: Iterable[dict[str, Any]]) -> list[str]:
    """Objects of retained kinds that the API server no longer has."""
    kept = [obj for obj in manifests if obj["kind"] in RETAINED_KINDS]
    live = live_objects(cluster, kept) if kept else {}
    return [
        f"{'/'.join(identity(obj))}: deleted, though retained on delete" for obj in kept if identity(obj) not in live
    ]


def absent(cluster: Cluster, gone: Iterable[dict[str, Any]]) -> list[str]:
    """Objects that should no longer exist but do (objects of retained kinds are left alone)."""
    gone = [obj for obj in gone if obj["kind"] not in RETAINED_KINDS]
    if not gone:
        return []
    live = live_objects(cluster, gone)
    return [f"{'/'.join(identity(obj))}: still in the API server" for obj in gone if identity(obj) in live]


def unavailable_deployments(cluster: Cluster, rendering: Rendering) -> list[str]:
    """Deployments of the preview whose replicas are not all available."""
    deployments = [identity(obj) for obj in rendering.manifests if obj["kind"] == "Deployment"]
    live = live_objects(cluster, [obj for obj in rendering.manifests if obj["kind"] == "Deployment"])
    problems = []
    for key in deployments:
        deployment = live.get(key, {"spec": {}})
        wanted = deployment["spec"].get("replicas", 1)
        available = deployment.get("status", {}).get("availableReplicas", 0)
        if available != wanted:
            problems.append(f"{'/'.join(key)}: {available} of {wanted} replicas available")
    return problems


def services_without_endpoints(cluster: Cluster, rendering: Rendering) -> list[str]:
    """Services of the preview with a selector but no ready endpoint in their EndpointSlices: what the provider's
    Service await showed before the program skipped it (components/declare.py, SKIP_SERVICE_AWAIT)."""
    ready: set[tuple[str, str]] = set()
    for endpoint_slice in cluster.get_json("endpointslices", "--all-namespaces")["items"]:
        metadata = endpoint_slice["metadata"]
        service = metadata.get("labels", {}).get("kubernetes.io/service-name")
        if any(e.get("conditions", {}).get("ready") for e in endpoint_slice.get("endpoints") or []):
            ready.add((metadata["namespace"], service))
    return [
        f"Service {obj['metadata']['namespace']}/{obj['metadata']['name']}: no ready endpoint"
        for obj in rendering.manifests
        if obj["kind"] == "Service"
        and obj["spec"].get("selector")
        and (obj["metadata"]["namespace"], obj["metadata"]["name"]) not in ready
    ]


def node_agents_missing(cluster: Cluster, rendering: Rendering) -> list[str]:
    """Under ambient, the istio-cni and ztunnel DaemonSets have a ready pod on every node."""
    charts = {r["inputs"]["chart"] for r in rendering.plan["resources"] if r["type"] == "kubernetes:helm.sh/v3:Release"}
    if "ztunnel" not in charts:
        return []
    nodes = len(cluster.get_json("nodes")["items"])
    daemonsets = {d["metadata"]["name"]: d for d in cluster.get_json("daemonsets", "-n", "istio-system")["items"]}
    problems = []
    for name in ("istio-cni-node", "ztunnel"):
        status = daemonsets.get(name, {}).get("status", {})
        if status.get("numberReady") != nodes:
            problems.append(f"DaemonSet istio-system/{name}: {status.get('numberReady', 0)} of {nodes} nodes ready")
    return problems


def helm_releases(cluster: Cluster) -> dict[str, str]:
    """Release name -> status of the newest revision Helm keeps (its release Secrets)."""
    secrets = cluster.get_json("secrets", "--all-namespaces", "-l", "owner=helm")["items"]
    newest: dict[str, tuple[int, str]] = {}
    for secret in secrets:
        labels = secret["metadata"]["labels"]
        revision = int(labels.get("version", "0"))
        if revision >= newest.get(labels["name"], (-1, ""))[0]:
            newest[labels["name"]] = (revision, labels.get("status", ""))
    return {name: status for name, (_, status) in newest.items()}


def undeployed_releases(cluster: Cluster, rendering: Rendering) -> list[str]:
    expected = [
        r["inputs"]["name"] for r in rendering.plan["resources"] if r["type"] == "kubernetes:helm.sh/v3:Release"
    ]
    releases = helm_releases(cluster)
    return [
        f"helm release {name}: {releases.get(name, 'missing')}" for name in expected if releases.get(name) != "deployed"
    ]


def expected_changes(before: Rendering, after: Rendering) -> dict[str, set[str]]:
    """What the offline previews of two configurations say an `up` from one to the other changes, by URN."""
    old = {r["urn"]: r["inputs"] for r in before.plan["resources"] if not r.get("read")}
    new = {r["urn"]: r["inputs"] for r in after.plan["resources"] if not r.get("read")}
    return {
        "create": set(new) - set(old),
        "delete": set(old) - set(new),
        "change": {urn for urn in set(old) & set(new) if old[urn] != new[urn]},
    }
