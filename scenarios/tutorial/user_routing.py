"""The logged-in user's requests to reviews v2, everyone else's to v1."""

from __future__ import annotations

from model.parameters import ScenarioParameters
from scenarios import bookinfo_routes as istio
from scenarios import gateway_api_routes as gateway_api
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic


def user_routing(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(istio.with_routes(istio.reviews_for_user(p)))


def user_routing_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(gateway_api.with_routes(gateway_api.reviews_for_user(p)))


SCENARIO = Scenario(
    "user-routing",
    3,
    user_routing,
    user_routing_gateway_api,
    summary="Requests of the logged-in user go to reviews v2 (black stars); everyone else gets v1.",
    changes="all-v1, plus reviews: header `end-user` = `jason` → v2, otherwise v1",
    shows="logged in as jason: black stars every time; logged out or as anyone else: no stars",
    shown_by=Traffic.PAGE_AND_USER,
    parameters=("user",),
)
