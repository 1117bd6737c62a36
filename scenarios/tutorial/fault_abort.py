"""user-routing, plus ratings aborted with an HTTP status for the user (or for everyone)."""

from __future__ import annotations

from model.parameters import ScenarioParameters
from scenarios import bookinfo_routes as istio
from scenarios import gateway_api_routes as gateway_api
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic


def fault_abort(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(istio.user_routing_with_fault(p, istio.abort(p)))


def fault_abort_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(gateway_api.user_routing_with_fault(p, istio.abort(p)))


SCENARIO = Scenario(
    "fault-abort",
    5,
    fault_abort,
    fault_abort_gateway_api,
    summary=(
        'user-routing, plus ratings aborted with HTTP 500 for the user: "Ratings service is currently unavailable".'
    ),
    changes="user-routing, plus ratings aborts 100% of jason's requests with HTTP 500",
    shows='as jason: "Ratings service is currently unavailable"; others see no stars',
    shown_by=Traffic.PAGE_AND_USER,
    parameters=("user", "faultAbortStatus", "faultPercentage", "faultTarget"),
    caveats=istio.fault_caveats,
)
