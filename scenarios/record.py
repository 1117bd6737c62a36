"""A scenario's record: what builds it under each routing API, the keys it reads, what it needs, its caveats, how the
verifier shows it working, its preset's header and its row in docs/scenarios.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from model.gateway_api import waypoint
from model.parameters import ScenarioParameters
from model.settings import RoutingApi
from scenarios.plan import ScenarioPlan

Builder = Callable[[ScenarioParameters], ScenarioPlan]
Caveats = Callable[[ScenarioParameters], tuple[str, ...]]


class Traffic(StrEnum):
    """The traffic from outside that shows a scenario working (tools/verify/checks.py sends it)."""

    PAGE = "page"  # anonymous visits of the product page
    PAGE_AND_USER = "page-and-user"  # visits logged out and logged in as `user`
    HEADER = "header"  # visits with and without a header value that matches headerRegex
    TCP_ECHO = "tcp-echo"  # lines sent to tcp-echo through the ingress gateway's TCP port
    HTTPBIN_PATHS = "httpbin-paths"  # httpbin's paths through the ingress gateway
    IN_CLUSTER = "in-cluster"  # none: the verifier names commands to run inside the cluster, per scenario


def no_caveats(_: ScenarioParameters) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class Scenario:
    name: str
    position: int  # its place in the tutorial: the order of the docs table and of the end-to-end run's switches
    build: Builder  # with routingApi=istio
    build_gateway_api: Builder  # with routingApi=gateway-api
    summary: str  # its preset's header: what it does, in a sentence
    changes: str  # docs: what it changes, with the tutorial's defaults
    shows: str  # docs: what you should see
    shown_by: Traffic = Traffic.PAGE
    parameters: tuple[str, ...] = ()  # the configuration keys it reads
    caveats: Caveats = no_caveats  # warnings for valid values that make it show nothing
    needs_egress_gateway: bool = False
    needs_experimental_gateway_api: bool = False  # under gateway-api: a route of the experimental channel (TCPRoute)
    needs_waypoint: bool = False  # under ambient: its sample namespace's services need L7 (routes or policies)
    needs_clusters: int = 1  # the clusters it takes to show anything; with fewer it applies, with a warning

    def plan(self, routing_api: RoutingApi, parameters: ScenarioParameters, ambient: bool = False) -> ScenarioPlan:
        """The scenario's objects and samples, in the routing API `routing_api` names; under `ambient`, its
        samples in the ambient data plane, with a waypoint where the scenario needs L7."""
        plan = (self.build_gateway_api if routing_api == RoutingApi.GATEWAY_API else self.build)(parameters)
        if not ambient or plan.samples is None:
            return plan
        waypoints = (waypoint(plan.samples.namespace),) if self.needs_waypoint else ()
        samples = plan.samples.in_ambient(self.needs_waypoint)
        return replace(plan, objects=(*plan.objects, *waypoints), samples=samples)

    @property
    def module(self) -> str:
        """The module under scenarios/tutorial/ that holds the record and its builders."""
        return self.name.replace("-", "_")

    @property
    def preset(self) -> str:
        """The stack-configuration preset: the scenario and its parameters at the tutorial's values."""
        return f"stacks/{self.name}.yaml"
