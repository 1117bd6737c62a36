"""Envoy's route selection over istiod's route configuration, as the end-to-end run's xDS check evaluates it, and the
check itself against the verifier's reading of a scenario's plan."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from e2e import envoy_routes as envoy
from e2e import xds
from scenarios.catalog import plan_for
from tools.preview.stack_config import assemble, typed_settings
from tools.verify.routing import Fault, Rule

REVIEWS = "reviews.bookinfo.svc.cluster.local"


def cluster(version: str, host: str = REVIEWS) -> str:
    return f"outbound|9080|{version}|{host}"


def to(name: str, **action: object) -> dict:
    return {"match": {"prefix": "/"}, "route": {"cluster": name, "timeout": "0s", **action}}


def config(*routes: dict) -> dict:
    return {
        "name": "9080",
        "virtual_hosts": [{"name": "reviews", "domains": [REVIEWS, "reviews"], "routes": list(routes)}],
    }


JASON = {"name": "end-user", "string_match": {"exact": "jason"}}


@pytest.mark.parametrize(
    ("matcher", "headers", "holds"),
    [
        (JASON, {"end-user": "jason"}, True),
        (JASON, {"end-user": "Jason"}, False),
        (JASON, {}, False),
        (
            {"name": "User-Agent", "string_match": {"safe_regex": {"regex": ".*Firefox.*"}}},
            {"user-agent": "a Firefox b"},
            True,
        ),
        (
            {"name": "user-agent", "string_match": {"safe_regex": {"regex": "Firefox"}}},
            {"user-agent": "a Firefox b"},
            False,
        ),
        ({"name": "end-user", "string_match": {"prefix": "ja"}}, {"end-user": "jason"}, True),
        ({"name": "end-user", "present_match": True}, {"end-user": "x"}, True),
        ({"name": "end-user", "present_match": True}, {}, False),
        ({**JASON, "invert_match": True}, {"end-user": "jason"}, False),
        ({**JASON, "invert_match": True}, {}, True),
    ],
)
def test_header_matchers_hold_as_envoy_documents_them(matcher, headers, holds):
    assert envoy.header_holds(matcher, headers) is holds


@pytest.mark.parametrize(
    ("match", "path", "holds"),
    [
        ({"prefix": "/"}, "/anything", True),
        ({"path": "/headers"}, "/headers", True),
        ({"path": "/headers"}, "/headers/x", False),
        ({"safe_regex": {"regex": "/status/.*"}}, "/status/200", True),
        ({"path_separated_prefix": "/status"}, "/status/418", True),
        ({"path_separated_prefix": "/status"}, "/statusx", False),
    ],
)
def test_path_specifiers(match, path, holds):
    assert envoy.path_holds(match, path) is holds


def test_the_first_route_that_matches_wins_and_none_is_a_404():
    routes = config({**to(cluster("v2")), "match": {"prefix": "/", "headers": [JASON]}}, to(cluster("v1")))
    assert envoy.selected(routes, REVIEWS, "/", {"end-user": "jason"})["route"]["cluster"] == cluster("v2")
    assert envoy.selected(routes, REVIEWS, "/", {})["route"]["cluster"] == cluster("v1")
    with pytest.raises(envoy.RouteError, match="no route of reviews matches /"):
        envoy.selected(config({**to(cluster("v2")), "match": {"prefix": "/", "headers": [JASON]}}), REVIEWS, "/", {})
    with pytest.raises(envoy.RouteError, match="no virtual host for ratings"):
        envoy.selected(routes, "ratings", "/", {})


@pytest.mark.parametrize(
    ("route", "rule"),
    [
        (to(cluster("v1")), Rule((("v1", Fraction(1)),))),
        (to(cluster("", "reviews-v2.bookinfo.svc.cluster.local")), Rule((("v2", Fraction(1)),))),
        (to(cluster("v2"), timeout="0.500s"), Rule((("v2", Fraction(1)),), timeout=0.5)),
        (
            {
                "match": {"prefix": "/"},
                "route": {
                    "weighted_clusters": {
                        "clusters": [{"name": cluster("v1"), "weight": 50}, {"name": cluster("v3"), "weight": 50}]
                    }
                },
            },
            Rule((("v1", Fraction(1, 2)), ("v3", Fraction(1, 2)))),
        ),
        (
            {
                **to(cluster("v1")),
                "typed_per_filter_config": {
                    "envoy.filters.http.fault": {
                        "delay": {"fixed_delay": "7s", "percentage": {"numerator": 1000000, "denominator": "MILLION"}}
                    }
                },
            },
            Rule((("v1", Fraction(1)),), Fault(delay=7.0, delayed=Fraction(1))),
        ),
        (
            {
                **to(cluster("v1")),
                "typed_per_filter_config": {
                    "envoy.filters.http.fault": {"abort": {"http_status": 500, "percentage": {"numerator": 50}}}
                },
            },
            Rule((("v1", Fraction(1)),), Fault(aborted=Fraction(1, 2))),
        ),
    ],
)
def test_a_route_reads_as_the_verifier_terms(route, rule):
    assert envoy.rule_of(route, "reviews") == rule


def plan(scenario: str):
    return plan_for(typed_settings(assemble(overrides=(f"scenario={scenario}",))[1]))


def test_istiods_routes_for_user_routing_match_the_plan_and_a_seeded_wrong_route_fails():
    good = config({**to(cluster("v2")), "match": {"prefix": "/", "headers": [JASON]}}, to(cluster("v1")))
    ratings = {
        "name": "ratings",
        "domains": ["ratings.bookinfo.svc.cluster.local"],
        "routes": [to(cluster("v1", "ratings.bookinfo.svc.cluster.local"))],
    }
    good["virtual_hosts"].append(ratings)
    problems, seen = xds.translated(plan("user-routing"), {"9080": good})
    assert problems == []
    assert seen[:3] == ["reviews for anonymous: v1 100%", "reviews for jason: v2 100%", "reviews for firefox: v1 100%"]
    wrong = config(to(cluster("v3")))
    wrong["virtual_hosts"].append(ratings)
    problems, _ = xds.translated(plan("user-routing"), {"9080": wrong})
    assert problems[0] == "xds reviews for anonymous: istiod sends v3 100%, the plan means v1 100%"
    assert xds.translated(plan("user-routing"), {})[0][0] == "istiod sent no route configuration 9080 (it sent [])"


def test_under_ambient_bookinfos_routes_are_read_from_the_chain_the_waypoint_holds_for_each_service():
    """A waypoint's route configuration per Service, as its main_internal listener holds them inline."""
    v = lambda version, app="reviews": f"inbound-vip|9080|http|{app}-{version}.bookinfo.svc.cluster.local"  # ruff: ignore[lambda-assignment]
    jason = {**to(v("v2")), "match": {"prefix": "/", "headers": [JASON]}}
    chains = {
        f"inbound-vip|9080|http|{app}.bookinfo.svc.cluster.local": {
            "name": app,
            "virtual_hosts": [{"name": "inbound|http|9080", "domains": ["*"], "routes": routes_}],
        }
        for app, routes_ in (("reviews", [jason, to(v("v1"))]), ("ratings", [to(v("v1", "ratings"))]))
    }
    ambient = plan_for(
        typed_settings(
            assemble(
                overrides=(
                    "scenario=user-routing",
                    "target=existing",
                    "kubeconfig=/tmp/kubeconfig",
                    "kubeContext=kind-istio",
                    "routingApi=gateway-api",
                    "dataplane=ambient",
                    "platform=none",
                )
            )[1]
        )
    )
    problems, seen = xds.translated(ambient, chains, waypoint=True)
    assert problems == []
    assert seen[:2] == ["reviews for anonymous: v1 100%", "reviews for jason: v2 100%"]
    assert xds.translated(ambient, {}, waypoint=True)[0][0].startswith(
        "istiod sent no route configuration inbound-vip|9080|http|reviews.bookinfo.svc.cluster.local"
    )


