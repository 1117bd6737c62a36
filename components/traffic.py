"""The active traffic-management scenario: turns a builder's plain data into resources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.declare import declare
from scenarios.plan import ScenarioPlan


@dataclass(frozen=True)
class TrafficScenarioArgs:
    plan: ScenarioPlan
    provider: k8s.Provider
    istiod: pulumi.Resource
    namespaces: Sequence[pulumi.Resource]


class TrafficScenario(pulumi.ComponentResource):
    """Owns every object of one scenario, so switching scenario touches nothing else."""

    def __init__(self, name: str, args: TrafficScenarioArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:scenarios:TrafficScenario", name, None, opts)
        routing = pulumi.ResourceOptions(
            parent=self, provider=args.provider, depends_on=[args.istiod, *args.namespaces]
        )
        for obj in args.plan.objects:
            declare(obj, routing)
        self.register_outputs({"routing": list(args.plan.routing)})
