"""The sample workloads of the active non-Bookinfo scenario, in their own namespace with sidecar injection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components.scenarios.samples import SampleSet
from components.workloads import Scheduled, deployment, injected_namespace, service, service_account


@dataclass(frozen=True)
class SampleWorkloadsArgs:
    samples: SampleSet
    provider: k8s.Provider
    istiod: pulumi.Resource


class SampleWorkloads(pulumi.ComponentResource):
    """Declares one SampleSet: its namespace, ServiceAccounts, Services and Deployments."""

    namespace: k8s.core.v1.Namespace
    scheduled: list[Scheduled]

    def __init__(self, name: str, args: SampleWorkloadsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("istio-demo:samples:SampleWorkloads", name, None, opts)
        samples = args.samples
        self.namespace = injected_namespace(
            samples.namespace, pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[args.istiod])
        )
        in_namespace = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[self.namespace])
        for account in samples.service_accounts:
            service_account(account, account, samples.namespace, in_namespace)
        for spec in samples.services:
            service(spec.app, spec.ports, samples.namespace, in_namespace)
        for workload in samples.workloads:
            deployment(workload, samples.namespace, in_namespace)
        self.scheduled = [workload.scheduled(sidecar=True) for workload in samples.workloads]
        self.register_outputs({"namespace": samples.namespace})
