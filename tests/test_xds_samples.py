"""The samples' scenarios against configuration shaped as istiod sends it (route configurations and TCP listeners,
as e2e/xds_samples.py reads them): what matches the plan passes, and a seeded wrong route or split fails."""

from __future__ import annotations

from fractions import Fraction

import pytest

from e2e import xds_samples as samples
from scenarios.catalog import plan_for
from tests.conftest import OWN_CLUSTER
from tools.preview.stack_config import assemble, typed_settings
from tools.verify.routing import Rule

APIS = {"istio": (), "gateway-api": (*OWN_CLUSTER, "routingApi=gateway-api")}
HTTPBIN = "outbound|8000||httpbin.httpbin-ingress.svc.cluster.local"
MILLION = {"numerator": 1000000, "denominator": "MILLION"}


def plan(scenario: str, *overrides: str):
    return plan_for(typed_settings(assemble(overrides=(f"scenario={scenario}", *overrides))[1]))


def routes(name: str, host: str, *routes: dict) -> dict:
    return {name: {"name": name, "virtual_hosts": [{"name": host, "domains": [host, f"{host}:*"], "routes": routes}]}}


def forward(cluster: str, prefix: str = "/", **action: object) -> dict:
    return {"match": {"prefix": prefix}, "route": {"cluster": cluster, "timeout": "0s", **action}}


def ingress(*prefixes: str) -> samples.Dump:
    return samples.Dump(routes("http.8080", "httpbin.example.com", *(forward(HTTPBIN, p) for p in prefixes)), {})


@pytest.mark.parametrize("api", sorted(APIS))
@pytest.mark.parametrize(
    ("overrides", "prefixes", "problems"),
    [
        ((), ("/headers",), []),
        (("httpbinStatusPath=true",), ("/headers", "/status"), []),
        (
            (),
            ("/",),
            [
                "xds ingress httpbin.example.com/status/200: istiod sends httpbin 100%, the plan means no route (404)",
                "xds ingress httpbin.example.com/get: istiod sends httpbin 100%, the plan means no route (404)",
            ],
        ),
    ],
)
def test_httpbins_paths_at_the_ingress_gateway(api, overrides, prefixes, problems):
    found, seen = samples.ingress_paths(plan("httpbin-ingress", *APIS[api], *overrides), ingress(*prefixes))
    assert found == problems
    assert seen[0] == "ingress httpbin.example.com/headers: httpbin 100%"


def tcp_listener(port: int, *weights: tuple[str, int]) -> samples.Dump:
    clusters = [
        {"name": f"outbound|9000|{version}|tcp-echo.tcp-traffic-shifting.svc.cluster.local", "weight": w}
        for version, w in weights
    ]
    proxy = {"name": samples.TCP_PROXY, "typed_config": {"weighted_clusters": {"clusters": clusters}}}
    listener = {
        "name": f"0.0.0.0_{port}",
        "address": {"socket_address": {"address": "0.0.0.0", "port_value": port}},
        "filter_chains": [{"filters": [proxy]}],
    }
    return samples.Dump({}, {listener["name"]: listener})


@pytest.mark.parametrize("api", sorted(APIS))
@pytest.mark.parametrize(
    ("listener", "problems"),
    [
        (tcp_listener(31400, ("v1", 80), ("v2", 20)), []),
        (
            tcp_listener(31400, ("v1", 50), ("v2", 50)),
            ["xds ingress TCP 31400: istiod sends v1 50%, v2 50%, the plan means v1 80%, v2 20%"],
        ),
        (
            tcp_listener(15443, ("v1", 80)),
            ["xds: istiod sent the ingress gateway no listener on 31400 (['0.0.0.0_15443'])"],
        ),
    ],
)
def test_tcp_echos_split_at_the_ingress_gateway(api, listener, problems):
    assert samples.tcp_split(plan("tcp-traffic-shifting", *APIS[api]), listener)[0] == problems


def mirror_client(v1: str, v2: str, numerator: int) -> samples.Dump:
    fraction = {"runtime_fraction": {"default_value": {"numerator": numerator, "denominator": "MILLION"}}}
    route = forward(v1, request_mirror_policies=[{"cluster": v2, **fraction}])
    return samples.Dump(routes("8000", "httpbin.mirroring.svc.cluster.local", route), {})


@pytest.mark.parametrize(
    ("api", "v1", "v2"),
    [
        (
            "istio",
            "outbound|8000|v1|httpbin.mirroring.svc.cluster.local",
            "outbound|8000|v2|httpbin.mirroring.svc.cluster.local",
        ),
        (
            "gateway-api",
            "outbound|8000||httpbin-v1.mirroring.svc.cluster.local",
            "outbound|8000||httpbin-v2.mirroring.svc.cluster.local",
        ),
    ],
)
def test_httpbins_mirror_in_curls_sidecar(api, v1, v2):
    mirroring = plan("mirroring", *APIS[api])
    assert samples.mirrored(mirroring, mirror_client(v1, v2, 1000000), "mirroring") == (
        [],
        ["httpbin:8000 at curl's sidecar: v1 100%; a copy of 100% to v2"],
    )
    assert samples.mirrored(mirroring, mirror_client(v1, v2, 250000), "mirroring")[0] == [
        "xds httpbin:8000 at curl's sidecar: istiod sends v1 100%; a copy of 25% to v2, the plan means v1 100%; a"
        " copy of 100% to v2"
    ]
    unmirrored = samples.Dump(routes("8000", "httpbin.mirroring.svc.cluster.local", forward(v1)), {})
    assert samples.mirrored(mirroring, unmirrored, "mirroring")[0][0].endswith(
        "the plan means v1 100%; a copy of 100% to v2"
    )