def test_protobuf_json_is_read_with_the_field_names_of_envoys_protos():
    given = [{"9080": {"virtualHosts": [{"typedPerFilterConfig": {"envoy.filters.http.fault": {"fixedDelay": "7s"}}}]}}]
    assert xds.snake_keys(given) == [
        {"9080": {"virtual_hosts": [{"typed_per_filter_config": {"envoy.filters.http.fault": {"fixed_delay": "7s"}}}]}}
    ]


HTTPBIN = "outbound|8000||httpbin.circuit-breaking.svc.cluster.local"


def breaker(max_connections: int = 1) -> dict:
    """httpbin's outbound cluster as istiod sends fortio's sidecar under circuit-breaking (protobuf JSON)."""
    return {
        "name": HTTPBIN,
        "circuitBreakers": {"thresholds": [{"maxConnections": max_connections, "maxPendingRequests": 1}]},
        "typedExtensionProtocolOptions": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "commonHttpProtocolOptions": {"maxRequestsPerConnection": 1}
            }
        },
        "outlierDetection": {
            "consecutive5xx": 1,
            "interval": "1s",
            "baseEjectionTime": "180s",
            "maxEjectionPercent": 100,
        },
    }


def test_istiods_circuit_breaker_for_httpbin_matches_the_plan_and_a_looser_one_fails():
    cb = plan("circuit-breaking")
    problems, seen = xds.limits_translated(cb, xds.snake_keys({HTTPBIN: breaker()}), "circuit-breaking", 8000)
    assert problems == []
    assert seen == ["httpbin: " + str(xds.Limits("httpbin", 1, 1, 1, 1, "1s", "180s", 100))]
    problems, _ = xds.limits_translated(cb, xds.snake_keys({HTTPBIN: breaker(1024)}), "circuit-breaking", 8000)
    assert problems and problems[0].startswith(
        "xds httpbin: istiod sends Limits(service='httpbin', max_connections=1024"
    )
    assert xds.limits_translated(cb, {}, "circuit-breaking", 8000)[0] == [f"xds: istiod sent no cluster {HTTPBIN}"]


