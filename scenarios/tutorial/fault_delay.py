"""user-routing, plus a delay on ratings for the user (or for everyone)."""

from __future__ import annotations

from model.parameters import ScenarioParameters
from scenarios import bookinfo_routes as istio
from scenarios import gateway_api_routes as gateway_api
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic


def fault_delay(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(istio.user_routing_with_fault(p, istio.delay(p)))


def fault_delay_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(gateway_api.user_routing_with_fault(p, istio.delay(p)))


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
