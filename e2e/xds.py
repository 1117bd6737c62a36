"""Each scenario as Istio translates it: the run asks its istiod over xDS (xdsdump, Istio's own ADS client) for the
route configuration productpage's sidecar receives, and evaluates the scenario's defining requests to reviews and
ratings against it with Envoy's route selection (e2e/envoy_routes.py). What each request should get comes from the
live verifier's reading of the scenario's plan (tools/verify/routing.http_rule), so the two cannot drift apart.

Checked on the sidecar data plane under both routing APIs, for the scenarios that route Bookinfo's HTTP services;
the gateways and the samples' scenarios, waypoints included, are e2e/xds_samples.py's.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from e2e import envoy_routes
from e2e.cluster import Cluster
from e2e.istiod import addresses
from e2e.mesh_checks import PROXY, proxy_of
from e2e.toolchain import TOOLS
from model.bookinfo_app import USER_HEADER
from model.istio_routing import DestinationRule
from model.mesh import ISTIO_NAMESPACE
from model.versions import ISTIO_RELEASE
from scenarios.plan import ScenarioPlan
from scenarios.view import Limits, view
from tools.verify.checks import FIREFOX
from tools.verify.routing import Rule, http_rule, routes, seconds

BOOKINFO = "bookinfo"
CLIENT = "productpage"  # the sidecar whose outbound routes are asked for
PORT_ROUTES = "9080"  # the route configuration of Bookinfo's port, as Istio names a sidecar's outbound one
HOSTS = ("reviews", "ratings")
DUMP_TIMEOUT_SECONDS = 60
CAPITAL = re.compile(r"[A-Z]")
SUBSCRIBED = re.compile(r"\(([A-Z,]+)\)")  # proxy-status's subscribed types: `3 (CDS,LDS,RDS)`
HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
ENVOY_DEFAULT_LIMIT = 1024  # Envoy's default max_connections and max_pending_requests
LIMITS_CLIENT = "fortio"  # the circuit-breaking task's load generator, whose sidecar the breaker's limits are for


@dataclass(frozen=True)
class Request:
    """A defining request of the tutorial: who sends it, as headers (lowercase names)."""

    name: str
    headers: Mapping[str, str]


REQUESTS = (
    Request("anonymous", {}),
    Request("jason", {USER_HEADER: "jason"}),
    Request("firefox", {"user-agent": FIREFOX}),
)


def client_pod(cluster: Cluster, namespace: str, app: str = "", selector: str = "") -> dict[str, Any]:
    """A running pod of `app` (or of the label `selector`) in `namespace`."""
    selector = selector or f"app={app}"
    pods = cluster.get_json("pods", "-n", namespace, "-l", selector)["items"]
    running = [p for p in pods if p.get("status", {}).get("podIP") and not p["metadata"].get("deletionTimestamp")]
    if not running:
        raise envoy_routes.RouteError(f"no running pod of {selector} in {namespace} to ask istiod for")
    pod: dict[str, Any] = running[0]
    return pod


def mesh_proxy_config(cluster: Cluster) -> dict[str, Any]:
    """The mesh's default proxy configuration (the `istio` ConfigMap's defaultConfig), which an agent sends as its
    PROXY_CONFIG: istiod counts a connection as a proxy's (in proxy-status, for one) only with it."""
    mesh = cluster.get_json("configmap", "istio", "-n", ISTIO_NAMESPACE)["data"]["mesh"]
    config: dict[str, Any] = (yaml.safe_load(mesh) or {}).get("defaultConfig", {})
    return config


