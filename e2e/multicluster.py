"""The two-cluster end-to-end run: `clusters=2` under the real engine against two local control planes, each with
its own local istiod, through every scenario, then destroy.

    python -m e2e.multicluster    # or `make e2e-multicluster`; writes build/e2e/multicluster.json

The two kwok clusters run side by side on 127.0.0.1 with pod addresses from different ranges; one kubeconfig holds
both contexts. The stack gets each istiod's webhook address through `helmValues` (the first cluster's) and
`secondHelmValues` (the second's, whose istiod listens on every port plus istiod.SECOND_OFFSET). After each `up`
each cluster holds what the offline preview declares with its provider; the remote secrets reach the other API
server as Istio's reader; both istiods publish the stack's one root; each istiod's endpoints for reviews hold both
clusters' pods; each scenario's routes reach productpage's sidecar from the first istiod and reviews v3's from the
second. A no-op `up` and a refresh find nothing to change, and destroy leaves both clusters empty.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components.program import program
from e2e import checks, istiod, mesh_checks, xds, xds_samples
from e2e import cluster as control_plane
from e2e.engine import Changes, Engine, stop_engine_processes
from e2e.run import (
    BUILD,
    SCENARIOS,
    WITHOUT_ADDONS,
    Report,
    Run,
    config_of,
    predictions,
    reported,
    start_local,
    tool_versions,
    toolchain,
)
from model.mesh import ISTIO_NAMESPACE
from model.multicluster import REMOTE_SECRET_LABEL, mesh_clusters, remote_secret_name
from scenarios.catalog import plan_for
from tools.preview.rendering import Rendering
from tools.preview.stack_config import assemble, typed_settings

SECOND = f"{control_plane.NAME}-2"
SECOND_RANGES = control_plane.AddressRanges(pods="10.1.0.1/24", services="10.97.0.0/16")
PREFIX = "multicluster/"  # the configurations' names, beside the single-cluster run's
WORK = BUILD / "multicluster"  # the run's kubeconfig, engine state and what the istiods showed
PROVIDERS = ("cluster-k8s", "cluster-2-k8s")  # each cluster's Kubernetes provider, as the program names them
REVIEWS = "reviews.bookinfo.svc.cluster.local"
ROOT_CONFIGMAP = "istio-ca-root-cert"  # the root istiod publishes to every namespace
# Where Bookinfo's versions run (docs/multicluster.md): the newest reviews in the second cluster only.
PLACEMENT = (
    ["details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2"],
    ["reviews-v3"],
)


def merged_kubeconfig(clusters: list[control_plane.Cluster], path: Path) -> Path:
    """One kubeconfig of every cluster's clusters, contexts and users, each flattened (its certificates inline)."""
    merged = clusters[0].kubectl("config", "view", "--flatten", "--merge")
    document = yaml.safe_load(merged)
    for other in clusters[1:]:
        more = yaml.safe_load(other.kubectl("config", "view", "--flatten", "--merge"))
        for key in ("clusters", "contexts", "users"):
            document[key] = [*document.get(key, []), *more.get(key, [])]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    path.chmod(0o600)
    return path


def stack_overrides(clusters: list[control_plane.Cluster], kubeconfig: Path, mirror: str) -> tuple[str, ...]:
    """The stack's settings: both clusters by context, each istiod's webhook address, the add-ons off."""
    values = [json.dumps(istiod.helm_values(offset), separators=(",", ":")) for offset in (0, istiod.SECOND_OFFSET)]
    return (
        "target=existing",
        "ingressServiceType=LoadBalancer",
        "clusters=2",
        f"kubeContext={clusters[0].context}",
        f"secondKubeContext={clusters[1].context}",
        f"kubeconfig={kubeconfig}",
        f"chartMirror={mirror}",
        f"helmValues={values[0]}",
        f"secondHelmValues={values[1]}",
        *WITHOUT_ADDONS,
        "jaeger=false",
    )


def provider_of(resource: dict[str, Any]) -> str:
    return str(resource.get("provider", "")).rsplit("::", 1)[-1]


