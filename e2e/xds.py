"""Each scenario as Istio translates it: the run asks its istiod over xDS (xdsdump, Istio's own ADS client) for the
route configuration productpage's sidecar receives, and evaluates the scenario's defining requests to reviews and
ratings against it with Envoy's route selection (e2e/envoy_routes.py). What each request should get comes from the
live verifier's reading of the scenario's plan (tools/verify/routing.http_rule), so the two cannot drift apart.

Checked on the sidecar data plane under both routing APIs, for the scenarios that route Bookinfo's HTTP services;
the samples' clients (fortio, sleep), TCP, egress and ambient's waypoints are not asked yet (docs/end-to-end.md).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from e2e import envoy_routes
from e2e.cluster import Cluster
from e2e.istiod import XDS_ADDRESS
from e2e.toolchain import TOOLS
from model.bookinfo_app import USER_HEADER
from model.versions import ISTIO_RELEASE
from scenarios.plan import ScenarioPlan
from tools.verify.checks import FIREFOX
from tools.verify.routing import Rule, http_rule, routes

BOOKINFO = "bookinfo"
CLIENT = "productpage"  # the sidecar whose outbound routes are asked for
PORT_ROUTES = "9080"  # the route configuration of Bookinfo's port, as Istio names a sidecar's outbound one
HOSTS = ("reviews", "ratings")
DUMP_TIMEOUT_SECONDS = 60
CAPITAL = re.compile(r"[A-Z]")


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


def client_pod(cluster: Cluster) -> dict[str, Any]:
    pods = cluster.get_json("pods", "-n", BOOKINFO, "-l", f"app={CLIENT}")["items"]
    running = [p for p in pods if p.get("status", {}).get("podIP") and not p["metadata"].get("deletionTimestamp")]
    if not running:
        raise envoy_routes.RouteError(f"no running {CLIENT} pod to ask istiod for")
    pod: dict[str, Any] = running[0]
    return pod


def node_metadata(pod: dict[str, Any]) -> dict[str, Any]:
    """The node metadata a sidecar's agent sends for `pod` (what istiod reads of it)."""
    meta = pod["metadata"]
    return {
        "NAMESPACE": meta["namespace"],
        "NAME": meta["name"],
        "LABELS": meta.get("labels", {}),
        "CLUSTER_ID": "Kubernetes",
        "ISTIO_VERSION": ISTIO_RELEASE,
        "INSTANCE_IPS": pod["status"]["podIP"],
        "SERVICE_ACCOUNT": pod["spec"].get("serviceAccountName", "default"),
        "INTERCEPTION_MODE": "REDIRECT",
        "MESH_ID": "cluster.local",
    }


def route_configurations(cluster: Cluster, out: Path) -> dict[str, dict[str, Any]]:
    """The route configurations istiod sends productpage's sidecar, by name."""
    pod = client_pod(cluster)
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / CLIENT
    subprocess.run(
        [
            str(TOOLS["istio"].path("xdsdump")),
            f"--address={XDS_ADDRESS}",
            "--type=sidecar",
            f"--namespace={BOOKINFO}",
            f"--workload={pod['metadata']['name']}",
            f"--ip={pod['status']['podIP']}",
            f"--metadata={json.dumps(node_metadata(pod))}",
            f"--out={prefix}",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=DUMP_TIMEOUT_SECONDS,
    )
    entries = snake_keys(json.loads(Path(f"{prefix}_rds.json").read_text()))
    return {name: config for entry in entries for name, config in entry.items()}


def snake_keys(value: Any) -> Any:
    """Protobuf JSON (`virtualHosts`, `weightedClusters`) with the field names Envoy's protos spell
    (`virtual_hosts`, `weighted_clusters`), as e2e/envoy_routes.py reads them; map keys without capitals (route
    configuration names, filter names) are left as they are."""
    if isinstance(value, list):
        return [snake_keys(item) for item in value]
    if isinstance(value, dict):
        return {CAPITAL.sub(lambda m: f"_{m.group(0).lower()}", key): snake_keys(item) for key, item in value.items()}
    return value


def share(rule: Rule) -> dict[str, Fraction]:
    """A rule's split by version, a version named twice counted once."""
    split: dict[str, Fraction] = {}
    for version, part in rule.split:
        split[version] = split.get(version, Fraction(0)) + part
    return split


def same(expected: Rule | None, got: Rule | None) -> bool:
    if expected is None or got is None:
        return expected is got
    return (share(expected), expected.fault, expected.timeout) == (share(got), got.fault, got.timeout)


def words(rule: Rule | None) -> str:
    if rule is None:
        return "no route (404)"
    split = ", ".join(f"{version} {float(part):.0%}" for version, part in share(rule).items())
    fault = rule.fault
    extras = [f"delay {fault.delay:g}s on {float(fault.delayed):.0%}"] if fault.delayed else []
    extras += [f"abort on {float(fault.aborted):.0%}"] if fault.aborted else []
    extras += [f"timeout {rule.timeout:g}s"] if rule.timeout else []
    return "; ".join([split, *extras])


def translated(plan: ScenarioPlan, configs: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """Problems, and what istiod's configuration showed (one line per host and request), for every host the plan
    routes."""
    config = configs.get(PORT_ROUTES)
    if config is None:
        return [f"istiod sent no route configuration {PORT_ROUTES} (it sent {sorted(configs)})"], []
    problems, seen = [], []
    for host in (h for h in HOSTS if routes(plan, h)):
        for request in REQUESTS:
            expected = http_rule(plan, host, request.headers)
            try:
                got: Rule | None = envoy_routes.rule_of(
                    envoy_routes.selected(config, f"{host}.{BOOKINFO}.svc.cluster.local", "/", request.headers),
                    host,
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