def node_metadata(pod: dict[str, Any], proxy_config: dict[str, Any], cluster_id: str) -> dict[str, Any]:
    """The node metadata a sidecar's agent sends for `pod` in the cluster istiod knows as `cluster_id` (what istiod
    reads of it)."""
    meta = pod["metadata"]
    mesh_id = proxy_environment(pod).get("ISTIO_META_MESH_ID")
    return {
        "PROXY_CONFIG": proxy_config,
        "NAMESPACE": meta["namespace"],
        "NAME": meta["name"],
        "LABELS": meta.get("labels", {}),
        "CLUSTER_ID": cluster_id,
        "ISTIO_VERSION": ISTIO_RELEASE,
        "INSTANCE_IPS": pod["status"]["podIP"],
        "SERVICE_ACCOUNT": pod["spec"].get("serviceAccountName", "default"),
        "INTERCEPTION_MODE": "REDIRECT",
        **({"MESH_ID": mesh_id} if mesh_id else {}),  # as injection sets it: the mesh's ID, else its trust domain
    }


def proxy_environment(pod: dict[str, Any]) -> dict[str, str]:
    """The environment istiod's injection gave the pod's proxy, whose agent sends the metadata it names."""
    proxy = proxy_of(pod)
    if proxy is None:
        raise envoy_routes.RouteError(f"{pod['metadata']['name']} has no {PROXY} injected to stand in for")
    return {variable["name"]: variable.get("value", "") for variable in proxy.get("env", [])}


def route_configurations(cluster: Cluster, out: Path, client: str = CLIENT) -> dict[str, dict[str, Any]]:
    """The route configurations istiod sends the sidecar of Bookinfo's `client` (productpage's), by name."""
    return read(dump(cluster, client_pod(cluster, BOOKINFO, client), out), "rds")


def read(prefix: Path, suffix: str) -> dict[str, dict[str, Any]]:
    """One of xdsdump's files of named resources (`PREFIX_rds.json`: a list of {name: resource}), by name."""
    entries = snake_keys(json.loads(Path(f"{prefix}_{suffix}.json").read_text()))
    return {name: value for entry in entries for name, value in entry.items()}


def outbound_clusters(
    cluster: Cluster, namespace: str, app: str, out: Path, waypoint: str = ""
) -> dict[str, dict[str, Any]]:
    """The clusters whose endpoints come by EDS that istiod sends the sidecar of `app`'s pod in `namespace` (or,
    given the label selector of a `waypoint`, that waypoint), by name."""
    pod = client_pod(cluster, namespace, app, selector=waypoint)
    return eds_clusters(dump(cluster, pod, out, "waypoint" if waypoint else "sidecar"))


def eds_clusters(prefix: Path) -> dict[str, dict[str, Any]]:
    """xdsdump's file of the clusters whose endpoints come by EDS (`PREFIX_eds_clusters.json`), by name."""
    clusters: dict[str, dict[str, Any]] = snake_keys(json.loads(Path(f"{prefix}_eds_clusters.json").read_text()))
    return clusters


def pod_ips(cluster: Cluster, namespace: str, app: str) -> set[str]:
    pods = cluster.get_json("pods", "-n", namespace, "-l", f"app={app}")["items"]
    return {pod["status"]["podIP"] for pod in pods if pod.get("status", {}).get("podIP")}


def failover_rules(plan: ScenarioPlan) -> tuple[DestinationRule, ...]:
    """The plan's DestinationRules that balance by locality, with the outlier detection that lets them fail over."""
    return tuple(
        obj
        for obj in plan.objects
        if isinstance(obj, DestinationRule)
        and obj.traffic_policy is not None
        and obj.traffic_policy.load_balancer is not None
        and obj.traffic_policy.outlier_detection is not None
    )


def priorities(assignment: Mapping[str, Any]) -> dict[str, int]:
    """Each endpoint address of a ClusterLoadAssignment, in order, with the priority of its group (0 when unset)."""
    found = {
        endpoint["endpoint"]["address"]["socket_address"]["address"]: int(group.get("priority", 0))
        for group in assignment.get("endpoints", [])
        for endpoint in group.get("lb_endpoints", [])
    }
    return dict(sorted(found.items()))