def part(rendering: Rendering, provider: str) -> Rendering:
    """The objects of the preview declared with `provider`'s cluster (a Service of both clusters is in each part)."""
    keys = {
        checks.identity(resource["inputs"])
        for resource in rendering.plan["resources"]
        if resource["type"].startswith("kubernetes:")
        and provider_of(resource) == provider
        and "kind" in resource["inputs"]
    }
    # an object both clusters hold is declared twice, alike in the preview (where each cluster's CA is a secret)
    kept = {checks.identity(obj): obj for obj in rendering.manifests if checks.identity(obj) in keys}
    crds = {checks.identity(obj): obj for obj in rendering.crds if checks.identity(obj) in keys}
    return Rendering(rendering.plan, list(kept.values()), [], list(crds.values()))


def bookinfo_deployments(kube: control_plane.Cluster) -> list[str]:
    items = kube.get_json("deployments", "-n", "bookinfo")["items"]
    return sorted(item["metadata"]["name"] for item in items)


def reviews_shards(document: dict[str, Any]) -> dict[str, set[str]]:
    """The addresses an istiod's `/debug/endpointShardz` holds for reviews, by shard (`<registry>/<cluster>`)."""
    shards = document.get(REVIEWS, {}).get("bookinfo", {}).get("Shards", {})
    return {
        shard: {address for entry in entries or [] for address in entry.get("Addresses") or [entry.get("Address")]}
        for shard, entries in shards.items()
    }


def shard_problems(shards: dict[str, set[str]], expected: dict[str, set[str]]) -> list[str]:
    """Each cluster's reviews pods, and only those, in the shard of that cluster."""
    problems = []
    for cluster, addresses in expected.items():
        held = set().union(*(found for shard, found in shards.items() if shard.endswith(f"/{cluster}")))
        if held != addresses:
            problems.append(f"{REVIEWS} in {cluster}: {sorted(held)}, its pods {sorted(addresses)}")
    return problems


def istiod_shard_problems(offset: int, expected: dict[str, set[str]]) -> list[str]:
    """shard_problems of the istiod listening at `offset`; what it held kept in build/e2e/multicluster."""
    try:
        with urllib.request.urlopen(f"{istiod.debug_url(offset)}/debug/endpointShardz", timeout=10) as response:
            shards = reviews_shards(json.loads(response.read()))
    except (OSError, ValueError) as error:
        return [f"istiod +{offset}: /debug/endpointShardz: {error}"]
    held = {shard: sorted(addresses) for shard, addresses in shards.items()}
    (WORK / f"endpoints+{offset}.json").write_text(json.dumps({REVIEWS: held}, indent=2) + "\n")
    return [f"istiod +{offset}: {problem}" for problem in shard_problems(shards, expected)]


# What the reader of a remote secret may do in the watched cluster: read what istiod watches, write nothing.
READER_ACCESS = (
    (("list", "pods", "--all-namespaces"), "yes"),
    (("watch", "endpointslices.discovery.k8s.io", "--all-namespaces"), "yes"),
    (("create", "secrets", "-n", ISTIO_NAMESPACE), "no"),
)


def reader_problems(kubeconfig: str, watched: control_plane.Cluster) -> list[str]:
    """The remote secret's kubeconfig reaches the watched cluster's API server and reads what istiod watches
    there, and no more."""
    config = yaml.safe_load(kubeconfig)
    server = config["clusters"][0]["cluster"]["server"]
    own = yaml.safe_load(watched.kubectl("config", "view", "--minify", "--raw"))["clusters"][0]["cluster"]["server"]
    problems = [] if server == own else [f"the remote secret's server is {server}, not {own}"]
    with tempfile.NamedTemporaryFile("w", suffix=".kubeconfig") as file:
        file.write(kubeconfig)
        file.flush()
        reader = control_plane.Cluster(Path(file.name), context=config["current-context"])
        for ask, want in READER_ACCESS:
            got = reader.kubectl("auth", "can-i", *ask, check=False).strip()
            problems += [] if got == want else [f"the reader: can-i {' '.join(ask)}: {got}, not {want}"]
    return problems


def published_root_problems(kube: control_plane.Cluster, root: str) -> list[str]:
    found = kube.kubectl("get", "configmap", ROOT_CONFIGMAP, "-n", "bookinfo", "-o", "json", "--ignore-not-found")
    published = json.loads(found)["data"].get("root-cert.pem", "") if found.strip() else ""
    return [] if published.strip() == root.strip() else [f"{kube.context}: {ROOT_CONFIGMAP} is not cacerts' root"]