def test_a_mirror_reads_as_the_verifiers_rule():
    route = forward(
        "outbound|8000|v1|httpbin.m.svc.cluster.local",
        request_mirror_policies=[
            {"cluster": "outbound|8000|v2|httpbin.m.svc.cluster.local", "runtime_fraction": {"default_value": MILLION}}
        ],
    )
    assert samples.envoy_routes.rule_of(route, "httpbin") == Rule((("v1", Fraction(1)),), mirror=("v2", Fraction(1)))


EGRESS = "istio-egressgateway.istio-system.svc.cluster.local"


@pytest.mark.parametrize("api", sorted(APIS))
@pytest.mark.parametrize(
    ("client_cluster", "gateway_cluster", "problems"),
    [
        (f"outbound|80|external|{EGRESS}", "outbound|80||edition.cnn.com", []),
        (
            "PassthroughCluster||x|edition.cnn.com",
            "outbound|80||edition.cnn.com",
            [f"xds edition.cnn.com at curl's sidecar: istiod sends it to edition.cnn.com, the plan means {EGRESS}"],
        ),
    ],
)
def test_the_external_host_leaves_through_the_egress_gateway(api, client_cluster, gateway_cluster, problems):
    egress = plan("egress-gateway", *APIS[api], "egressGateway=true")
    client = samples.Dump(routes("80", "edition.cnn.com", forward(client_cluster)), {})
    gateway = samples.Dump(routes("http.8080", "edition.cnn.com", forward(gateway_cluster)), {})
    assert samples.egress_path(egress, client, gateway)[0] == problems


PRODUCTPAGE = "outbound|9080||productpage.bookinfo.svc.cluster.local"


def bookinfo_gateway(*routes_: dict) -> samples.Dump:
    return samples.Dump(routes("http.8080", "*", *routes_), {})


@pytest.mark.parametrize("gateway_api", [False, True])
def test_bookinfos_paths_at_the_ingress_gateway(gateway_api):
    exact = [{"match": {"path": p}, "route": {"cluster": PRODUCTPAGE}} for p in ("/productpage", "/login")]
    prefixes = [forward(PRODUCTPAGE, p) for p in ("/static", "/api/v1/products")]
    problems, seen = samples.bookinfo_ingress(gateway_api, bookinfo_gateway(*exact, *prefixes))
    assert problems == []
    assert seen == [
        "ingress /productpage: productpage 100%",
        "ingress /static/tailwind/tailwind.css: productpage 100%",
        "ingress /login: productpage 100%",
        "ingress /api/v1/products/0: productpage 100%",
        "ingress /: no route (404)",
        "ingress /health: no route (404)",
    ]
    problems, _ = samples.bookinfo_ingress(gateway_api, bookinfo_gateway(forward(PRODUCTPAGE)))
    assert problems == [
        "xds ingress /: istiod sends productpage 100%, the plan means no route (404)",
        "xds ingress /health: istiod sends productpage 100%, the plan means no route (404)",
    ]


def waypoint_listener(*chains: tuple[str, dict]) -> dict:
    """A waypoint's main_internal listener as istiod sends it: a filter chain per Service, its routes inline."""

    def filters(config):
        return [{"name": "envoy.filters.network.http_connection_manager", "typed_config": {"route_config": config}}]

    return {
        "main_internal": {
            "name": "main_internal",
            "filter_chains": [{"name": name, "filters": filters(config)} for name, config in chains]
            + [{"name": "direct-tcp", "filters": []}],
        }
    }


def inline(name: str, *routes_: dict) -> dict:
    return {"name": name, "virtual_hosts": [{"name": "inbound|http|8000", "domains": ["*"], "routes": list(routes_)}]}


def test_the_waypoint_of_an_ambient_namespace_holds_the_mirror():
    chain = "inbound-vip|8000|http|httpbin.mirroring.svc.cluster.local"
    v1, v2 = (f"inbound-vip|8000|http|httpbin-{v}.mirroring.svc.cluster.local" for v in ("v1", "v2"))
    route = forward(v1, request_mirror_policies=[{"cluster": v2, "runtime_fraction": {"default_value": MILLION}}])
    other = "inbound-vip|80|http|curl.mirroring.svc.cluster.local"
    listeners = waypoint_listener((other, inline(other, forward(other))), (chain, inline(chain, route)))
    waypoint = samples.WaypointDump(samples.inline_routes(listeners), {})
    assert set(waypoint.routes) == {other, chain}
    mirroring = plan("mirroring", *APIS["gateway-api"], "dataplane=ambient", "platform=none")
    assert samples.mirrored(mirroring, waypoint, "mirroring", "mirroring's waypoint") == (
        [],
        ["httpbin:8000 at mirroring's waypoint: v1 100%; a copy of 100% to v2"],
    )


@pytest.mark.parametrize(
    ("cluster", "version"),
    [
        ("inbound-vip|8000|http|httpbin-v2.mirroring.svc.cluster.local", "v2"),
        ("inbound-vip|9080|http/v3|reviews.bookinfo.svc.cluster.local", "v3"),
        ("outbound|9080|v1|reviews.bookinfo.svc.cluster.local", "v1"),
        ("PassthroughCluster", "PassthroughCluster"),
    ],
)
def test_the_version_a_cluster_serves(cluster, version):
    assert samples.envoy_routes.version_of(cluster, cluster.split("|")[-1].split(".")[0].split("-")[0]) == version
