"""Istio's multi-primary mesh on one network over two clusters (docs/multicluster.md): the names each istiod is
given, where the applications' versions run, and the remote secrets through which each istiod watches the other
cluster's API server."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from model.workloads import AppSet

MESH_ID = "istio-demo"
# Both clusters' pods reach each other directly (one VPC on GKE), so the mesh has one network.
NETWORK = "network1"
# The ServiceAccount the base chart installs (global.enableReaderRBAC, on by default) with read access to what an
# istiod watches in a remote cluster; its token is what the other cluster's remote secret carries.
READER_SERVICE_ACCOUNT = "istio-reader-service-account"
# What makes istiod read a Secret as a remote cluster's kubeconfig (Istio's multicluster secret controller).
REMOTE_SECRET_LABEL = {"istio/multiCluster": "true"}
CLUSTER_ANNOTATION = "networking.istio.io/cluster"


@dataclass(frozen=True)
class MeshCluster:
    """One cluster of the mesh as Istio knows it: its position (1 or 2), and the name its istiod gives it."""

    index: int

    @property
    def name(self) -> str:
        return f"cluster{self.index}"

    @property
    def suffix(self) -> str:
        """What the names of this cluster's resources end with: nothing for the first, so that a stack that grows a
        second cluster keeps every resource of its first."""
        return "" if self.index == 1 else f"-{self.index}"

    def istiod_values(self) -> dict[str, Any]:
        """istiod's chart values that join this cluster to the mesh (istio-discovery's global.meshID,
        global.multiCluster.clusterName and global.network)."""
        return {"global": {"meshID": MESH_ID, "multiCluster": {"clusterName": self.name}, "network": NETWORK}}


def mesh_clusters(count: int) -> tuple[MeshCluster, ...]:
    return tuple(MeshCluster(index) for index in range(1, count + 1))


def split(apps: AppSet, cluster: MeshCluster, clusters: int) -> AppSet:
    """The part of `apps` that runs in `cluster`: with two clusters, the newest version of each app that has several
    (reviews v3, httpbin v2, tcp-echo v2) runs in the second cluster only and everything else in the first, so that
    routing to that version crosses the clusters. Services and ServiceAccounts are in both: a client resolves a
    Service's name in its own cluster, and Istio treats a namespace's Service of one name as one service across the
    mesh (namespace sameness)."""
    if clusters == 1:
        return apps
    versions: dict[str, list[str]] = {}
    for workload in apps.workloads:
        versions.setdefault(workload.app, []).append(workload.version)
    newest = {app: max(found) for app, found in versions.items() if len(found) > 1}
    in_second = tuple(w for w in apps.workloads if newest.get(w.app) == w.version)
    in_first = tuple(w for w in apps.workloads if newest.get(w.app) != w.version)
    return replace(apps, workloads=in_first if cluster.index == 1 else in_second)


def remote_secret_name(cluster: MeshCluster) -> str:
    """As `istioctl create-remote-secret` names it."""
    return f"istio-remote-secret-{cluster.name}"


def remote_kubeconfig(cluster: MeshCluster, server: str, ca_data: str, token: str) -> str:
    """The kubeconfig with which the other cluster's istiod reads `cluster`'s API server: its address and CA (base64
    PEM, as a kubeconfig's certificate-authority-data holds it) and the reader ServiceAccount's token."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster.name, "cluster": {"server": server, "certificate-authority-data": ca_data}}],
            "contexts": [{"name": cluster.name, "context": {"cluster": cluster.name, "user": cluster.name}}],
            "current-context": cluster.name,
            "users": [{"name": cluster.name, "user": {"token": token}}],
        },
        indent=2,
        sort_keys=True,
    )


@dataclass(frozen=True)
class Placement:
    """Which cluster of how many a component's applications are declared in (model.multicluster.split)."""

    cluster: MeshCluster = MeshCluster(1)
    clusters: int = 1

    def of(self, apps: AppSet) -> AppSet:
        return split(apps, self.cluster, self.clusters)


ONE_CLUSTER = Placement()
