"""The samples' scenarios as Istio translates them: what istiod sends the ingress gateway for httpbin's host and
tcp-echo's port, curl's sidecar for httpbin's mirror, and curl's sidecar and the egress gateway for the external
host. Where the live verifier reads the plan (tools/verify/routing: httpbin's paths, the TCP split, the mirror), that
reading is the expectation; the egress path, which the verifier leaves to commands run by hand, is expected to go
through the egress gateway's Service, then to the external host."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from e2e import envoy_routes, xds
from e2e.cluster import Cluster
from model import istio_routing as istio
from model.mesh import EGRESS_GATEWAY, INGRESS_GATEWAY, ISTIO_NAMESPACE
from model.sample_apps import HTTPBIN_HOST, HTTPBIN_PORT
from scenarios.plan import ScenarioPlan
from tools.verify.facts import HTTPBIN_PATHS
from tools.verify.routing import Rule, http_rule, routes, tcp_gateway_port, tcp_rule

TCP_PROXY = "envoy.filters.network.tcp_proxy"
EXTERNAL_PORT = 80  # the port of the external host's calls the egress scenario sends through the egress gateway

Outcome = tuple[list[str], list[str]]  # problems, and what istiod's configuration showed


@dataclass(frozen=True)
class Dump:
    """What istiod sent one proxy: its route configurations and its TCP listeners, by name."""

    routes: dict[str, dict[str, Any]]
    tcp_listeners: dict[str, dict[str, Any]]

    def route(self, authority: str, path: str) -> Mapping[str, Any] | None:
        """The route Envoy picks for a request to `authority` and `path`, in the route configuration with a virtual
        host of that exact domain; None where none does (Envoy answers 404)."""
        for config in self.routes.values():
            if any(authority in host.get("domains", []) for host in config.get("virtual_hosts", [])):
                try:
                    return envoy_routes.selected(config, authority, path, {})
                except envoy_routes.RouteError:
                    return None
        return None


def named(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: value for entry in entries for name, value in entry.items()}


def dumped(cluster: Cluster, namespace: str, app: str, node_type: str, out: Path) -> Dump:
    prefix = xds.dump(cluster, xds.client_pod(cluster, namespace, app), out, node_type)

    def read(suffix: str) -> dict[str, dict[str, Any]]:
        return named(xds.snake_keys(json.loads(Path(f"{prefix}_{suffix}.json").read_text())))

    return Dump(read("rds"), read("lds_tcp"))


def gateway(cluster: Cluster, app: str, out: Path) -> Dump:
    return dumped(cluster, ISTIO_NAMESPACE, app, "router", out)


def rule_or_none(route: Mapping[str, Any] | None, service: str) -> Rule | None:
    return None if route is None else envoy_routes.rule_of(route, service)


def compared(what: str, expected: Rule | None, got: Rule | None) -> Outcome:
    seen = [f"{what}: {xds.words(got)}"]
    if xds.same(expected, got):
        return [], seen
    return [f"xds {what}: istiod sends {xds.words(got)}, the plan means {xds.words(expected)}"], seen


def ingress_paths(plan: ScenarioPlan, ingress: Dump) -> Outcome:
    """httpbin's paths at the ingress gateway: each routed to httpbin or answered 404, as the plan says."""
    problems: list[str] = []
    seen: list[str] = []
    for path in HTTPBIN_PATHS:
        expected = http_rule(plan, HTTPBIN_HOST, {}, path)
        got = rule_or_none(ingress.route(HTTPBIN_HOST, path), "httpbin")
        more = compared(f"ingress {HTTPBIN_HOST}{path}", expected, got)
        problems, seen = problems + more[0], seen + more[1]
    return problems, seen


def tcp_proxy_rule(listener: Mapping[str, Any], service: str) -> Rule:
    """A TCP listener's split, as its tcp_proxy filter sends connections."""
    filters = [f for chain in listener.get("filter_chains", []) for f in chain.get("filters", [])]
    proxy = next((f["typed_config"] for f in filters if f.get("name") == TCP_PROXY), None)
    if proxy is None:
        raise envoy_routes.RouteError(f"listener {listener.get('name')} has no {TCP_PROXY} filter")
    if "weighted_clusters" in proxy:
        clusters = proxy["weighted_clusters"]["clusters"]
        total = sum(int(c.get("weight", 0)) for c in clusters)
        split = tuple(
            (envoy_routes.version_of(c["name"], service), Fraction(int(c.get("weight", 0)), total)) for c in clusters
        )
        return Rule(split)
    return Rule(((envoy_routes.version_of(proxy["cluster"], service), Fraction(1)),))


