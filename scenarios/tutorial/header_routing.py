"""A/B test: reviews requests whose header matches a regular expression go to one subset, the others to v1."""

from __future__ import annotations

from model.gateway_api import HeaderMatch, RouteMatch
from model.istio_routing import HTTPMatch, StringMatch
from model.parameters import ScenarioParameters
from scenarios import bookinfo_routes as istio
from scenarios import gateway_api_routes as gateway_api
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic


def header_routing(p: ScenarioParameters) -> ScenarioPlan:
    match = (HTTPMatch(headers={p.header_name: StringMatch("regex", p.header_regex)}),)
    reviews = istio.routes("reviews", istio.only("reviews", p.header_subset, match), istio.only("reviews", "v1"))
    return ScenarioPlan(istio.with_routes(reviews))


def header_routing_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    match = (RouteMatch(headers=(HeaderMatch(p.header_name, p.header_regex, "RegularExpression"),)),)
    matching = gateway_api.only("reviews", p.header_subset, match)
    reviews = gateway_api.routes("reviews", matching, gateway_api.only("reviews", "v1"))
    return ScenarioPlan(gateway_api.with_routes(reviews))


def header_routing_caveats(p: ScenarioParameters) -> tuple[str, ...]:
    if p.header_subset != "v1":
        return ()
    return ("headerSubset: v1 is what every other request gets too, so the header route changes nothing",)


SCENARIO = Scenario(
    "header-routing",
    8,
    header_routing,
    header_routing_gateway_api,
    summary="A/B test: reviews requests whose header matches the regex go to one subset, the others to v1.",
    changes="all-v1, plus reviews: `user-agent` matching `.*Firefox.*` → v2, others → v1",
    shows=(
        'black stars in Firefox, none in other browsers; `curl -s -A Firefox "$URL" \\| grep -c '
        "glyphicon-star` counts them"
    ),
    shown_by=Traffic.HEADER,
    parameters=("headerName", "headerRegex", "headerSubset"),
    caveats=header_routing_caveats,
)
