"""An existing Kubernetes cluster (kind, minikube, k3d, a GKE cluster made elsewhere), reached by kubeconfig context."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.aliases import formerly_typed


@dataclass(frozen=True)
class ExistingClusterArgs:
    context: str
    kubeconfig: str | None  # a path; None = the file kubectl uses ($KUBECONFIG or ~/.kube/config)


class ExistingCluster(pulumi.ComponentResource):
    """The explicit Kubernetes provider of one kubeconfig context; it declares nothing in the cluster itself.

    The provider's `cluster_identifier` is the context name, so pointing `kubeconfig` at another file (or the
    same cluster's renewed credentials) updates the provider without replacing any Kubernetes resource."""

    provider: k8s.Provider

    def __init__(self, name: str, args: ExistingClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(
            "istio-demo:existing:ExistingCluster",
            name,
            None,
            formerly_typed("istio-demo:cluster:ExistingCluster", opts),
        )
        self.provider = k8s.Provider(
            f"{name}-k8s",
            k8s.ProviderArgs(kubeconfig=args.kubeconfig, context=args.context, cluster_identifier=args.context),
            pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"context": args.context})
