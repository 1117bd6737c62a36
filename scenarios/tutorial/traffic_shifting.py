"""Every service on v1 except reviews, split by weight between its versions."""

from __future__ import annotations

from model.bookinfo_app import PORT
from model.gateway_api import HTTPRouteRule
from model.gateway_api import split as backends
from model.istio_routing import HTTPRoute, split
from model.parameters import ScenarioParameters
from scenarios import bookinfo_routes as istio
from scenarios import gateway_api_routes as gateway_api
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario


def traffic_shifting(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(istio.with_routes(istio.routes("reviews", HTTPRoute(split("reviews", p.reviews_weights)))))


def traffic_shifting_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    rule = HTTPRouteRule(backends("reviews", p.reviews_weights, PORT))
    return ScenarioPlan(gateway_api.with_routes(gateway_api.routes("reviews", rule)))


SCENARIO = Scenario(
    "traffic-shifting",
    6,
    traffic_shifting,
    traffic_shifting_gateway_api,
    summary="All services on v1 except reviews, split by weight between its versions.",
    changes="all-v1, plus reviews split by weight (v1 50 / v3 50)",
    shows="about half the refreshes show red stars, the rest none; try `reviewsWeights=v1=80,v2=20`, then `v3=100`",
    parameters=("reviewsWeights",),
)
