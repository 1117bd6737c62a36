"""The verifier's expectations: worked out from each scenario's own objects, and productpage's pages read right."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from scenarios.catalog import CATALOG, plan_for
from scenarios.record import Traffic
from tests.conftest import OWN_CLUSTER
from tests.standins import Reply, product_page
from tools.preview.stack_config import UsageError, assemble, typed_settings
from tools.verify.checks import CHECKS, FIREFOX, IN_CLUSTER, InCluster, Options, Probe
from tools.verify.clients import USER_AGENT, EchoLine, HttpbinGet, PageVisit
from tools.verify.outcomes import Outcome as O
from tools.verify.page import classify
from tools.verify.routing import seconds

# each routing API, and the ambient data plane (with the Gateway API): the same traffic is expected of all
MESHES = {
    "istio": ("routingApi=istio",),
    "gateway-api": (*OWN_CLUSTER, "routingApi=gateway-api"),
    "ambient": (*OWN_CLUSTER, "routingApi=gateway-api", "dataplane=ambient"),
}


@pytest.fixture(params=sorted(MESHES))
def routing_api(request) -> str:
    """Each test taking it runs under each of MESHES."""
    return request.param


def probes(
    scenario: str, *overrides: str, header_value: str | None = None, routing_api: str = "istio"
) -> dict[str, Probe]:
    chosen = typed_settings(assemble("dev", None, (f"scenario={scenario}", *MESHES[routing_api], *overrides))[1], None)
    plan = plan_for(chosen)
    check = CHECKS[scenario](plan, chosen.parameters, Options(header_value=header_value))
    assert not isinstance(check, InCluster)
    return {probe.name: probe for probe in check}


UNAVAILABLE = "reviews unavailable"
FIREFOX_PROBE = "user-agent ~ .*Firefox.*"
PLAIN_PROBE = f"user-agent: {USER_AGENT}"

# (scenario, overrides, probe, expected outcomes): Bookinfo's timeouts at their real values.
EXPECTATIONS = [
    ("round-robin", (), "anonymous", {O("v1"): F(1, 3), O("v2"): F(1, 3), O("v3"): F(1, 3)}),
    ("all-v1", (), "anonymous", {O("v1"): 1}),
    ("user-routing", (), "anonymous", {O("v1"): 1}),
    ("user-routing", (), "logged in as jason", {O("v2"): 1}),
    ("user-routing", ("user=alice",), "logged in as alice", {O("v2"): 1}),
    ("fault-delay", (), "anonymous", {O("v1"): 1}),
    # the tutorial's bug: 7s on ratings outlasts productpage's two 3s tries
    ("fault-delay", (), "logged in as jason", {O(UNAVAILABLE, 6.0): 1}),
    ("fault-delay", ("faultDelay=2s",), "logged in as jason", {O("v2", 2.0): 1}),
    ("fault-delay", ("faultDelay=3s",), "logged in as jason", {O(UNAVAILABLE, 6.0): 1}),
    (
        "fault-delay",
        ("faultPercentage=50",),
        "logged in as jason",
        {O("v2"): F(1, 2), O("v2", 3.0): F(1, 4), O(UNAVAILABLE, 6.0): F(1, 4)},
    ),
    ("fault-delay", ("faultTarget=everyone",), "anonymous", {O("v1"): 1}),
    ("fault-abort", (), "anonymous", {O("v1"): 1}),
    ("fault-abort", (), "logged in as jason", {O("v2 + ratings unavailable"): 1}),
    (
        "fault-abort",
        ("faultPercentage=25",),
        "logged in as jason",
        {O("v2 + ratings unavailable"): F(1, 4), O("v2"): F(3, 4)},
    ),
    ("fault-abort", ("faultAbortStatus=200",), "logged in as jason", {O("v2 + ratings unavailable"): 1}),
    ("traffic-shifting", (), "anonymous", {O("v1"): F(1, 2), O("v3"): F(1, 2)}),
    ("traffic-shifting", ("reviewsWeights=v1=80,v2=20",), "anonymous", {O("v1"): F(4, 5), O("v2"): F(1, 5)}),
    ("traffic-shifting", ("reviewsWeights=v3=100",), "anonymous", {O("v3"): 1}),
    # 0.5s route timeout on reviews, ratings 2s late: two tries of 0.5s, then "unavailable"
    ("request-timeout", (), "anonymous", {O(UNAVAILABLE, 1.0): 1}),
    ("request-timeout", ("ratingsDelay=0.2s",), "anonymous", {O("v2", 0.2): 1}),
    ("request-timeout", ("reviewsTimeout=5s",), "anonymous", {O("v2", 2.0): 1}),  # productpage's own 3s still applies
    ("request-timeout", ("reviewsTimeout=5s", "ratingsDelay=4s"), "anonymous", {O(UNAVAILABLE, 6.0): 1}),
    ("header-routing", (), FIREFOX_PROBE, {O("v2"): 1}),
    ("header-routing", (), PLAIN_PROBE, {O("v1"): 1}),
    ("header-routing", ("headerSubset=v3",), FIREFOX_PROBE, {O("v3"): 1}),
]


@pytest.mark.parametrize(
    ("scenario", "overrides", "probe", "expected"),
    EXPECTATIONS,
    ids=[f"{c[0]}-{'-'.join(c[1])}-{c[2]}" for c in EXPECTATIONS],
)
def test_product_page_expectation_follows_the_scenario_objects(scenario, overrides, probe, expected, routing_api):
    assert probes(scenario, *overrides, routing_api=routing_api)[probe].expected == expected


PROBES = [
    ("round-robin", ["anonymous"]),
    ("all-v1", ["anonymous"]),
    ("user-routing", ["anonymous", "logged in as jason"]),
    ("fault-delay", ["anonymous", "logged in as jason"]),
    ("fault-abort", ["anonymous", "logged in as jason"]),
    ("traffic-shifting", ["anonymous"]),
    ("request-timeout", ["anonymous"]),
    ("header-routing", [FIREFOX_PROBE, PLAIN_PROBE]),
    ("tcp-traffic-shifting", ["TCP port 31400"]),
    ("httpbin-ingress", ["httpbin.example.com/headers", "httpbin.example.com/status/200", "httpbin.example.com/get"]),
]


@pytest.mark.parametrize(("scenario", "names"), PROBES)
def test_each_scenario_sends_the_clients_it_singles_out(scenario, names, routing_api):
    assert list(probes(scenario, routing_api=routing_api)) == names


def test_every_scenario_of_the_catalog_has_a_check():
    assert set(CHECKS) == set(CATALOG)


def test_in_cluster_commands_are_named_for_exactly_the_scenarios_traffic_cannot_show():
    assert set(IN_CLUSTER) == {name for name, record in CATALOG.items() if record.shown_by == Traffic.IN_CLUSTER}


def test_page_visits_log_in_and_send_the_header_as_a_browser_would():
    assert probes("user-routing")["logged in as jason"].visit == PageVisit("jason", (("user-agent", USER_AGENT),))
    assert probes("user-routing")["anonymous"].visit == PageVisit(None, (("user-agent", USER_AGENT),))
    assert probes("header-routing")[FIREFOX_PROBE].visit == PageVisit(None, (("user-agent", FIREFOX),))


def test_a_header_productpage_does_not_forward_cannot_route_reviews():
    found = probes("header-routing", "headerName=x-beta", "headerRegex=yes", header_value="yes")
    assert {name: probe.expected for name, probe in found.items()} == {
        "x-beta ~ yes": {O("v1"): 1},
        "no x-beta": {O("v1"): 1},
    }
    assert found["x-beta ~ yes"].visit == PageVisit(None, (("user-agent", USER_AGENT), ("x-beta", "yes")))


def test_header_routing_needs_a_value_that_matches_the_regex():
    with pytest.raises(
        UsageError, match=r"--header-value: pass a value of user-agent that matches headerRegex '\.\*Chrome\.\*'"
    ):
        probes("header-routing", "headerRegex=.*Chrome.*")
    assert probes("header-routing", "headerRegex=.*Chrome.*", header_value="Chrome/140")[
        "user-agent ~ .*Chrome.*"
    ].expected == {O("v2"): 1}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ((), {"v1 (one)": F(4, 5), "v2 (two)": F(1, 5)}),
        (("tcpEchoWeights=v2=100",), {"v2 (two)": 1}),
        (("tcpEchoWeights=v1=50,v2=50",), {"v1 (one)": F(1, 2), "v2 (two)": F(1, 2)}),
    ],
)
def test_tcp_echo_expectation_follows_the_weights(overrides, expected, routing_api):
    probe = probes("tcp-traffic-shifting", *overrides, routing_api=routing_api)["TCP port 31400"]
    assert probe.visit == EchoLine(31400, (("one", "v1"), ("two", "v2")))
    assert probe.expected == {O(label): share for label, share in expected.items()}


@pytest.mark.parametrize(
    ("overrides", "statuses"),
    [
        ((), {"/headers": 200, "/status/200": 404, "/get": 404}),
        (("httpbinStatusPath=true",), {"/headers": 200, "/status/200": 200, "/get": 404}),
    ],
)
def test_httpbin_answers_only_routed_paths(overrides, statuses, routing_api):
    found = probes("httpbin-ingress", *overrides, routing_api=routing_api)
    assert {probe.visit: probe.expected for probe in found.values()} == {
        HttpbinGet("httpbin.example.com", path): {O(f"HTTP {status}"): 1} for path, status in statuses.items()
    }


# Bookinfo before the pod name was shown: Bootstrap markup, stars in <font color=...>.
BOOTSTRAP_REVIEW = '<h4 class="text-center text-primary">Book Reviews</h4><blockquote><p>Great</p>{}</blockquote>'
PAGES = [
    ("tailwind, v1", 200, product_page(Reply("v1"), ""), "v1"),
    ("tailwind, v2", 200, product_page(Reply("v2"), "jason"), "v2"),
    ("tailwind, v3", 200, product_page(Reply("v3"), ""), "v3"),
    (
        "tailwind, v2 without ratings",
        200,
        product_page(Reply("v2", ratings=False), "jason"),
        "v2 + ratings unavailable",
    ),
    ("tailwind, v3 without ratings", 200, product_page(Reply("v3", ratings=False), ""), "v3 + ratings unavailable"),
    ("reviews unavailable", 200, product_page(Reply(None), "jason"), "reviews unavailable"),
    ("bootstrap, v1", 200, BOOTSTRAP_REVIEW.format(""), "v1"),
    (
        "bootstrap, v2",
        200,
        BOOTSTRAP_REVIEW.format('<font color="black"><span class="glyphicon glyphicon-star"></span></font>'),
        "v2",
    ),
    (
        "bootstrap, v3",
        200,
        BOOTSTRAP_REVIEW.format('<font color="red"><span class="glyphicon glyphicon-star"></span></font>'),
        "v3",
    ),
    (
        "bootstrap, no ratings",
        200,
        BOOTSTRAP_REVIEW.format("<p><i>Ratings service is currently unavailable</i></p>"),
        "unrecognised page",
    ),
    ("gateway error", 503, "no healthy upstream", "HTTP 503"),
    ("not found", 404, "", "HTTP 404"),
    ("some other page", 200, "<html>hello</html>", "unrecognised page"),
]


@pytest.mark.parametrize(("status", "body", "label"), [case[1:] for case in PAGES], ids=[case[0] for case in PAGES])
def test_product_page_classification(status, body, label):
    assert classify(status, body) == label


def test_the_red_of_an_error_message_is_not_a_red_star():
    assert classify(200, product_page(Reply("v2", ratings=False), "").replace("reviews-v2-", "")) == "unrecognised page"


@pytest.mark.parametrize(
    ("text", "value"), [("7s", 7.0), ("0.5s", 0.5), ("500ms", 0.5), ("1m30s", 90.0), ("1h", 3600.0), ("2m", 120.0)]
)
def test_durations(text, value):
    assert seconds(text) == value
