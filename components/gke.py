"""The GKE cluster, its node pool, a kubeconfig and the Kubernetes provider every Kubernetes resource uses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.settings import ClusterSettings

NODE_OAUTH_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


@dataclass(frozen=True)
class GkeClusterArgs:
    settings: ClusterSettings


def kubeconfig_for(endpoint: str, ca_certificate: str, context: str) -> str:
    """A kubeconfig that authenticates with `gke-gcloud-auth-plugin`, so it holds no credentials."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": context,
                    "cluster": {"server": f"https://{endpoint}", "certificate-authority-data": ca_certificate},
                }
            ],
            "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
            "current-context": context,
            "users": [
                {
                    "name": context,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "gke-gcloud-auth-plugin",
                            "installHint": "Install gke-gcloud-auth-plugin: "
                            "gcloud components install gke-gcloud-auth-plugin",
                            "provideClusterInfo": True,
                        }
                    },
                }
            ],
        },
        indent=2,
        sort_keys=True,
    )


class GkeCluster(pulumi.ComponentResource):
    """A zonal GKE cluster without its default pool, one managed node pool, and a provider bound to them."""

    cluster: gcp.container.Cluster
    node_pool: gcp.container.NodePool
    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider

    def __init__(self, name: str, args: GkeClusterArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("istio-demo:gke:GkeCluster", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)

        self.cluster = gcp.container.Cluster(
            name,
            gcp.container.ClusterArgs(
                name=settings.name,
                project=settings.project,
                location=settings.zone,
                remove_default_node_pool=True,
                initial_node_count=1,
                release_channel=gcp.container.ClusterReleaseChannelArgs(channel=settings.release_channel),
                deletion_protection=settings.deletion_protection,
            ),
            child,
        )

        self.node_pool = gcp.container.NodePool(
            f"{name}-nodes",
            gcp.container.NodePoolArgs(
                name=f"{settings.name}-nodes",
                project=settings.project,
                location=settings.zone,
                cluster=self.cluster.name,
                node_count=settings.node_count,
                node_config=gcp.container.NodePoolNodeConfigArgs(
                    machine_type=settings.machine_type,
                    spot=settings.spot_nodes,
                    oauth_scopes=NODE_OAUTH_SCOPES,
                ),
                management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            ),
            child,
        )

        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(
                self.cluster.project,
                self.cluster.location,
                self.cluster.name,
                self.cluster.endpoint,
                self.cluster.master_auth.cluster_ca_certificate,
            ).apply(
                lambda values: kubeconfig_for(
                    endpoint=values[3],
                    ca_certificate=values[4],
                    context=f"gke_{values[0]}_{values[1]}_{values[2]}",
                )
            )
        )

        self.provider = k8s.Provider(
            f"{name}-k8s",
            k8s.ProviderArgs(kubeconfig=self.kubeconfig, cluster_identifier=self.cluster.id),
            pulumi.ResourceOptions(parent=self, depends_on=[self.node_pool]),
        )

        self.register_outputs(
            {"clusterName": self.cluster.name, "endpoint": self.cluster.endpoint, "kubeconfig": self.kubeconfig}
        )