def failover_translated(
    plan: ScenarioPlan, prefix: Path, own: Cluster, others: Sequence[Cluster] = ()
) -> tuple[list[str], list[str]]:
    """Problems, and what istiod sent, for each rule of `failover_rules` in the files of a sidecar in `own` under
    `prefix`: the outbound cluster of its host ejects as the rule says, and the host's pods in `own` come first
    (priority 0), those in the `others` next (1)."""
    problems: list[str] = []
    seen: list[str] = []
    rules = failover_rules(plan)
    if not rules:
        return problems, seen
    clusters, assignments = eds_clusters(prefix), read(prefix, "eds")
    for rule in rules:
        name = f"outbound|{PORT_ROUTES}||{rule.host}.{rule.namespace}.svc.cluster.local"
        if name not in clusters or name not in assignments:
            problems.append(f"xds: istiod sent no cluster or no endpoints {name}")
            continue
        outliers = rule.traffic_policy.outlier_detection if rule.traffic_policy else None
        assert outliers is not None  # failover_rules keeps only rules with outlier detection
        expected = (
            outliers.consecutive_5xx_errors,
            seconds(outliers.interval),
            seconds(outliers.base_ejection_time),
            outliers.max_ejection_percent,
        )
        limits, placed = limits_of(clusters[name], rule.host), priorities(assignments[name])
        got = (
            limits.consecutive_5xx,
            seconds(limits.interval or "0s"),
            seconds(limits.ejection or "0s"),
            limits.max_ejected_percent,
        )
        seen.append(f"{rule.host}: ejection {got}, priorities {placed}")
        if got != expected:
            problems.append(f"xds {rule.host}: istiod ejects {got}, the rule means {expected}")
        mine = pod_ips(own, rule.namespace, rule.host)
        theirs = {address: 1 for other in others for address in pod_ips(other, rule.namespace, rule.host)}
        meant = dict(sorted({**theirs, **dict.fromkeys(mine, 0)}.items()))
        if not mine or placed != meant:
            problems.append(f"xds {rule.host}: endpoints at priorities {placed}, the rule means {meant}")
    return problems, seen


def xds_address(cluster: Cluster) -> str:
    """The plaintext xDS address of the cluster's local istiod, where the run's checks ask for proxies' configuration."""
    return addresses(cluster.istiod_offset)["--grpcAddr"]


def dump_command(cluster: Cluster, pod: dict[str, Any], prefix: Path, node_type: str, hold: int = 0) -> list[str]:
    """xdsdump as `pod`'s proxy (a sidecar, or a gateway's `router`), writing under `prefix`; connected `hold`
    seconds more once written."""
    return [
        str(TOOLS["istio"].path("xdsdump")),
        f"--address={xds_address(cluster)}",
        f"--type={node_type}",
        f"--namespace={pod['metadata']['namespace']}",
        f"--workload={pod['metadata']['name']}",
        f"--ip={pod['status']['podIP']}",
        f"--metadata={json.dumps(node_metadata(pod, mesh_proxy_config(cluster), cluster.istio_cluster))}",
        f"--out={prefix}",
        f"--hold={hold}s",
    ]


def dump(cluster: Cluster, pod: dict[str, Any], out: Path, node_type: str = "sidecar") -> Path:
    """What istiod sends `pod`'s proxy, written by xdsdump under `out`; the files' prefix."""
    out.mkdir(parents=True, exist_ok=True)
    prefix: Path = out / str(pod["metadata"]["labels"].get("app", pod["metadata"]["name"]))
    subprocess.run(
        dump_command(cluster, pod, prefix, node_type),
        check=True,
        capture_output=True,
        text=True,
        timeout=DUMP_TIMEOUT_SECONDS,
    )
    return prefix


