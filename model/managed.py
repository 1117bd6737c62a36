"""Cloud Service Mesh, Google's managed Istio control plane (`mesh=managed`): the fleet objects that enable it,
what it runs in the cluster, and the settings it does not support (docs/managed-mesh.md gives the sources)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from model.config import ConfigError
from model.workloads import Scheduled

# The fleet feature that provisions the control plane, and how Google manages it (gcloud's `--management automatic`).
SERVICE_MESH_FEATURE = "servicemesh"
FEATURE_LOCATION = "global"
AUTOMATIC_MANAGEMENT = "MANAGEMENT_AUTOMATIC"
# Where the managed control plane injects: namespaces with Istio's default injection label.
INJECTION_LABELS = {"istio-injection": "enabled"}
# What the managed mesh itself runs in kube-system ("Provision a managed Cloud Service Mesh control plane on GKE",
# requirements): the managed data plane controller, and Istio's CNI plugin on every node.
MDP_CONTROLLER = Scheduled("mdp-controller", cpu="50m", memory="128Mi")
ISTIO_CNI_NODE = Scheduled("istio-cni-node", cpu="100m", memory="100Mi")


def in_cluster_components(node_count: int) -> list[Scheduled]:
    """The managed mesh's own pods on a cluster of `node_count` nodes (its control plane runs at Google)."""
    return [MDP_CONTROLLER, Scheduled(ISTIO_CNI_NODE.name, ISTIO_CNI_NODE.cpu, ISTIO_CNI_NODE.memory, node_count)]


@dataclass(frozen=True)
class Unsupported:
    """A setting the managed mesh refuses: its key, the value that does not fit, and why."""

    key: str
    value: str
    why: str
    allowed: str


# Each checked against the value the stack was given, in this order, before anything is declared.
UNSUPPORTED = (
    Unsupported(
        "routingApi",
        "gateway-api",
        "the managed control plane with Istio's APIs does not support the Kubernetes Gateway API",
        "allowed with mesh=managed: routingApi=istio",
    ),
    Unsupported(
        "dataplane",
        "ambient",
        "the managed control plane serves sidecars; Google's sidecarless mesh is GKE's ambient networking, another"
        " product",
        "allowed with mesh=managed: dataplane=sidecar",
    ),
    Unsupported(
        "jaeger",
        "true",
        "its traces go to the mesh config's `jaeger` extension provider, which the stack sets through istiod's chart,"
        " and the managed mesh installs no istiod",
        "allowed with mesh=managed: jaeger=false",
    ),
    Unsupported(
        "authorization",
        "true",
        "its policies name principals in Istio's trust domain cluster.local, and the managed mesh's identities are in"
        " the project's workload pool (PROJECT_ID.svc.id.goog)",
        "allowed with mesh=managed: authorization=false",
    ),
)


def addon_warnings(grafana: bool, kiali: bool) -> tuple[str, ...]:
    """What the add-ons cannot see of a control plane that runs at Google."""
    warnings = []
    if grafana:
        warnings.append(
            "grafana: with mesh=managed no istiod runs in the cluster, so its istio-control-plane dashboard stays empty"
        )
    if kiali:
        warnings.append(
            "kiali: with mesh=managed no istiod runs in the cluster; Kiali's control-plane views report it missing"
        )
    return tuple(warnings)


# Helm releases the managed mesh replaces: `helmValues` for them would go nowhere.
REPLACED_RELEASES = ("istio-base", "istiod", "istio-cni", "ztunnel")


def refuse_unsupported(values: Mapping[str, str], given: Iterable[str], releases: Iterable[str]) -> None:
    """Raises a ConfigError for the first setting of `values` (key -> value as configured) the managed mesh does not
    support, or for `helmValues` `given` to a release it replaces (`releases`: every release the stack knows)."""
    for entry in UNSUPPORTED:
        if values.get(entry.key) == entry.value:
            raise ConfigError(entry.key, f"{entry.value} does not fit mesh=managed: {entry.why}", entry.allowed)
    replaced = [release for release in given if release in REPLACED_RELEASES]
    if replaced:
        kept = ", ".join(release for release in releases if release not in REPLACED_RELEASES)
        raise ConfigError(
            "helmValues",
            f"no release {replaced[0]!r} with mesh=managed, where Google runs the control plane",
            f"allowed with mesh=managed: an object of release name ({kept}) to an object of Helm values",
        )
