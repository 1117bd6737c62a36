"""What joins the two clusters of the mesh (docs/multicluster.md): the remote secret through which one cluster's
istiod watches the other's API server, and on GKE the firewall rule that lets their pods reach each other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.declare import Children
from model.mesh import ISTIO_NAMESPACE
from model.multicluster import (
    CLUSTER_ANNOTATION,
    REMOTE_SECRET_LABEL,
    MeshCluster,
    remote_kubeconfig,
    remote_secret_name,
)


@dataclass(frozen=True)
class RemoteSecretArgs:
    watched: MeshCluster  # the cluster whose API server the secret reaches
    server: pulumi.Input[str]  # its address, as the watching cluster's pods reach it
    ca_data: pulumi.Input[str]  # its CA, base64 PEM
    token: pulumi.Input[str]  # its reader ServiceAccount's token
    after: pulumi.Resource  # the watching cluster's istio-system namespace


class RemoteSecret(pulumi.ComponentResource):
    """The Secret `istioctl create-remote-secret` would write, declared in the watching cluster (the component is
    given that cluster's provider): labelled for Istio's multicluster secret controller, and holding a kubeconfig of
    the watched cluster under that cluster's name."""

    def __init__(self, name: str, args: RemoteSecretArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:multicluster:RemoteSecret", name, None, opts)
        cluster = args.watched
        kubeconfig: pulumi.Output[str] = pulumi.Output.secret(
            pulumi.Output.all(args.server, args.ca_data, args.token).apply(
                lambda values: remote_kubeconfig(cluster, values[0], values[1], values[2])
            )
        )
        k8s.core.v1.Secret(
            **Children(self, name).child(remote_secret_name(cluster), args.after),
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=remote_secret_name(cluster),
                namespace=ISTIO_NAMESPACE,
                labels=REMOTE_SECRET_LABEL,
                annotations={CLUSTER_ANNOTATION: cluster.name},
            ),
            string_data={cluster.name: kubeconfig},
        )
        self.register_outputs({})


# Every protocol Istio's own GKE multicluster set-up opens between the clusters' pods: the mesh's mTLS over TCP,
# DNS and health checks over UDP, ICMP, and what a CNI may tunnel (ESP, AH, SCTP).
POD_PROTOCOLS = ("tcp", "udp", "icmp", "esp", "ah", "sctp")
NETWORK = "default"  # the VPC both clusters are created in (cluster_args sets none)


@dataclass(frozen=True)
class PodFirewallArgs:
    pod_ranges: Sequence[pulumi.Input[str]]  # each cluster's pod range, as GKE allocated it
    project: str | None  # None: the provider's project


class PodFirewall(pulumi.ComponentResource):
    """An ingress rule of the clusters' network admitting every pod range of the mesh: GKE's own rules admit only a
    cluster's pods to its own nodes, and a sidecar calls the other cluster's pods directly (one network)."""

    def __init__(self, name: str, args: PodFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:multicluster:PodFirewall", name, None, opts)
        gcp.compute.Firewall(
            name,
            gcp.compute.FirewallArgs(
                network=NETWORK,
                project=args.project,
                direction="INGRESS",
                priority=900,
                source_ranges=list(args.pod_ranges),
                allows=[gcp.compute.FirewallAllowArgs(protocol=protocol) for protocol in POD_PROTOCOLS],
                description="Pod-to-pod traffic between the clusters of the istio-demo mesh.",
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})