PROXY_STATUS = """NAME                                   CLUSTER        ISTIOD              VERSION   SUBSCRIBED TYPES
istio-ingressgateway-5d9c.istio-system Kubernetes     istiod-local        1.30.3    2 (CDS,LDS)
productpage-v1-7f4b.bookinfo           Kubernetes     istiod-local        1.30.3    4 (CDS,LDS,EDS,RDS)
"""


@pytest.mark.parametrize(
    ("proxy", "problems"),
    [
        ("productpage-v1-7f4b.bookinfo", []),
        (
            "istio-ingressgateway-5d9c.istio-system",
            ["istioctl proxy-status: istio-ingressgateway-5d9c.istio-system not subscribed to RDS"],
        ),
        ("reviews-v1-1.bookinfo", [f"istioctl proxy-status lists no reviews-v1-1.bookinfo: {PROXY_STATUS.strip()}"]),
    ],
)
def test_proxy_status_lists_the_connected_proxy_subscribed_to_its_configuration(proxy, problems):
    assert xds.proxy_listed(PROXY_STATUS, proxy)[0] == problems


def test_under_ambient_the_breakers_limits_are_on_the_cluster_the_waypoint_serves_httpbin_with():
    cb = plan("circuit-breaking")
    name = "inbound-vip|8000|http|httpbin.circuit-breaking.svc.cluster.local"
    waypoint = xds.snake_keys({name: breaker()})
    assert xds.limits_translated(cb, waypoint, "circuit-breaking", 8000, waypoint=True)[0] == []
    assert xds.limits_translated(cb, waypoint, "circuit-breaking", 8000)[0] == [
        f"xds: istiod sent no cluster {HTTPBIN}"
    ]


