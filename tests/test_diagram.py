"""The routing diagram: drawn from the routing view, the same under both routing APIs, every way requests go on an
arrow labelled in the routing's own words, and Mermaid's syntax characters escaped."""

from __future__ import annotations

import pytest

from scenarios.catalog import CATALOG, plan_for
from scenarios.diagram import Flowchart, escaped
from tests.conftest import OWN_CLUSTER
from tools.preview.stack_config import assemble, typed_settings

APIS = {"istio": (), "gateway-api": (*OWN_CLUSTER, "routingApi=gateway-api")}


def drawn(name: str, *overrides: str) -> str:
    """The scenario's diagram as the program's settings choose its plan."""
    return plan_for(typed_settings(assemble("dev", None, (f"scenario={name}", *overrides))[1])).diagram


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_both_routing_apis_draw_the_same_diagram(name):
    assert drawn(name, *APIS["istio"]) == drawn(name, *APIS["gateway-api"])


MESH = 'client_clients_in_the_mesh(["clients in the mesh"])'
OUTSIDE = 'client_clients_outside_the_mesh(["clients outside the mesh"])'
INGRESS = 'gateway_istio_ingressgateway{{"istio-ingressgateway"}}'
# scenario -> its whole diagram at the tutorial's parameters (the others are in docs/scenarios.md, checked there)
DIAGRAMS = {
    "round-robin": [
        MESH,
        'service_reviews["reviews"]',
        'outcome_round_robin_over_v1_v2_v3>"round robin over v1, v2, v3"]',
        "client_clients_in_the_mesh --> service_reviews",
        'service_reviews -->|"no route rule"| outcome_round_robin_over_v1_v2_v3',
    ],
    "circuit-breaking": [
        MESH,
        'service_httpbin["httpbin"]',
        'client_clients_in_the_mesh -->|"at most 1 connection and 1 pending request (1 request per connection)<br>more'
        " fail fast with 503<br>a pod that answers a 5xx is ejected for 3m (checked every 1s, up to 100% of the"
        ' pods)"| service_httpbin',
    ],
    "mirroring": [
        MESH,
        'service_httpbin["httpbin"]',
        'version_httpbin_v1("httpbin v1")',
        'version_httpbin_v2("httpbin v2")',
        "client_clients_in_the_mesh --> service_httpbin",
        "service_httpbin --> version_httpbin_v1",
        'service_httpbin -.->|"a copy of 100% (answers dropped)"| version_httpbin_v2',
    ],
    "tcp-traffic-shifting": [
        OUTSIDE,
        INGRESS,
        'version_tcp_echo_v1("tcp-echo v1")',
        'version_tcp_echo_v2("tcp-echo v2")',
        "client_clients_outside_the_mesh --> gateway_istio_ingressgateway",
        'gateway_istio_ingressgateway -->|"TCP port 31400<br>80%"| version_tcp_echo_v1',
        'gateway_istio_ingressgateway -->|"TCP port 31400<br>20%"| version_tcp_echo_v2',
    ],
    "httpbin-ingress": [
        OUTSIDE,
        INGRESS,
        'service_httpbin["httpbin"]',
        'outcome_404>"404"]',
        "client_clients_outside_the_mesh --> gateway_istio_ingressgateway",
        'gateway_istio_ingressgateway -->|"httpbin.example.com<br>path prefix /headers"| service_httpbin',
        'gateway_istio_ingressgateway -->|"httpbin.example.com<br>any other path"| outcome_404',
    ],
    "egress-gateway": [
        MESH,
        'service_edition_cnn_com["edition.cnn.com"]',
        'gateway_istio_egressgateway{{"istio-egressgateway"}}',
        'external_edition_cnn_com_80_outside_the_mesh[/"edition.cnn.com:80 outside the mesh"/]',
        "client_clients_in_the_mesh --> service_edition_cnn_com",
        "service_edition_cnn_com --> gateway_istio_egressgateway",
        'gateway_istio_egressgateway -->|"edition.cnn.com"| external_edition_cnn_com_80_outside_the_mesh',
    ],
}