@dataclass
class Pair:
    """The two clusters, their istiods, the engine and the predictions: each method is a step."""

    report: Report
    kubes: list[control_plane.Cluster]
    meshes: list[istiod.Istiod]
    configs: dict[str, tuple[str, ...]]
    predicted: dict[str, Rendering]
    engine: Engine
    first: Run  # the first cluster as the single-cluster run's checks see it (its xDS check)
    second_translations: dict[str, list[str]] = field(default_factory=dict)  # what the second istiod's routes showed

    def step(self, name: str, action: Callable[[], tuple[Changes | None, list[str]]]) -> None:
        def with_istiods() -> tuple[Changes | None, list[str]]:
            changes, problems = action()
            return changes, problems + [problem for mesh in self.meshes for problem in mesh.take_problems()]

        self.report.run(name, with_istiods)

    def apply(self, name: str) -> tuple[Changes, list[str]]:
        """`up` of configuration `name`: each cluster holds its part of the preview, its Deployments available and
        its pods injected, Bookinfo's versions where the split puts them."""
        self.engine.configure(config_of(self.configs[name]))
        changes = self.engine.up()
        problems = []
        for kube, provider, placed in zip(self.kubes, PROVIDERS, PLACEMENT, strict=True):
            expected = part(self.predicted[name], provider)
            problems += [f"{kube.context}: {p}" for p in checks.compare_with_cluster(kube, expected)]
            problems += [f"{kube.context}: {p}" for p in checks.unavailable_deployments(kube, expected)]
            problems += [f"{kube.context}: {p}" for p in mesh_checks.uninjected(kube)[0]]
            found = bookinfo_deployments(kube)
            if found != placed:
                problems.append(f"{kube.context}: Bookinfo runs {found}, the split says {placed}")
        self.first.previous = name
        return changes, problems

    def remote_secrets(self) -> tuple[None, list[str]]:
        """Each cluster's remote secret of the other reaches that API server as Istio's reader."""
        problems = []
        for watcher, watched in ((0, 1), (1, 0)):
            mesh_cluster = mesh_clusters(2)[watched]
            secret = self.kubes[watcher].get_json("secret", remote_secret_name(mesh_cluster), "-n", ISTIO_NAMESPACE)
            labels = secret["metadata"].get("labels", {})
            if {key: labels.get(key) for key in REMOTE_SECRET_LABEL} != REMOTE_SECRET_LABEL:
                problems.append(f"{remote_secret_name(mesh_cluster)}: labels {labels}")
            kubeconfig = base64.b64decode(secret["data"][mesh_cluster.name]).decode()
            problems += reader_problems(kubeconfig, self.kubes[watched])
        return None, problems

    def root_of_trust(self) -> tuple[None, list[str]]:
        """Each istiod signs under the stack's one root: the root it publishes to the mesh's namespaces (the
        `istio-ca-root-cert` ConfigMap) is the root of its cluster's `cacerts`, the same in both clusters."""
        roots = [
            base64.b64decode(
                kube.get_json("secret", "cacerts", "-n", ISTIO_NAMESPACE)["data"]["root-cert.pem"]
            ).decode()
            for kube in self.kubes
        ]
        problems = [] if roots[0] == roots[1] else ["the two clusters' cacerts hold different roots"]
        for kube, root in zip(self.kubes, roots, strict=True):
            problems += mesh_checks.settled(functools.partial(published_root_problems, kube, root))
        return None, problems

    def endpoints(self) -> tuple[None, list[str]]:
        """Each istiod holds reviews' endpoints of both clusters: its own pods and the other cluster's."""
        expected = {
            mesh_cluster.name: xds.pod_ips(kube, "bookinfo", "reviews")
            for mesh_cluster, kube in zip(mesh_clusters(2), self.kubes, strict=True)
        }
        problems = [f"{name}: no reviews pod" for name, addresses in expected.items() if not addresses]
        for mesh in self.meshes:
            problems += mesh_checks.settled(functools.partial(istiod_shard_problems, mesh.offset, expected))
        return None, problems

    def second_xds(self, name: str) -> tuple[None, list[str]]:
        """The scenario's defining requests against the routes the second istiod sends the sidecar of reviews v3,
        Bookinfo's one workload there (its outbound routes are the mesh's as productpage's are), its failover
        against the endpoints (reviews v3 first, the first cluster's reviews next), and the second cluster's ingress
        gateway, whose routes are the first one's."""
        settings = typed_settings(assemble(overrides=self.configs[name])[1])
        plan, out = plan_for(settings), WORK / "xds" / name
        outcomes = [
            xds.translated(plan, xds.route_configurations(self.kubes[1], out, client="reviews")),
            xds.failover_translated(plan, out / "reviews", self.kubes[1], self.kubes[:1]),
            xds_samples.translated_at_the_ingress(self.kubes[1], plan, settings.mesh, out / SECOND),
        ]
        problems, self.second_translations[name] = xds_samples.joined(outcomes)
        (WORK / "xds-2.json").write_text(json.dumps(self.second_translations, indent=2) + "\n")
        return None, problems

    def destroy(self) -> tuple[Changes, list[str]]:
        """Both clusters left without any object or release of the stack."""
        changes = self.engine.destroy()
        manifests = self.predicted[self.first.previous or ""].objects
        leftovers = []
        for kube in self.kubes:
            leftovers += [f"{kube.context}: {p}" for p in checks.absent(kube, manifests)]
            leftovers += [f"{kube.context}: helm release {name} still installed" for name in checks.helm_releases(kube)]
        self.engine.remove()
        return changes, leftovers