def proxy_status(cluster: Cluster, out: Path) -> tuple[list[str], list[str]]:
    """`istioctl proxy-status` against istiod while xdsdump holds productpage's connection: that proxy listed, its
    clusters, listeners and routes synced."""
    pod = client_pod(cluster, BOOKINFO, CLIENT)
    out.mkdir(parents=True, exist_ok=True)
    command = dump_command(cluster, pod, out / "proxy-status", "sidecar", hold=DUMP_TIMEOUT_SECONDS)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as held:
        try:
            if held.stdout is None or "written" not in (line.strip() for line in held.stdout):  # after its log
                errors = held.stderr.read() if held.stderr else ""
                return [f"xdsdump did not hold {pod['metadata']['name']}'s connection: {errors.strip()[-500:]}"], []
            status = subprocess.run(
                [
                    str(TOOLS["istio"].path("istioctl")),
                    "proxy-status",
                    f"--namespace={BOOKINFO}",
                    f"--xds-address={xds_address(cluster)}",
                    "--plaintext",
                    f"--kubeconfig={cluster.kubeconfig}",
                    f"--context={cluster.context}",
                ],
                capture_output=True,
                text=True,
                timeout=DUMP_TIMEOUT_SECONDS,
            )
        finally:
            held.terminate()
    return proxy_listed(status.stdout, f"{pod['metadata']['name']}.{BOOKINFO}", status.stderr)


def proxy_listed(table: str, proxy: str, errors: str = "") -> tuple[list[str], list[str]]:
    """Problems with `proxy`'s row of proxy-status's table (NAME, CLUSTER, ISTIOD, VERSION, SUBSCRIBED TYPES, the
    last as `3 (CDS,LDS,RDS)`), and the row: it must be there, subscribed to clusters, listeners and routes."""
    rows = [line for line in table.splitlines() if line.split() and line.split()[0] == proxy]
    if not rows:
        return [f"istioctl proxy-status lists no {proxy}: {table.strip() or errors.strip()}"], []
    subscribed = set(SUBSCRIBED.findall(rows[0])[-1].split(",")) if SUBSCRIBED.search(rows[0]) else set()
    missing = sorted({"CDS", "LDS", "RDS"} - subscribed)
    return ([f"istioctl proxy-status: {proxy} not subscribed to {', '.join(missing)}"] if missing else []), rows


def snake_keys(value: Any) -> Any:
    """Protobuf JSON (`virtualHosts`, `weightedClusters`) with the field names Envoy's protos spell
    (`virtual_hosts`, `weighted_clusters`), as e2e/envoy_routes.py reads them; map keys that are names (of
    filters and extensions, with dots; of route configurations and clusters) are left as they are."""
    if isinstance(value, list):
        return [snake_keys(item) for item in value]
    if isinstance(value, dict):
        return {field_name(key): snake_keys(item) for key, item in value.items()}
    return value


def field_name(key: str) -> str:
    named = "." in key or "|" in key
    return key if named else CAPITAL.sub(lambda m: f"_{m.group(0).lower()}", key)


def share(rule: Rule) -> dict[str, Fraction]:
    """A rule's split by version, a version named twice counted once."""
    split: dict[str, Fraction] = {}
    for version, part in rule.split:
        split[version] = split.get(version, Fraction(0)) + part
    return split


def same(expected: Rule | None, got: Rule | None) -> bool:
    if expected is None or got is None:
        return expected is got
    return (share(expected), expected.fault, expected.timeout, expected.mirror) == (
        share(got),
        got.fault,
        got.timeout,
        got.mirror,
    )


def words(rule: Rule | None) -> str:
    if rule is None:
        return "no route (404)"
    split = ", ".join(f"{version} {float(part):.0%}" for version, part in share(rule).items())
    fault = rule.fault
    extras = [f"delay {fault.delay:g}s on {float(fault.delayed):.0%}"] if fault.delayed else []
    extras += [f"abort on {float(fault.aborted):.0%}"] if fault.aborted else []
    extras += [f"timeout {rule.timeout:g}s"] if rule.timeout else []
    extras += [f"a copy of {float(rule.mirror[1]):.0%} to {rule.mirror[0]}"] if rule.mirror else []
    return "; ".join([split, *extras])