@pytest.mark.parametrize("name", sorted(DIAGRAMS))
def test_the_whole_diagram(name):
    assert drawn(name) == "\n".join(["flowchart LR", *(f"    {line}" for line in DIAGRAMS[name])]) + "\n"


JASON = "end-user=jason (logged in as jason)"
# (scenario, parameters, an arrow of its diagram): the arrows follow the parameters, under both APIs
ARROWS = [
    ("all-v1", (), "service_reviews --> version_reviews_v1"),
    ("user-routing", (), f'service_reviews -->|"{JASON}"| version_reviews_v2'),
    ("user-routing", (), 'service_reviews -->|"otherwise"| version_reviews_v1'),
    ("user-routing", ("user=alice",), 'service_reviews -->|"end-user=alice (logged in as alice)"| version_reviews_v2'),
    ("fault-delay", (), f'service_ratings -->|"{JASON}<br>after a 7s delay on 100%"| version_ratings_v1'),
    (
        "fault-delay",
        ("faultTarget=everyone", "faultDelay=1500ms", "faultPercentage=50"),
        'service_ratings -->|"after a 1.5s delay on 50%"| version_ratings_v1',
    ),
    ("fault-abort", (), f'service_ratings -->|"{JASON}<br>aborted with HTTP 500 on 100%"| version_ratings_v1'),
    ("traffic-shifting", (), 'service_reviews -->|"50%"| version_reviews_v3'),
    ("traffic-shifting", ("reviewsWeights=v1=80,v2=20",), 'service_reviews -->|"20%"| version_reviews_v2'),
    ("traffic-shifting", ("reviewsWeights=v3=100",), "service_reviews --> version_reviews_v3"),
    ("request-timeout", (), 'service_reviews -->|"timeout 0.5s"| version_reviews_v2'),
    ("request-timeout", (), 'service_ratings -->|"after a 2s delay on 100%"| version_ratings_v1'),
    ("header-routing", (), 'service_reviews -->|"user-agent matching .*Firefox.*"| version_reviews_v2'),
    (
        "header-routing",
        ("headerName=x-tester", 'headerRegex=^"a|b"<#>&$', "headerSubset=v3"),
        'service_reviews -->|"x-tester matching ^#quot;a#124;b#quot;#lt;#35;#gt;#amp;$"| version_reviews_v3',
    ),
    (
        "mirroring",
        ("mirrorPercentage=25",),
        'service_httpbin -.->|"a copy of 25% (answers dropped)"| version_httpbin_v2',
    ),
    ("tcp-traffic-shifting", ("tcpEchoWeights=v1=10,v2=90",), '-->|"TCP port 31400<br>90%"| version_tcp_echo_v2'),
    (
        "httpbin-ingress",
        ("httpbinStatusPath=true",),
        '-->|"httpbin.example.com<br>path prefix /headers or path prefix /status"| service_httpbin',
    ),
    ("egress-gateway", ("egressHost=example.org",), '-->|"example.org"| external_example_org_80_outside_the_mesh'),
]


@pytest.mark.parametrize("api", sorted(APIS))
@pytest.mark.parametrize(("name", "parameters", "arrow"), ARROWS)
def test_each_arrow_says_when_how_much_and_what_is_done(name, parameters, arrow, api):
    assert arrow in drawn(name, *APIS[api], *parameters)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("plain words, 50% (v1)", "plain words, 50% (v1)"),
        ('"quoted"', "#quot;quoted#quot;"),
        ("a|b", "a#124;b"),
        ("<br> & #35;", "#lt;br#gt; #amp; #35;35;"),
    ],
)
def test_labels_escape_what_mermaid_reads_as_syntax(text, written):
    assert escaped(text) == written


def test_node_ids_are_letters_digits_and_unique():
    chart = Flowchart()
    assert [chart.node("service", label) for label in ("a.b", "a-b", "a.b", "end")] == [
        "service_a_b",
        "service_a_b_1",
        "service_a_b",
        "service_end",
    ]
