"""user-routing, plus a delay on ratings for the user (or for everyone)."""

from __future__ import annotations

from model.parameters import ScenarioParameters
from scenarios import bookinfo_routes as istio
from scenarios import gateway_api_routes as gateway_api
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic


def fault_delay(p: ScenarioParameters) -> ScenarioPlan:
    ratings = istio.ratings_with_fault(istio.delay(p), istio.fault_for(p))
    return ScenarioPlan(istio.with_routes(istio.reviews_for_user(p), ratings))


def fault_delay_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    ratings = gateway_api.ratings_with_fault(istio.delay(p), istio.fault_for(p))
    return ScenarioPlan(gateway_api.with_routes(gateway_api.reviews_for_user(p), ratings))


SCENARIO = Scenario(
    "fault-delay",
    4,
    fault_delay,
    fault_delay_gateway_api,
    summary=(
        "user-routing, plus a fixed delay on ratings for the user: the page waits, then reports reviews unavailable."
    ),
    changes="user-routing, plus ratings: a 7s delay on 100% of jason's requests",
    shows=(
        'as jason the page takes about 6s and then says "Sorry, product reviews are currently unavailable for'
        " this book.\" (productpage gives up on reviews before the delay ends: the tutorial's bug); others "
        "unaffected"
    ),
    shown_by=Traffic.PAGE_AND_USER,
    parameters=("user", "faultDelay", "faultPercentage", "faultTarget"),
    caveats=istio.fault_caveats,
)
