"""All httpbin traffic to v1, copied to v2."""

from __future__ import annotations

from model import gateway_api as routes
from model.istio_routing import Destination, DestinationRule, HTTPRoute, Percent, VirtualService, to, version_subset
from model.parameters import ScenarioParameters
from model.sample_apps import HTTPBIN_PORT, HTTPBIN_VERSIONS, mirroring_samples
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic

NAMESPACE = "mirroring"


def mirroring(p: ScenarioParameters) -> ScenarioPlan:
    rule = HTTPRoute(
        route=(to("httpbin", "v1", weight=100),),
        mirror=Destination("httpbin", "v2"),
        mirror_percentage=Percent(p.mirror_percentage),
    )
    return ScenarioPlan(
        (
            DestinationRule("httpbin", NAMESPACE, host="httpbin", subsets=tuple(map(version_subset, HTTPBIN_VERSIONS))),
            VirtualService("httpbin", NAMESPACE, hosts=("httpbin",), http=(rule,)),
        ),
        mirroring_samples(NAMESPACE),
    )


def mirroring_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    mirror = routes.Filter(
        "RequestMirror", routes.RequestMirror(routes.BackendRef("httpbin-v2", HTTPBIN_PORT), p.mirror_percentage)
    )
    rule = routes.HTTPRouteRule((routes.BackendRef("httpbin-v1", HTTPBIN_PORT),), filters=(mirror,))
    route = routes.HTTPRoute(
        "httpbin", NAMESPACE, parent_refs=(routes.service_parent("httpbin", HTTPBIN_PORT),), rules=(rule,)
    )
    return ScenarioPlan((route,), mirroring_samples(NAMESPACE).with_version_services("httpbin"))


def mirroring_caveats(p: ScenarioParameters) -> tuple[str, ...]:
    return ("mirrorPercentage: 0 mirrors no request to v2",) if p.mirror_percentage == 0 else ()


SCENARIO = Scenario(
    "mirroring",
    10,
    mirroring,
    mirroring_gateway_api,
    summary="All httpbin traffic to v1, copied to v2 (whose responses are discarded).",
    changes="namespace `mirroring` with httpbin v1, v2 and curl; all traffic to v1, mirrored to v2 (100%)",
    shows=(
        "`kubectl -n mirroring exec deploy/curl-v1 -- curl -sS http://httpbin:8000/headers` answers from v1; "
        "`kubectl -n mirroring logs deploy/httpbin-v2` shows each request too"
    ),
    shown_by=Traffic.IN_CLUSTER,
    parameters=("mirrorPercentage",),
    caveats=mirroring_caveats,
    needs_waypoint=True,
)
