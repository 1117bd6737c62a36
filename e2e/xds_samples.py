"""At the mesh's edges and in the samples, as Istio translates them: what istiod sends the ingress gateway for
Bookinfo's paths, httpbin's host and tcp-echo's port, curl's sidecar (under ambient, the namespace's waypoint) for
httpbin's mirror, and it and the egress gateway for the external host. Where the live verifier reads the plan (tools/verify/routing: the paths,
the TCP split, the mirror), that reading is the expectation; the egress path, which the verifier leaves to commands
run by hand, is expected to go through the egress gateway's Service, then to the external host."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from e2e import envoy_routes, xds
from e2e.cluster import Cluster
from model import istio_routing as istio
from model.bookinfo_app import gateway_api_ingress_objects, ingress_objects
from model.mesh import EGRESS_GATEWAY, INGRESS_GATEWAY, ISTIO_NAMESPACE, WAYPOINT
from model.sample_apps import HTTPBIN_HOST, HTTPBIN_PORT
from model.settings import MeshSettings
from scenarios.plan import ScenarioPlan
from tools.verify.facts import HTTPBIN_PATHS
from tools.verify.routing import Rule, http_rule, routes, tcp_gateway_port, tcp_rule

TCP_PROXY = "envoy.filters.network.tcp_proxy"
WAYPOINT_LISTENER = "main_internal"  # the waypoint's listener whose filter chains serve each Service
WAYPOINT_SELECTOR = f"gateway.networking.k8s.io/gateway-name={WAYPOINT}"  # the pods istiod deploys for a waypoint
BOOKINFO_AUTHORITY = "203.0.113.10"  # any host: Bookinfo's ingress serves every hostname (a documentation address)
BOOKINFO_PATHS = ("/productpage", "/static/tailwind/tailwind.css", "/login", "/api/v1/products/0", "/", "/health")

Outcome = tuple[list[str], list[str]]  # problems, and what istiod's configuration showed


@dataclass(frozen=True)
class Dump:
    """What istiod sent one proxy: its route configurations and its TCP listeners, by name."""

    routes: dict[str, dict[str, Any]]
    tcp_listeners: dict[str, dict[str, Any]]

    def route(self, authority: str, path: str) -> Mapping[str, Any] | None:
        """The route Envoy picks for a request to `authority` and `path`, in the route configuration with a virtual
        host of that domain, else in one with a virtual host for any (`*`); None where none does (Envoy answers
        404)."""
        configs = list(self.routes.values())
        exact = [c for c in configs if any(authority in h.get("domains", []) for h in c.get("virtual_hosts", []))]
        chosen = exact or [c for c in configs if envoy_routes.virtual_host(c, authority) is not None]
        if not chosen:
            return None
        try:
            return envoy_routes.selected(chosen[0], authority, path, {})
        except envoy_routes.RouteError:
            return None


@dataclass(frozen=True)
class WaypointDump(Dump):
    """What istiod sent a waypoint: its routes are inline, one configuration per Service it serves (the filter
    chains of its `main_internal` listener, named `inbound-vip|port|http|host`)."""

    def route(self, authority: str, path: str) -> Mapping[str, Any] | None:
        """The route for a request to the Service `authority` (a fully qualified host), in that Service's chain."""
        config = next((c for name, c in self.routes.items() if name.endswith(f"|{authority}")), None)
        if config is None:
            return None
        try:
            return envoy_routes.selected(config, authority, path, {})
        except envoy_routes.RouteError:
            return None


