"""The active traffic-management scenario: turns a builder's plain data into resources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.aliases import formerly_typed
from components.declare import Children, declare
from scenarios.plan import ScenarioPlan


@dataclass(frozen=True)
class TrafficScenarioArgs:
    plan: ScenarioPlan
    istiod: pulumi.Resource
    namespaces: Sequence[pulumi.Resource]
    routing_after: Sequence[pulumi.Input[pulumi.Resource]] = ()  # the Gateway API's CRDs, where the stack needs them


class TrafficScenario(pulumi.ComponentResource):
    """Owns every object of one scenario, so switching scenario touches nothing else."""

    def __init__(self, name: str, args: TrafficScenarioArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(
            "istio-demo:traffic:TrafficScenario",
            name,
            None,
            formerly_typed("istio-demo:scenarios:TrafficScenario", opts),
        )
        children = Children(self, name)
        for obj in args.plan.objects:
            declare(obj, children, args.istiod, *args.namespaces, *args.routing_after)
        self.register_outputs({"routing": list(args.plan.routing)})