class ReviewsPods:
    """A cluster whose reviews pods have the addresses given."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    def get_json(self, *args: str) -> dict:
        assert args == ("pods", "-n", "bookinfo", "-l", "app=reviews")
        return {"items": [{"status": {"podIP": address}} for address in self.addresses]}


REVIEWS_CLUSTER = f"outbound|9080||{REVIEWS}"
EJECTING = {"consecutive5xx": 1, "interval": "1s", "baseEjectionTime": "60s", "maxEjectionPercent": 100}


def assignment(*groups: tuple[int, tuple[str, ...]]) -> dict:
    """A ClusterLoadAssignment in protobuf JSON: each (priority, addresses) a group; priority 0 left unset."""
    return {
        "clusterName": REVIEWS_CLUSTER,
        "endpoints": [
            {
                **({"priority": priority} if priority else {}),
                "lbEndpoints": [
                    {"endpoint": {"address": {"socketAddress": {"address": a, "portValue": 9080}}}} for a in addresses
                ],
            }
            for priority, addresses in groups
        ],
    }


def written(tmp_path, outliers: dict, *groups: tuple[int, tuple[str, ...]]):
    """The files xdsdump writes for a sidecar: its EDS clusters and their endpoints."""
    prefix = tmp_path / "productpage"
    clusters = {REVIEWS_CLUSTER: {"name": REVIEWS_CLUSTER, "type": "EDS", "outlierDetection": outliers}}
    prefix.with_name("productpage_eds_clusters.json").write_text(json.dumps(clusters))
    prefix.with_name("productpage_eds.json").write_text(json.dumps([{REVIEWS_CLUSTER: assignment(*groups)}]))
    return prefix


OWN, OTHER = ReviewsPods("10.0.0.4", "10.0.0.5"), ReviewsPods("10.1.0.4")
PRIORITIES = {"10.0.0.4": 0, "10.0.0.5": 0, "10.1.0.4": 1}


@pytest.mark.parametrize(
    ("outliers", "groups", "others", "problems"),
    [
        (EJECTING, [(0, ("10.0.0.4", "10.0.0.5")), (1, ("10.1.0.4",))], [OTHER], []),
        (EJECTING, [(0, ("10.0.0.4", "10.0.0.5"))], [], []),
        (
            EJECTING,
            [(0, ("10.0.0.4", "10.0.0.5", "10.1.0.4"))],
            [OTHER],
            [f"xds reviews: endpoints at priorities {dict.fromkeys(PRIORITIES, 0)}, the rule means {PRIORITIES}"],
        ),
        (
            {**EJECTING, "baseEjectionTime": "180s"},
            [(0, ("10.0.0.4", "10.0.0.5"))],
            [],
            ["xds reviews: istiod ejects (1, 1.0, 180.0, 100), the rule means (1, 1.0, 60.0, 100)"],
        ),
    ],
)
def test_istiods_failover_for_reviews_puts_the_sidecars_own_cluster_first(tmp_path, outliers, groups, others, problems):
    prefix = written(tmp_path, outliers, *groups)
    assert xds.failover_translated(plan("locality-failover"), prefix, OWN, others)[0] == problems


def test_only_a_rule_that_balances_by_locality_is_checked_for_failover(tmp_path):
    assert xds.failover_rules(plan("circuit-breaking")) == ()
    assert xds.failover_translated(plan("round-robin"), tmp_path / "productpage", OWN) == ([], [])


def injected(where: str, env: list[dict[str, str]]) -> dict:
    """A Bookinfo pod whose proxy istiod injected as a container or as a native sidecar (`where`)."""
    proxy = {"name": "istio-proxy", "env": env}
    return {
        "metadata": {"name": "productpage-v1-0", "namespace": "bookinfo", "labels": {"app": "productpage"}},
        "spec": {"containers": [{"name": "productpage"}, *([proxy] if where == "containers" else [])]}
        | ({"initContainers": [proxy]} if where == "initContainers" else {}),
        "status": {"podIP": "10.1.0.7"},
    }


@pytest.mark.parametrize("where", ["containers", "initContainers"])
@pytest.mark.parametrize(
    ("env", "mesh_id"),
    [([{"name": "ISTIO_META_MESH_ID", "value": "istio-demo"}], {"MESH_ID": "istio-demo"}), ([], {})],
)
def test_the_stand_in_proxy_sends_the_mesh_id_its_injection_set(where, env, mesh_id):
    metadata = xds.node_metadata(injected(where, env), {}, "cluster-2")
    assert {key: metadata[key] for key in ("CLUSTER_ID", "INSTANCE_IPS", "NAMESPACE")} == {
        "CLUSTER_ID": "cluster-2",
        "INSTANCE_IPS": "10.1.0.7",
        "NAMESPACE": "bookinfo",
    }
    assert {key: metadata[key] for key in metadata if key == "MESH_ID"} == mesh_id


def test_a_pod_with_no_injected_proxy_is_not_stood_in_for():
    with pytest.raises(envoy.RouteError, match="productpage-v1-0 has no istio-proxy injected to stand in for"):
        xds.node_metadata(injected("nowhere", []), {}, "cluster-1")