def tcp_split(plan: ScenarioPlan, ingress: Dump) -> Outcome:
    """tcp-echo's split at the ingress gateway's TCP port."""
    port = tcp_gateway_port(plan)
    assert port is not None, "tcp-traffic-shifting declares a TCP Gateway server"
    listener = next(
        (
            value
            for value in ingress.tcp_listeners.values()
            if value.get("address", {}).get("socket_address", {}).get("port_value") == port
        ),
        None,
    )
    if listener is None:
        return [f"xds: istiod sent the ingress gateway no listener on {port} ({sorted(ingress.tcp_listeners)})"], []
    return compared(f"ingress TCP {port}", tcp_rule(plan, "tcp-echo", port), tcp_proxy_rule(listener, "tcp-echo"))


def mirrored(plan: ScenarioPlan, client: Dump, namespace: str) -> Outcome:
    """httpbin's route in curl's sidecar: to v1, with a copy of the plan's share to v2."""
    authority = f"httpbin.{namespace}.svc.cluster.local"
    got = rule_or_none(client.route(authority, "/headers"), "httpbin")
    return compared(f"httpbin from curl (port {HTTPBIN_PORT})", http_rule(plan, "httpbin", {}, "/headers"), got)


def cluster_host(route: Mapping[str, Any] | None) -> str:
    """The host of the outbound cluster a route forwards to (`outbound|80|subset|host`), or what it does instead."""
    if route is None:
        return "no route (404)"
    action = route.get("route", {})
    return str(action["cluster"]).split("|")[3] if "cluster" in action else f"no single cluster ({sorted(route)})"


def egress_path(plan: ScenarioPlan, client: Dump, egress: Dump) -> Outcome:
    """The external host from curl's sidecar to the egress gateway's Service, and from there to the host."""
    host = next(obj for obj in plan.objects if isinstance(obj, istio.ServiceEntry)).hosts[0]
    hops = (
        ("curl's sidecar", client, f"{EGRESS_GATEWAY}.{ISTIO_NAMESPACE}.svc.cluster.local"),
        ("the egress gateway", egress, host),
    )
    problems: list[str] = []
    seen: list[str] = []
    for who, dump, expected in hops:
        got = cluster_host(dump.route(host, "/"))
        seen.append(f"{host} at {who}: -> {got}")
        if got != expected:
            problems.append(f"xds {host} at {who}: istiod sends it to {got}, the plan means {expected}")
    return problems, seen


def samples_translated(cluster: Cluster, plan: ScenarioPlan, ambient: bool, out: Path) -> Outcome:
    """Every check above that the plan's samples call for; under ambient, the gateways' alone (no sidecar in the
    samples' namespace: a waypoint holds their routes, and it is not asked yet)."""
    if plan.samples is None:
        return [], []
    namespace = plan.samples.namespace
    outcomes: list[Outcome] = []
    if routes(plan, HTTPBIN_HOST):
        outcomes.append(ingress_paths(plan, gateway(cluster, INGRESS_GATEWAY, out)))
    if tcp_gateway_port(plan) is not None:
        outcomes.append(tcp_split(plan, gateway(cluster, INGRESS_GATEWAY, out)))
    if not ambient and routes(plan, "httpbin"):
        outcomes.append(mirrored(plan, dumped(cluster, namespace, "curl", "sidecar", out), namespace))
    if not ambient and any(isinstance(obj, istio.ServiceEntry) for obj in plan.objects):
        client = dumped(cluster, namespace, "curl", "sidecar", out)
        outcomes.append(egress_path(plan, client, gateway(cluster, EGRESS_GATEWAY, out)))
    return [p for outcome in outcomes for p in outcome[0]], [s for outcome in outcomes for s in outcome[1]]
