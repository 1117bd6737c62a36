"""Every namespace of sample workloads the catalog uses, kept across scenario switches, and the active scenario's
workloads in theirs. A switch then adds or removes only workloads: Kubernetes starts deleting a namespace only 5 s
after it is asked to, and the provider waits until it is gone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.declare import Children, declare_workloads, mesh_namespace
from model.mesh import namespace_labels
from model.multicluster import ONE_CLUSTER, Placement
from model.workloads import AppSet, Scheduled


@dataclass(frozen=True)
class SampleWorkloadsArgs:
    namespaces: Sequence[str]  # every namespace of sample workloads in the catalog
    samples: AppSet | None  # the active scenario's workloads, in one of `namespaces`
    istiod: pulumi.Resource
    ambient: bool = False  # the ambient data plane rather than sidecars
    image_registry: str | None = None
    placement: Placement = ONE_CLUSTER  # with two clusters, the versions this one runs


class SampleWorkloads(pulumi.ComponentResource):
    """The samples' namespaces, and the active scenario's ServiceAccounts, Services and Deployments in its own."""

    namespace: k8s.core.v1.Namespace | None  # the active scenario's, if it has samples
    scheduled: list[Scheduled]

    def __init__(self, name: str, args: SampleWorkloadsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:samples:SampleWorkloads", name, None, opts)
        children = Children(self, name)
        active = args.placement.of(args.samples) if args.samples else None
        namespaces = {
            namespace: mesh_namespace(
                namespace,
                active.namespace_labels if active and active.namespace == namespace else namespace_labels(args.ambient),
                children,
                args.istiod,
            )
            for namespace in args.namespaces
        }
        self.namespace = namespaces[active.namespace] if active else None
        if active:
            declare_workloads(active, namespaces[active.namespace], children, args.image_registry)
        self.scheduled = active.scheduled() if active else []
        self.register_outputs({"namespaces": list(args.namespaces)})
