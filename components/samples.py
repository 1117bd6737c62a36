"""The sample workloads of the active non-Bookinfo scenario, in their own namespace with sidecar injection."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.declare import Children, declare_app_set
from model.workloads import AppSet, Scheduled


@dataclass(frozen=True)
class SampleWorkloadsArgs:
    samples: AppSet
    istiod: pulumi.Resource
    image_registry: str | None = None


class SampleWorkloads(pulumi.ComponentResource):
    """The sample workloads of one scenario: their namespace, ServiceAccounts, Services and Deployments."""

    namespace: k8s.core.v1.Namespace
    scheduled: list[Scheduled]

    def __init__(self, name: str, args: SampleWorkloadsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:samples:SampleWorkloads", name, None, opts)
        self.namespace = declare_app_set(args.samples, args.istiod, Children(self, name), args.image_registry)
        self.scheduled = args.samples.scheduled()
        self.register_outputs({"namespace": args.samples.namespace})
