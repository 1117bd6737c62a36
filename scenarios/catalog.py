"""Every scenario the `scenario` config key can name, each one record: what builds it, the keys it reads, what it
needs, its caveats, its preset's header and its row in docs/scenarios.md. The settings' checks and warnings, the
presets (`python -m tools.presets`) and the docs table are derived from these records; its verifier check
(tools/verify/checks.py) is keyed by its name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from model.gateway_api import waypoint
from model.parameters import ScenarioParameters
from model.settings import RoutingApi, Settings
from scenarios import bookinfo_routes as bookinfo
from scenarios import gateway_api_routes as gateway_api
from scenarios import task_routes as tasks
from scenarios.plan import ScenarioPlan
from scenarios.view import Note

Builder = Callable[[ScenarioParameters], ScenarioPlan]
Caveats = Callable[[ScenarioParameters], tuple[str, ...]]


def round_robin(_: ScenarioParameters) -> ScenarioPlan:
    """The tutorial's start: no rule on reviews, so requests spread over v1, v2 and v3."""
    return ScenarioPlan(notes=(Note("reviews", "mesh", "no route rule", "round robin over v1, v2, v3"),))


def no_caveats(_: ScenarioParameters) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class Scenario:
    name: str
    build: Builder  # with routingApi=istio
    build_gateway_api: Builder  # with routingApi=gateway-api
    summary: str  # its preset's header: what it does, in a sentence
    changes: str  # docs: what it changes, with the tutorial's defaults
    shows: str  # docs: what you should see
    parameters: tuple[str, ...] = ()  # the configuration keys it reads
    caveats: Caveats = no_caveats  # warnings for valid values that make it show nothing
    needs_egress_gateway: bool = False
    needs_experimental_gateway_api: bool = False  # under gateway-api: a route of the experimental channel (TCPRoute)
    needs_waypoint: bool = False  # under ambient: its sample namespace's services need L7 (routes or policies)

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
    def preset(self) -> str:
        """The stack-configuration preset: the scenario and its parameters at the tutorial's values."""
        return f"stacks/{self.name}.yaml"


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "round-robin",
        round_robin,
        round_robin,
        summary=(
            "The tutorial's start: no route rule on reviews, so each refresh of the product page shows v1 (no "
            "stars), v2 (black) or v3 (red) in turn."
        ),
        changes="nothing routes reviews",
        shows="refresh the product page: no stars, black, red, in turn",
    ),
    Scenario(
        "all-v1",
        bookinfo.all_v1,
        gateway_api.all_v1,
        summary="Every Bookinfo service routed to v1: the product page never shows stars.",
        changes="VirtualServices send productpage, reviews, ratings and details to v1",
        shows="never any stars",
    ),
    Scenario(
        "user-routing",
        bookinfo.user_routing,
        gateway_api.user_routing,
        summary="Requests of the logged-in user go to reviews v2 (black stars); everyone else gets v1.",
        changes="all-v1, plus reviews: header `end-user` = `jason` → v2, otherwise v1",
        shows="logged in as jason: black stars every time; logged out or as anyone else: no stars",
        parameters=("user",),
    ),
    Scenario(
        "fault-delay",
        bookinfo.fault_delay,
        gateway_api.fault_delay,
        summary=(
            "user-routing, plus a fixed delay on ratings for the user: the page waits, then reports reviews "
            "unavailable."
        ),
        changes="user-routing, plus ratings: a 7s delay on 100% of jason's requests",
        shows=(
            'as jason the page takes about 6s and then says "Sorry, product reviews are currently unavailable for'
            " this book.\" (productpage gives up on reviews before the delay ends: the tutorial's bug); others "
            "unaffected"
        ),
        parameters=("user", "faultDelay", "faultPercentage", "faultTarget"),
        caveats=bookinfo.fault_caveats,
    ),
    Scenario(
        "fault-abort",
        bookinfo.fault_abort,
        gateway_api.fault_abort,
        summary=(
            'user-routing, plus ratings aborted with HTTP 500 for the user: "Ratings service is currently unavailable".'
        ),
        changes="user-routing, plus ratings aborts 100% of jason's requests with HTTP 500",
        shows='as jason: "Ratings service is currently unavailable"; others see no stars',
        parameters=("user", "faultAbortStatus", "faultPercentage", "faultTarget"),
        caveats=bookinfo.fault_caveats,
    ),
    Scenario(
        "traffic-shifting",
        bookinfo.traffic_shifting,
        gateway_api.traffic_shifting,
        summary="All services on v1 except reviews, split by weight between its versions.",
        changes="all-v1, plus reviews split by weight (v1 50 / v3 50)",
        shows=(
            "about half the refreshes show red stars, the rest none; try `reviewsWeights=v1=80,v2=20`, then `v3=100`"
        ),
        parameters=("reviewsWeights",),
    ),
    Scenario(
        "request-timeout",
        bookinfo.request_timeout,
        gateway_api.request_timeout,
        summary=(
            "reviews v2 with a timeout, ratings slowed down: the page says reviews are unavailable after the timeout."
        ),
        changes="all-v1, plus reviews → v2 with a 0.5s timeout and ratings delayed 2s",
        shows=(
            'the page returns in about 1s (productpage retries once) with "Sorry, product reviews are currently '
            'unavailable for this book."'
        ),
        parameters=("reviewsTimeout", "ratingsDelay"),
        caveats=bookinfo.request_timeout_caveats,
    ),
    Scenario(
        "header-routing",
        bookinfo.header_routing,
        gateway_api.header_routing,
        summary="A/B test: reviews requests whose header matches the regex go to one subset, the others to v1.",
        changes="all-v1, plus reviews: `user-agent` matching `.*Firefox.*` → v2, others → v1",
        shows=(
            'black stars in Firefox, none in other browsers; `curl -s -A Firefox "$URL" \\| grep -c '
            "glyphicon-star` counts them"
        ),
        parameters=("headerName", "headerRegex", "headerSubset"),
        caveats=bookinfo.header_routing_caveats,
    ),
    Scenario(
        "circuit-breaking",
        tasks.circuit_breaking,
        gateway_api.circuit_breaking,
        summary="httpbin with a connection pool of one and outlier detection; fortio's load trips the breaker.",
        changes=(
            "namespace `circuit-breaking` with httpbin and fortio; DestinationRule on httpbin: 1 connection, 1 "
            "pending request, 1 request per connection, eject after one 5xx (1s interval, 3m ejection, up to "
            "100%)"
        ),
        shows=(
            "`kubectl -n circuit-breaking exec deploy/fortio-v1 -c fortio -- /usr/bin/fortio load -c 3 -qps 0 -n "
            "30 -loglevel Warning http://httpbin:8000/get`: a share of the calls return 503; `... -c istio-proxy "
            r"-- pilot-agent request GET stats \| grep httpbin \| grep pending` shows "
            "`upstream_rq_pending_overflow`"
        ),
        needs_waypoint=True,
    ),
    Scenario(
        "mirroring",
        tasks.mirroring,
        gateway_api.mirroring,
        summary="All httpbin traffic to v1, copied to v2 (whose responses are discarded).",
        changes="namespace `mirroring` with httpbin v1, v2 and curl; all traffic to v1, mirrored to v2 (100%)",
        shows=(
            "`kubectl -n mirroring exec deploy/curl-v1 -- curl -sS http://httpbin:8000/headers` answers from v1; "
            "`kubectl -n mirroring logs deploy/httpbin-v2` shows each request too"
        ),
        parameters=("mirrorPercentage",),
        caveats=tasks.mirroring_caveats,
        needs_waypoint=True,
    ),
    Scenario(
        "tcp-traffic-shifting",
        tasks.tcp_traffic_shifting,
        gateway_api.tcp_traffic_shifting,
        summary="TCP traffic on the ingress gateway's port 31400 split between tcp-echo v1 and v2.",
        changes=(
            'namespace `tcp-traffic-shifting` with tcp-echo v1 ("one") and v2 ("two"); a TCP Gateway on the '
            "ingress gateway's 31400; v1 80 / v2 20"
        ),
        shows=(
            '`for i in $(seq 1 20); do sh -c "(date; sleep 1) \\| nc $IP 31400"; done`: about 4 lines in 20 start '
            'with "two"'
        ),
        parameters=("tcpEchoWeights",),
        needs_experimental_gateway_api=True,
    ),
    Scenario(
        "httpbin-ingress",
        tasks.httpbin_ingress,
        gateway_api.httpbin_ingress,
        summary=(
            "httpbin behind the ingress gateway for host httpbin.example.com: only /headers (and /status if "
            "asked) get through."
        ),
        changes=(
            "namespace `httpbin-ingress` with httpbin; Gateway and VirtualService for host `httpbin.example.com` "
            "routing only `/headers` (and `/status` if asked)"
        ),
        shows=(
            r"`curl -s -o /dev/null -w '%{http_code}\n' -H Host:httpbin.example.com http://$IP/headers` prints "
            "200; `/get` prints 404"
        ),
        parameters=("httpbinStatusPath",),
    ),
    Scenario(
        "egress-gateway",
        tasks.egress_gateway,
        gateway_api.egress_gateway,
        summary="Calls from the mesh to an external host leave through the egress gateway.",
        changes=(
            "namespace `egress-gateway` with curl; ServiceEntry for `edition.cnn.com`, an egress Gateway, "
            "DestinationRule and VirtualService sending port 80 from the mesh through `istio-egressgateway`"
        ),
        shows=(
            "`kubectl -n egress-gateway exec deploy/curl-v1 -- curl -sSL -o /dev/null -D - "
            "http://edition.cnn.com/politics` succeeds, and `kubectl -n istio-system logs "
            "deploy/istio-egressgateway` shows the request"
        ),
        parameters=("egressHost",),
        needs_egress_gateway=True,
        needs_waypoint=True,
    ),
)
CATALOG: dict[str, Scenario] = {scenario.name: scenario for scenario in SCENARIOS}


def plan_for(settings: Settings) -> ScenarioPlan:
    """The active scenario's plan, as the settings choose it: its scenario, routing API, parameters and data plane."""
    return CATALOG[settings.scenario].plan(settings.mesh.routing_api, settings.parameters, settings.mesh.ambient)