def inline_routes(listeners: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The route configurations a waypoint's `main_internal` listener holds inline, by filter chain."""
    chains = listeners.get(WAYPOINT_LISTENER, {}).get("filter_chains", [])
    return {
        chain["name"]: f["typed_config"]["route_config"]
        for chain in chains
        if str(chain.get("name", "")).startswith("inbound-vip|")
        for f in chain.get("filters", [])
        if "route_config" in f.get("typed_config", {})
    }


def dumped(cluster: Cluster, namespace: str, app: str, node_type: str, out: Path) -> Dump:
    prefix = xds.dump(cluster, xds.client_pod(cluster, namespace, app), out, node_type)
    return Dump(xds.read(prefix, "rds"), xds.read(prefix, "lds_tcp"))


def waypoint(cluster: Cluster, namespace: str, out: Path) -> WaypointDump:
    pod = xds.client_pod(cluster, namespace, selector=WAYPOINT_SELECTOR)
    prefix = xds.dump(cluster, pod, out, "waypoint")
    return WaypointDump(inline_routes(xds.read(prefix, "lds_http")), xds.read(prefix, "lds_tcp"))


def gateway(cluster: Cluster, app: str, out: Path) -> Dump:
    return dumped(cluster, ISTIO_NAMESPACE, app, "router", out)


def rule_or_none(route: Mapping[str, Any] | None, service: str) -> Rule | None:
    return None if route is None else envoy_routes.rule_of(route, service)


def compared(what: str, expected: Rule | None, got: Rule | None) -> Outcome:
    seen = [f"{what}: {xds.words(got)}"]
    if xds.same(expected, got):
        return [], seen
    return [f"xds {what}: istiod sends {xds.words(got)}, the plan means {xds.words(expected)}"], seen


def bookinfo_ingress(gateway_api: bool, ingress: Dump) -> Outcome:
    """Bookinfo's paths at the ingress gateway, for any host: productpage's, and 404 for the others."""
    objects = gateway_api_ingress_objects() if gateway_api else ingress_objects()
    plan = ScenarioPlan(tuple(objects))
    problems: list[str] = []
    seen: list[str] = []
    for path in BOOKINFO_PATHS:
        got = rule_or_none(ingress.route(BOOKINFO_AUTHORITY, path), "productpage")
        more = compared(f"ingress {path}", http_rule(plan, "*", {}, path), got)
        problems, seen = problems + more[0], seen + more[1]
    return problems, seen


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


def mirrored(plan: ScenarioPlan, client: Dump, namespace: str, who: str = "curl's sidecar") -> Outcome:
    """httpbin's route in curl's sidecar (or the namespace's waypoint): to v1, a copy of the plan's share to v2."""
    authority = f"httpbin.{namespace}.svc.cluster.local"
    got = rule_or_none(client.route(authority, "/headers"), "httpbin")
    return compared(f"httpbin:{HTTPBIN_PORT} at {who}", http_rule(plan, "httpbin", {}, "/headers"), got)


def cluster_host(route: Mapping[str, Any] | None) -> str:
    """The host of the outbound cluster a route forwards to (`outbound|80|subset|host`), or what it does instead."""
    if route is None:
        return "no route (404)"
    cluster = str(route.get("route", {}).get("cluster", ""))
    return cluster.split("|")[3] if cluster.count("|") == 3 else f"{cluster or sorted(route)} (not a Service's)"


def egress_path(plan: ScenarioPlan, client: Dump, egress: Dump, who: str = "curl's sidecar") -> Outcome:
    """The external host from curl's sidecar (or the namespace's waypoint) to the egress gateway's Service, and from
    there to the host."""
    host = next(obj for obj in plan.objects if isinstance(obj, istio.ServiceEntry)).hosts[0]
    hops = (
        (who, client, f"{EGRESS_GATEWAY}.{ISTIO_NAMESPACE}.svc.cluster.local"),
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


def joined(outcomes: list[Outcome]) -> Outcome:
    """Several checks' problems and findings, as one check's."""
    return [p for outcome in outcomes for p in outcome[0]], [s for outcome in outcomes for s in outcome[1]]


def translated_at_the_ingress(cluster: Cluster, plan: ScenarioPlan, mesh: MeshSettings, out: Path) -> Outcome:
    """At the cluster's ingress gateway: Bookinfo's paths, and httpbin's paths and the TCP split where the plan has
    them."""
    ingress = gateway(cluster, INGRESS_GATEWAY, out)
    outcomes = [bookinfo_ingress(mesh.gateway_api, ingress)]
    if routes(plan, HTTPBIN_HOST):
        outcomes.append(ingress_paths(plan, ingress))
    if tcp_gateway_port(plan) is not None:
        outcomes.append(tcp_split(plan, ingress))
    return joined(outcomes)


def translated_at_the_edges(cluster: Cluster, plan: ScenarioPlan, mesh: MeshSettings, out: Path) -> Outcome:
    """The ingress gateway's checks, and every check above that the plan's samples call for; under ambient, the
    samples' routes as the waypoint of their namespace holds them."""
    outcomes = [translated_at_the_ingress(cluster, plan, mesh, out)]
    namespace = plan.samples.namespace if plan.samples is not None else ""
    mirror, egress = routes(plan, "httpbin"), any(isinstance(obj, istio.ServiceEntry) for obj in plan.objects)
    if mirror or egress:
        who = f"{namespace}'s waypoint" if mesh.ambient else "curl's sidecar"
        client = (
            waypoint(cluster, namespace, out) if mesh.ambient else dumped(cluster, namespace, "curl", "sidecar", out)
        )
        if mirror:
            outcomes.append(mirrored(plan, client, namespace, who))
        if egress:
            outcomes.append(egress_path(plan, client, gateway(cluster, EGRESS_GATEWAY, out), who))
    return joined(outcomes)
