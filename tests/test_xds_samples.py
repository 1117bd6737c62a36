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
        ["httpbin from curl (port 8000): v1 100%; a copy of 100% to v2"],
    )
    assert samples.mirrored(mirroring, mirror_client(v1, v2, 250000), "mirroring")[0] == [
        "xds httpbin from curl (port 8000): istiod sends v1 100%; a copy of 25% to v2, the plan means v1 100%; a copy"
        " of 100% to v2"
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