def translated(
    plan: ScenarioPlan, configs: Mapping[str, Mapping[str, Any]], waypoint: bool = False
) -> tuple[list[str], list[str]]:
    """Problems, and what istiod's configuration showed (one line per host and request), for every host the plan
    routes: in the route configuration of Bookinfo's port that productpage's sidecar gets, or, from a `waypoint`,
    in the one it holds for each Service (its chain `inbound-vip|9080|http|host`)."""
    problems, seen = [], []
    for host in (h for h in HOSTS if routes(plan, h)):
        authority = f"{host}.{BOOKINFO}.svc.cluster.local"
        name = f"inbound-vip|{PORT_ROUTES}|http|{authority}" if waypoint else PORT_ROUTES
        config = configs.get(name)
        if config is None:
            problems.append(f"istiod sent no route configuration {name} (it sent {sorted(configs)})")
            continue
        for request in REQUESTS:
            expected = http_rule(plan, host, request.headers)
            try:
                got: Rule | None = envoy_routes.rule_of(
                    envoy_routes.selected(config, authority, "/", request.headers), host
                )
            except envoy_routes.RouteError as error:
                problems.append(f"xds {host} for {request.name}: {error}")
                continue
            seen.append(f"{host} for {request.name}: {words(got)}")
            if not same(expected, got):
                problems.append(
                    f"xds {host} for {request.name}: istiod sends {words(got)}, the plan means {words(expected)}"
                )
    return problems, seen


def limits_of(envoy_cluster: Mapping[str, Any], service: str) -> Limits:
    """An outbound cluster's circuit breaker and outlier detection, in the routing view's terms."""
    thresholds = (envoy_cluster.get("circuit_breakers", {}).get("thresholds") or [{}])[0]
    options = envoy_cluster.get("typed_extension_protocol_options", {}).get(HTTP_OPTIONS, {})
    outliers = envoy_cluster.get("outlier_detection", {})
    return Limits(
        service,
        int(thresholds.get("max_connections", ENVOY_DEFAULT_LIMIT)),
        int(thresholds.get("max_pending_requests", ENVOY_DEFAULT_LIMIT)),
        int(options.get("common_http_protocol_options", {}).get("max_requests_per_connection", 0)),
        int(outliers.get("consecutive5xx", 0)),
        outliers.get("interval", ""),
        outliers.get("base_ejection_time", ""),
        int(outliers.get("max_ejection_percent", 0)),
    )


def same_limits(expected: Limits, got: Limits) -> bool:
    durations = (seconds(expected.interval), seconds(expected.ejection)) == (
        seconds(got.interval),
        seconds(got.ejection),
    )
    counts = (expected.max_connections, expected.max_pending, expected.per_connection, expected.consecutive_5xx)
    return (
        durations
        and counts == (got.max_connections, got.max_pending, got.per_connection, got.consecutive_5xx)
        and (expected.max_ejected_percent == got.max_ejected_percent)
    )


def limits_translated(
    plan: ScenarioPlan, clusters: Mapping[str, Mapping[str, Any]], namespace: str, port: int, waypoint: bool = False
) -> tuple[list[str], list[str]]:
    """Problems, and what istiod's clusters showed, for each Service the plan puts limits on: in a sidecar's outbound
    cluster of it, or in the cluster a waypoint serves it with (`inbound-vip|port|http|host`)."""
    problems, seen = [], []
    for expected in view(plan.objects).limits:
        kind = "inbound-vip|{}|http|" if waypoint else "outbound|{}||"
        name = f"{kind.format(port)}{expected.service}.{namespace}.svc.cluster.local"
        if name not in clusters:
            problems.append(f"xds: istiod sent no cluster {name}")
            continue
        got = limits_of(clusters[name], expected.service)
        seen.append(f"{expected.service}: {got}")
        if not same_limits(expected, got):
            problems.append(f"xds {expected.service}: istiod sends {got}, the plan means {expected}")
    return problems, seen