def start_pair(stack: ExitStack) -> tuple[list[control_plane.Cluster], list[istiod.Istiod], str]:
    """Both control planes and their istiods (the chart mirror shared), stopped with `stack`."""
    local = start_local(stack, "multicluster-")
    second = control_plane.start_with(stack, SECOND, SECOND_RANGES)
    second.istiod_offset = istiod.SECOND_OFFSET
    mesh = istiod.Istiod(second, BUILD / "multicluster-istiod-2", offset=second.istiod_offset)
    mesh.follow()
    stack.callback(mesh.close)
    kubes = [local.kube, second]
    for kube, mesh_cluster in zip(kubes, mesh_clusters(2), strict=True):
        kube.istio_cluster = mesh_cluster.name
    return kubes, [local.mesh, mesh], local.mirror


def cycle(report: Report, stack: ExitStack) -> None:
    report.run("toolchain", functools.partial(toolchain, report))
    started: list[tuple[list[control_plane.Cluster], list[istiod.Istiod], str]] = []

    def start() -> tuple[None, list[str]]:
        started.append(start_pair(stack))
        return None, control_plane.non_loopback_listeners() + control_plane.non_loopback_listeners(SECOND)

    report.run("clusters", start)
    kubes, meshes, mirror = started[0]
    target = stack_overrides(kubes, merged_kubeconfig(kubes, WORK / "kubeconfig"), mirror)
    configs = {f"{PREFIX}{scenario}": (*target, f"scenario={scenario}") for scenario in SCENARIOS}
    predicted = predictions(configs)
    stack.callback(stop_engine_processes)
    engine = Engine(WORK / "engine", program)
    first = Run(report, kubes[0], meshes[0], configs, predicted, engine, peers=(kubes[1],), work=WORK)
    pair = Pair(report, kubes, meshes, configs, predicted, engine, first)
    pair.step(f"{PREFIX}up:{SCENARIOS[0]}", functools.partial(pair.apply, f"{PREFIX}{SCENARIOS[0]}"))
    pair.step(f"{PREFIX}remote-secrets", pair.remote_secrets)
    pair.step(f"{PREFIX}root-of-trust", pair.root_of_trust)
    pair.step(f"{PREFIX}endpoints", pair.endpoints)
    for index, scenario in enumerate(SCENARIOS):
        if index:
            pair.step(f"{PREFIX}up:{scenario}", functools.partial(pair.apply, f"{PREFIX}{scenario}"))
        pair.step(f"{PREFIX}xds:{scenario}", functools.partial(first.xds, f"{PREFIX}{scenario}"))
        pair.step(f"{PREFIX}xds-2:{scenario}", functools.partial(pair.second_xds, f"{PREFIX}{scenario}"))
    pair.step(f"{PREFIX}up:no-change", first.no_change)
    pair.step(f"{PREFIX}refresh", first.refresh)
    pair.step(f"{PREFIX}destroy", pair.destroy)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.multicluster", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    return 0 if reported(Report(versions=tool_versions(), file="multicluster.json"), cycle) else 1


if __name__ == "__main__":
    sys.exit(main())
