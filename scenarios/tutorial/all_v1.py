"""Every Bookinfo service routed to v1."""

from __future__ import annotations

from model.parameters import ScenarioParameters
from scenarios import bookinfo_routes as istio
from scenarios import gateway_api_routes as gateway_api
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario


def all_v1(_: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(istio.with_routes())


def all_v1_gateway_api(_: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(gateway_api.with_routes())


SCENARIO = Scenario(
    "all-v1",
    2,
    all_v1,
    all_v1_gateway_api,
    summary="Every Bookinfo service routed to v1: the product page never shows stars.",
    changes="VirtualServices send productpage, reviews, ratings and details to v1",
    shows="never any stars",
)
