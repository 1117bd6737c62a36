"""The end-to-end run: the real engine takes the stack through `up`, every scenario switch, refresh and destroy.

    python -m e2e            # or `make e2e`; writes build/e2e/report.json

Against a local control plane (e2e/cluster.py) with Istio's charts from a loopback mirror (e2e/charts.py),
on the existing-cluster target. After each operation the API server is compared with the offline preview
of the same configuration, and Istio's analyzers look at both.
"""

from __future__ import annotations

import argparse
import functools
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from components.gateway_api import BUNDLE_VERSION, MANAGED_BY
from components.program import program
from e2e import addons, analyze, charts, checks, istiod, mesh_checks, readme, upgrade, versions, xds, xds_samples
from e2e import cluster as control_plane
from e2e.engine import STACK, Changes, Engine, stop_engine_processes
from e2e.toolchain import TOOLS, ensure_all
from model.project import load_project
from model.sample_apps import HTTPBIN_PORT
from model.versions import GATEWAY_API_CRD_NAMES, GATEWAY_API_VERSION, ISTIO_RELEASE
from model.yaml_safe import SAFE_LOADER
from scenarios.catalog import CATALOG, plan_for
from scenarios.view import view
from tools import upstream
from tools.preview.configfiles import release_dir
from tools.preview.rendering import Rendering
from tools.preview.stack_config import ROOT, assemble, read_config_file, typed_settings

BUILD = ROOT / "build" / "e2e"
# The stack the run takes through every step: the existing-cluster target with the run's LoadBalancer stand-in, and
# Istio's webhooks served by the istiod the run starts beside the cluster (e2e/istiod.py), through the stack's
# `helmValues` (Istio's external-control-plane values; the program itself is the one every user runs).
BASE = (
    "target=existing",
    "ingressServiceType=LoadBalancer",
    "jaeger=true",
    f"helmValues={json.dumps(istiod.HELM_VALUES, separators=(',', ':'))}",
)
# Without the add-on charts beside the clone (../shared/charts) or pulumi-random's source, the add-ons stay off.
WITHOUT_ADDONS = ("prometheus=false", "grafana=false", "kiali=false")
SECURE = ("mtlsMode=STRICT", "authorization=true")
SCALES = (("cpu", 1000), ("memory", 2**-20))  # the capacity output's quantities as millicores and MiB
GATEWAY_API = "gateway-api/"  # the prefix of the configurations and steps with routingApi=gateway-api
AMBIENT = "ambient/"  # the prefix of the configurations and steps with dataplane=ambient (and the Gateway API)
THEIRS = f"{GATEWAY_API}cluster-crds"  # the configuration predicting a cluster with its own CRDs
UPGRADE = "upgrade"  # the configuration of the upgrade check
README = "readme/"  # the prefix of the README step's configurations and steps
ADDONS = ("prometheus", "grafana", "kiali")
SCENARIOS = list(CATALOG)


@dataclass
class Step:
    name: str
    ok: bool
    seconds: float
    changes: dict[str, list[str]] | None = None
    problems: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"name": self.name, "ok": self.ok, "seconds": round(self.seconds, 1)}
        if self.changes is not None:
            document["changes"] = self.changes
        if self.problems:
            document["problems"] = self.problems
        return document


class StepFailed(Exception):
    """A step whose failure makes the rest of the cycle meaningless."""


@dataclass
class Report:
    versions: dict[str, str]
    steps: list[Step] = field(default_factory=list)
    builds: dict[str, float] = field(default_factory=dict)  # seconds each tool took to build, when it was built
    file: str = "report.json"  # in build/e2e

    def run(self, name: str, action: Callable[[], tuple[Changes | None, list[str]]], fatal: bool = True) -> Step:
        """Times `action` (which returns the engine's changes and the problems found), records and prints it."""
        started = time.monotonic()
        try:
            changes, problems = action()
        except Exception as error:
            changes, problems = None, [f"{type(error).__name__}: {error}".strip()]
        step = Step(name, not problems, time.monotonic() - started, changes.document() if changes else None, problems)
        self.steps.append(step)
        print(f"{'ok  ' if step.ok else 'FAIL'} {step.seconds:7.1f} s  {name}", flush=True)
        for problem in problems[:20]:
            print(f"            {problem}", flush=True)
        if fatal and not step.ok:
            raise StepFailed(name)
        return step

    def write(self) -> None:
        BUILD.mkdir(parents=True, exist_ok=True)
        document = {"versions": self.versions, "builds": self.builds, "steps": [step.document() for step in self.steps]}
        (BUILD / self.file).write_text(json.dumps(document, indent=2) + "\n")

    def table(self) -> str:
        width = max(len(step.name) for step in self.steps)
        lines = [f"{'step':<{width}}  result  seconds"]
        lines += [f"{s.name:<{width}}  {'ok' if s.ok else 'FAIL':<6}  {s.seconds:7.1f}" for s in self.steps]
        return "\n".join(lines)


def tool_versions() -> dict[str, str]:
    """Each tool's real source, as built; the provider is a commit of pulumi-kubernetes' main branch, not a release."""
    return {
        **{name: tool.source for name, tool in TOOLS.items()},
        "pulumi-resource-kubernetes": f"{TOOLS['pulumi-resource-kubernetes'].source} (not a release; registered "
        f"as {version('pulumi-kubernetes')})",
        "istio-charts": f"istio.io/istio@{upstream.ISTIO_MODULE} manifests/charts (release-1.30 branch, not the "
        f"{ISTIO_RELEASE} tag), packaged as {ISTIO_RELEASE}",
        "pulumi (Python SDK)": version("pulumi"),
        "pulumi-kubernetes (Python SDK)": version("pulumi-kubernetes"),
    }


def load(directory: Path) -> Rendering:
    plan = json.loads((directory / "plan.json").read_text())
    # libyaml's loader: the Gateway API's CRDs make a manifests.yaml of about a megabyte
    manifests = list(yaml.load_all((directory / "manifests.yaml").read_text(), Loader=SAFE_LOADER))
    crds_file = directory / "crds.yaml"
    crds = list(yaml.load_all(crds_file.read_text(), Loader=SAFE_LOADER)) if crds_file.is_file() else []
    return Rendering(plan=plan, manifests=[m for m in manifests if m], warnings=[], crds=[c for c in crds if c])


def as_engine(urn: str) -> str:
    """A URN of the offline preview (stack dev) as the engine names it (stack e2e)."""
    return urn.replace("urn:pulumi:dev::", f"urn:pulumi:{STACK}::", 1)


def predictions(overrides: dict[str, tuple[str, ...]]) -> dict[str, Rendering]:
    """Offline previews of every configuration the run applies, in one separate process."""
    out = BUILD / "predicted"
    spec = BUILD / "predicted.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({name: list(values) for name, values in overrides.items()}))
    subprocess.run([sys.executable, "-m", "e2e.predict", str(out), str(spec)], cwd=ROOT, check=True)
    return {name: load(out / name) for name in overrides}


def offline_analysis(scenario: str) -> tuple[None, list[str]]:
    """istioctl's analyzers over the scenario's offline manifests, under both security settings."""
    predicted = BUILD / "predicted"
    return None, analyze.offline(
        [predicted / scenario / "manifests.yaml", predicted / f"{scenario}+secure" / "manifests.yaml"]
    )


def confined(changes: Changes, before: Rendering, after: Rendering) -> list[str]:
    """The engine's changes are exactly those the two offline previews predict."""
    expected = {key: {as_engine(urn) for urn in urns} for key, urns in checks.expected_changes(before, after).items()}
    actual = {"create": changes.create, "delete": changes.delete, "change": changes.update | changes.replace}
    problems = []
    for key in ("create", "delete", "change"):
        for urn in sorted(actual[key] - expected[key]):
            problems.append(f"unexpected {key}: {urn}")
        for urn in sorted(expected[key] - actual[key]):
            problems.append(f"missing {key}: {urn}")
    return problems


def stack_overrides() -> tuple[str, ...]:
    """BASE, with the add-ons off if their charts or pulumi-random's source are not beside the clone (said once)."""
    missing = [
        what
        for what, there in (
            (f"add-on charts in {charts.SHARED_CHARTS}", bool(charts.addon_archives())),
            ("pulumi-random's source in ../shared/tools", TOOLS["pulumi-resource-random"].available),
        )
        if not there
    ]
    if not missing:
        return BASE
    print(f"no {' and no '.join(missing)}: the run installs no Prometheus, Grafana or Kiali", flush=True)
    return (*BASE, *WITHOUT_ADDONS)


def run_configs(target: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Every configuration the run applies, by name: each scenario, with strict security (`+secure`), under the
    Gateway API and under ambient; one over a cluster's own CRDs; the upgrade check's."""
    configs = {scenario: (*target, f"scenario={scenario}") for scenario in SCENARIOS}
    configs.update({f"{scenario}+secure": (*target, f"scenario={scenario}", *SECURE) for scenario in SCENARIOS})
    crds = f"gatewayApiCrds={release_dir()}"
    routed = ("routingApi=gateway-api", crds)
    variants = {GATEWAY_API: routed, AMBIENT: ("dataplane=ambient", "platform=none", *routed)}
    sidecar = list(configs)
    for prefix, settings in variants.items():
        configs.update({f"{prefix}{name}": (*target, *settings, *configs[name][len(target) :]) for name in sidecar})
    # what a cluster with its own Gateway API CRDs should get: the plan of gatewayApiCrds=cluster
    configs[THEIRS] = (*target, "routingApi=gateway-api", "gatewayApiCrds=cluster", f"scenario={SCENARIOS[0]}")
    # the upgrade check's: the earlier program knows neither the add-ons' mirror nor helmValues (see upgrade_cycle)
    configs[UPGRADE] = (*[item for item in target if item.split("=")[0] not in ADDONS], *WITHOUT_ADDONS)
    configs.update(readme_configs(target))
    return configs


def file_overrides(path: Path) -> tuple[str, ...]:
    """A stack or preset file's settings of the project, as `key=value` overrides."""
    config = read_config_file(path, load_project(), preset=path.parent.name == "stacks")
    return tuple(
        f"{key.split(':', 1)[1]}={value if isinstance(value, str) else json.dumps(value)}"
        for key, value in config.items()
        if key.startswith("istio-demo:")
    )


def readme_configs(target: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """What the README step's stack should hold after each of its `up`s: Pulumi.kind.yaml, the settings the rig
    adds to point it at the run's cluster, and the scenario or preset the step switches to."""
    kind = (*file_overrides(ROOT / "Pulumi.kind.yaml"), *readme.rig_settings(target))
    return {
        f"{README}round-robin": kind,
        f"{README}user-routing": (*kind, "scenario=user-routing"),
        f"{README}fault-delay": (*kind, *file_overrides(ROOT / "stacks" / "fault-delay.yaml")),
    }


@dataclass
class Run:
    """One end-to-end run's cluster, istiod, engine and predictions; each method is a step or a cycle of steps."""

    report: Report
    kube: control_plane.Cluster
    mesh: istiod.Istiod
    configs: dict[str, tuple[str, ...]]
    predicted: dict[str, Rendering]
    engine: Engine
    previous: str | None = None
    translations: dict[str, list[str]] = field(default_factory=dict)  # configuration -> what istiod's routes showed
    capacity: dict[str, dict[str, str]] = field(default_factory=dict)  # configuration -> placed and counted requests
    peers: tuple[control_plane.Cluster, ...] = ()  # the mesh's other clusters, whose pods the endpoints hold too
    work: Path = BUILD  # where the xDS checks' dumps (xds/) and what they showed (xds.json) are written

    def step(self, name: str, action: Callable[[], tuple[Changes | None, list[str]]], fatal: bool = True) -> None:
        """`action` as a report step, with what the local istiod met meanwhile."""

        def with_istiod() -> tuple[Changes | None, list[str]]:
            changes, problems = action()
            return changes, problems + self.mesh.take_problems()

        self.report.run(name, with_istiod, fatal)

    def apply(self, name: str) -> tuple[Changes, list[str]]:
        """`up` of configuration `name`, then the API server against its offline preview (and the previous one's),
        and what Istio made of it."""
        self.engine.configure(config_of(self.configs[name]))
        changes = self.engine.up()
        after = self.predicted[name]
        problems = checks.compare_with_cluster(self.kube, after)
        problems += checks.unavailable_deployments(self.kube, after)
        problems += mesh_checks.settled(lambda: checks.services_without_endpoints(self.kube, after))
        problems += checks.undeployed_releases(self.kube, after)
        problems += checks.node_agents_missing(self.kube, after)
        if self.previous is not None:
            before = self.predicted[self.previous]
            kept = {checks.identity(obj) for obj in after.objects}
            problems += checks.absent(self.kube, [obj for obj in before.objects if checks.identity(obj) not in kept])
            problems += confined(changes, before, after)
        problems += self.istio_work(name)
        problems += analyze.live(self.kube, ambient="dataplane=ambient" in self.configs[name])
        self.previous = name
        return changes, problems

    def istio_work(self, name: str) -> list[str]:
        """Injection everywhere the mesh injects; under ambient each waypoint deployed by istiod."""
        problems = mesh_checks.uninjected(self.kube)[0]
        if "dataplane=ambient" in self.configs[name]:
            problems += mesh_checks.settled(lambda: mesh_checks.waypoints_missing(self.kube))
        return problems

    def status(self) -> tuple[None, list[str]]:
        """Every route and Gateway of the last `up` accepted, its references resolved, by Istio's controller."""
        return None, mesh_checks.settled(lambda: mesh_checks.status_problems(self.kube)[0])

    def xds(self, name: str) -> tuple[None, list[str]]:
        """The scenario's defining requests against the routes istiod sends productpage's sidecar, and its failover
        against the endpoints; the limits of its clusters against those istiod sends the load generator's
        (e2e/xds.py), and the routes at the gateways and the samples' clients (e2e/xds_samples.py); under ambient,
        each namespace's waypoint stands for the sidecars.
        What they showed is kept in xds.json under `work` (build/e2e)."""
        settings = typed_settings(assemble(overrides=self.configs[name])[1])
        plan, ambient, out = plan_for(settings), settings.mesh.ambient, self.work / "xds" / name
        if ambient:
            bookinfo = xds_samples.waypoint(self.kube, xds.BOOKINFO, out).routes
            problems, seen = xds.translated(plan, bookinfo, waypoint=True)
        else:
            problems, seen = xds.translated(plan, xds.route_configurations(self.kube, out))
            more = xds.failover_translated(plan, out / xds.CLIENT, self.kube, self.peers)
            problems, seen = problems + more[0], seen + more[1]
        if plan.samples is not None and view(plan.objects).limits:
            namespace, waypoint = plan.samples.namespace, xds_samples.WAYPOINT_SELECTOR if ambient else ""
            clusters = xds.outbound_clusters(self.kube, namespace, xds.LIMITS_CLIENT, out, waypoint)
            more = xds.limits_translated(plan, clusters, namespace, HTTPBIN_PORT, ambient)
            problems, seen = problems + more[0], seen + more[1]
        more = xds_samples.translated_at_the_edges(self.kube, plan, settings.mesh, out)
        problems, seen = problems + more[0], seen + more[1]
        self.translations[name] = seen
        (self.work / "xds.json").write_text(json.dumps(self.translations, indent=2) + "\n")
        return None, problems

    def proxy_status(self, prefix: str) -> tuple[None, list[str]]:
        """`istioctl proxy-status` lists the proxy the xDS check connects as productpage's sidecar (e2e/xds.py)."""
        problems, rows = xds.proxy_status(self.kube, self.work / "xds" / f"{prefix}proxy-status")
        self.translations[f"{prefix}proxy-status"] = rows
        return None, problems

    def preview(self, name: str) -> tuple[Changes, list[str]]:
        """A preview with diff of configuration `name`: its changes exactly those the offline previews predict."""
        self.engine.configure(config_of(self.configs[name]))
        changes = self.engine.preview()
        assert self.previous is not None
        return changes, confined(changes, self.predicted[self.previous], self.predicted[name])

    def no_change(self) -> tuple[Changes, list[str]]:
        changes = self.engine.up()
        return changes, [f"expected no change, the engine reported {changes.document()}"] if not changes.empty else []

    def refresh(self) -> tuple[None, list[str]]:
        drift = self.engine.refresh()
        # A resource the program only reads (the ingress Service, for its address) is refreshed from the live
        # object like any other: a change there is the cluster's, not drift of anything the stack owns.
        assert self.previous is not None
        read = {as_engine(r["urn"]) for r in self.predicted[self.previous].plan["resources"] if r.get("read")}
        return None, [f"drift in {urn}: {properties}" for urn, properties in sorted(drift.items()) if urn not in read]

    def destroy(self) -> tuple[Changes, list[str]]:
        changes = self.engine.destroy()
        assert self.previous is not None
        manifests = self.predicted[self.previous].objects
        self.previous = None
        leftovers = checks.absent(self.kube, manifests) + checks.retained(self.kube, manifests)
        leftovers += [f"helm release {name} still installed" for name in checks.helm_releases(self.kube)]
        return changes, leftovers

    def first_up(self, prefix: str) -> tuple[Changes, list[str]]:
        """The first `up`, and what only it shows: istiod's validation live, the add-ons wired and every pod
        placed (under the Gateway API, a seeded missing backend reported too)."""
        changes, problems = self.apply(f"{prefix}{SCENARIOS[0]}")
        problems += mesh_checks.invalid_refused(self.kube)
        if prefix:
            problems += mesh_checks.missing_backend_reported(self.kube)
        return changes, problems + self.placed(f"{prefix}{SCENARIOS[0]}")

    def placed(self, name: str) -> list[str]:
        """Every pod placed and running, what the scheduler placed for the stack against the `capacity` output (on
        the sidecar data plane; kept in build/e2e/capacity.json for every cycle), the add-ons' configuration as the
        stack means it."""
        waiting, (cpu, memory) = addons.placed(self.kube)
        problems = list(waiting)
        counted = self.predicted[name].plan["outputs"]["capacity"]["requested"]
        counted_cpu, counted_memory = (round(float(checks.quantity(counted[key]) or 0) * s) for key, s in SCALES)
        self.capacity[name] = {"placed": f"{cpu}m/{memory}Mi", "counted": f"{counted['cpu']}/{counted['memory']}"}
        (BUILD / "capacity.json").write_text(json.dumps(self.capacity, indent=2) + "\n")
        if "dataplane=ambient" not in self.configs[name] and (cpu, memory) != (counted_cpu, counted_memory):
            problems.append(f"the scheduler placed {cpu}m/{memory}Mi, the capacity output counts {counted}")
        names = {r["inputs"].get("name") for r in self.predicted[name].plan["resources"]}
        source = upstream.module_dir()
        if "grafana" in names:
            problems += addons.grafana(self.kube, source)
        if "kiali" in names:
            problems += addons.kiali(self.kube)
        if "prometheus" in names:
            problems += addons.prometheus(self.kube, source)
        return problems

    def scenario_cycle(self, prefix: str, switch_api: bool) -> None:
        """`up` of every scenario, each switch previewed first; strict and permissive security; under `prefix`'s
        routing API (optionally switching the API there and back); a no-op `up`, refresh and destroy."""
        self.step(f"{prefix}up:{SCENARIOS[0]}", functools.partial(self.first_up, prefix))
        self.istio_steps(prefix, SCENARIOS[0])
        if prefix != AMBIENT:
            self.step(f"{prefix}proxy-status", functools.partial(self.proxy_status, prefix), fatal=False)
        for scenario in SCENARIOS[1:]:
            self.step(f"{prefix}preview:{scenario}", functools.partial(self.preview, f"{prefix}{scenario}"))
            self.step(f"{prefix}up:{scenario}", functools.partial(self.apply, f"{prefix}{scenario}"))
            self.istio_steps(prefix, scenario)
        last = SCENARIOS[-1]
        self.step(f"{prefix}up:strict", functools.partial(self.apply, f"{prefix}{last}+secure"))
        self.step(f"{prefix}up:permissive", functools.partial(self.apply, f"{prefix}{last}"))
        if switch_api:
            self.step("preview:routing-api=gateway-api", functools.partial(self.preview, f"{GATEWAY_API}{last}"))
            self.step("up:routing-api=gateway-api", functools.partial(self.apply, f"{GATEWAY_API}{last}"))
            self.step("up:routing-api=istio", functools.partial(self.apply, last))
        self.step(f"{prefix}up:no-change", self.no_change)
        self.step(f"{prefix}refresh", self.refresh, fatal=False)
        self.step(f"{prefix}destroy", self.destroy)

    def istio_steps(self, prefix: str, scenario: str) -> None:
        """After an `up`: Istio's status on the Gateway API's objects; istiod's routes."""
        if prefix:
            self.step(f"{prefix}status:{scenario}", self.status, fatal=False)
        self.step(f"{prefix}xds:{scenario}", functools.partial(self.xds, f"{prefix}{scenario}"), fatal=False)

    def mark_theirs(self, version: str) -> None:
        """The CRDs the stack left as someone else's: its label off, the given bundle version on."""
        for name in GATEWAY_API_CRD_NAMES:
            self.kube.kubectl("label", "crd", name, f"{MANAGED_BY[0]}-")
            self.kube.kubectl("annotate", "--overwrite", "crd", name, f"{BUNDLE_VERSION}={version}")

    def over_their_crds(self) -> tuple[Changes, list[str]]:
        """`up` with gatewayApiCrds=cluster on a cluster with its own, newer CRDs: the stack reads them, installs
        none, touches none, and routes."""
        self.mark_theirs("v1.6.0")
        self.engine.configure(config_of(self.configs[THEIRS]))
        changes = self.engine.up()
        problems = checks.compare_with_cluster(self.kube, self.predicted[THEIRS])
        problems += confined(changes, Rendering({"resources": []}, [], []), self.predicted[THEIRS])
        live = checks.live_objects(
            self.kube, [{"kind": "CustomResourceDefinition", "apiVersion": "apiextensions.k8s.io/v1"}]
        )
        found = {key[2]: obj["metadata"]["annotations"].get(BUNDLE_VERSION) for key, obj in live.items()}
        problems += [
            f"{name}: {found.get(name)}, not the cluster's v1.6.0"
            for name in GATEWAY_API_CRD_NAMES
            if found.get(name) != "v1.6.0"
        ]
        self.previous = THEIRS
        return changes, problems

    def refused_over_older_crds(self) -> tuple[None, list[str]]:
        """`up` with gatewayApiCrds=cluster on a cluster whose own CRDs are older than v1.5.1: refused, with the
        line that says why."""
        self.mark_theirs("v1.4.0")
        self.engine.configure(config_of(self.configs[THEIRS]))
        try:
            self.engine.up()
        except Exception as error:
            older = f"is older than {GATEWAY_API_VERSION}" in str(error)
            return None, [] if older else [f"refused, but not for the old CRDs: {error}"]
        return None, ["`up` went on over the cluster's older CRDs"]

    def unrepointed(self) -> tuple[None, list[str]]:
        """The stack's own program sent every webhook to the local istiod itself (through helmValues)."""
        count = self.mesh.repointed
        return None, [f"the run had to repoint {count} of the stack's webhooks at istiod"] if count else []

    def crd_cycle(self) -> None:
        self.step("istiod:webhooks-from-the-stack", self.unrepointed)
        self.step(f"{GATEWAY_API}up:cluster-has-newer-crds", self.over_their_crds)
        self.step(f"{GATEWAY_API}up:cluster-has-older-crds", self.refused_over_older_crds)
        self.step(f"{GATEWAY_API}destroy:cluster-crds", self.destroy)
        self.engine.remove()


def toolchain(report: Report) -> tuple[None, list[str]]:
    ensure_all(log=lambda line: print(line, flush=True))
    report.builds = {
        name: json.loads((tool.directory / "build.json").read_text())["seconds"]
        for name, tool in TOOLS.items()
        if tool.available
    }
    return None, []


@dataclass
class Local:
    """A local cluster as the run and the benchmark use it: its control plane, its chart mirror, its istiod."""

    kube: control_plane.Cluster
    mirror: str
    mesh: istiod.Istiod

    def target(self) -> tuple[str, ...]:
        """The stack's settings that point it at this cluster, its charts and its istiod."""
        where = (f"kubeContext={self.kube.context}", f"kubeconfig={self.kube.kubeconfig}")
        return (*stack_overrides(), *where, f"chartMirror={self.mirror}")


def start_local(stack: ExitStack, name: str = "") -> Local:
    """The chart mirror, the control plane and the istiod that follows its charts, all stopped with `stack`."""
    repository = BUILD / f"{name}charts"
    charts.write_repository(repository, ISTIO_RELEASE)
    server = stack.enter_context(charts.ChartServer(repository))
    kube = control_plane.start_with(stack)
    mesh = istiod.Istiod(kube, BUILD / f"{name}istiod")
    mesh.follow()
    stack.callback(mesh.close)
    return Local(kube, server.url, mesh)


def cycle(report: Report, stack: ExitStack) -> None:
    report.run("toolchain", functools.partial(toolchain, report))
    started: list[Local] = []

    def start() -> tuple[None, list[str]]:
        started.append(start_local(stack))
        return None, control_plane.non_loopback_listeners()

    report.run("cluster", start)
    local = started[0]
    kube, target = local.kube, local.target()
    configs = run_configs(target)
    predicted = predictions(configs)
    report.run("analyze:seeded", lambda: (None, analyze.seeded_mistake_is_reported()))
    for scenario in SCENARIOS:
        for prefix in ("", GATEWAY_API, AMBIENT):
            analysis = functools.partial(offline_analysis, f"{prefix}{scenario}")
            report.run(f"{prefix}analyze:{scenario}", analysis, fatal=False)
    stack.callback(stop_engine_processes)
    run = Run(report, kube, local.mesh, configs, predicted, Engine(BUILD / "engine", program))
    run.scenario_cycle("", switch_api=True)
    run.scenario_cycle(GATEWAY_API, switch_api=False)
    run.scenario_cycle(AMBIENT, switch_api=False)
    run.crd_cycle()
    upgrade_cycle(run)
    if TOOLS["pulumi-language-python"].available:
        readme_cycle(run)
    else:
        print("no ../shared/tools/pulumi-language-python: the run skips the README's commands", flush=True)


def upgrade_cycle(run: Run) -> None:
    """The stack created by the program of versions.UPGRADE_FROM, then previewed and `up`ped by this checkout:
    nothing replaced or deleted, the API server as this checkout's offline preview says; then destroyed. The earlier
    program has no helmValues, so its charts' webhooks call the istiod Service, which the run's istiod repoints to
    itself as an external control plane's admin would (counted in the report)."""
    work = BUILD / "upgrade"
    overrides = run.configs[UPGRADE]
    earlier = tuple(item for item in overrides if not item.startswith("helmValues="))
    after = run.predicted[UPGRADE]

    def base_up() -> tuple[Changes, list[str]]:
        tree = upgrade.base_tree(ROOT, versions.UPGRADE_FROM, BUILD / "upgrade-base")
        reported = upgrade.base_up(tree, work, config_of(earlier))
        changes = Changes(**{operation: set(urns) for operation, urns in reported.items()})
        return changes, [] if changes.create else ["the earlier program created nothing"]

    run.step("upgrade:created-by-earlier", base_up)
    engine = Engine(work, program, fresh=False)
    engine.configure(config_of(overrides))

    def preview() -> tuple[Changes, list[str]]:
        changes = engine.preview()
        return changes, upgrade.kept(changes)

    def up() -> tuple[Changes, list[str]]:
        changes = engine.up()
        return changes, upgrade.kept(changes) + checks.compare_with_cluster(run.kube, after)

    def destroy() -> tuple[Changes, list[str]]:
        changes = engine.destroy()
        leftovers = checks.absent(run.kube, after.objects)
        engine.remove()
        return changes, leftovers

    run.step("upgrade:preview", preview)
    run.step("upgrade:up", up)
    run.step("upgrade:destroy", destroy)


def readme_cycle(run: Run) -> None:
    """The README's commands through the CLI and the language host (e2e/readme.py), each `up` checked against the
    offline preview of what the stack then holds, and the pull request's preview against the predicted changes."""
    shell = readme.Shell(BUILD / "readme" / "project", BUILD / "readme" / "state")

    def held(name: str) -> list[str]:
        run.previous = name
        return checks.compare_with_cluster(run.kube, run.predicted[name]) + mesh_checks.uninjected(run.kube)[0]

    def stack_init() -> tuple[None, list[str]]:
        readme.project_copy(shell.project)
        shell.run(readme.command("stack-init"))
        readme.point_at_run(shell, run.configs[f"{README}round-robin"])
        return None, []

    def first_up() -> tuple[None, list[str]]:
        shell.run(readme.command("up"))
        made = (shell.project / "venv" / "bin" / "python").is_file()
        return None, held(f"{README}round-robin") + ([] if made else ["Pulumi.yaml's runtime made no venv/"])

    def port_forward() -> tuple[None, list[str]]:
        output = shell.run(readme.command("port-forward")).strip()
        expected = f"kubectl --kubeconfig {run.kube.kubeconfig} --context {run.kube.context} -n istio-system"
        return None, [] if output.startswith(expected) else [f"productpagePortForward is {output!r}"]

    def switch(name: str) -> tuple[None, list[str]]:
        shell.run(readme.command(f"switch:{name}"))
        return None, held(f"{README}{name}")

    def pull_request_preview() -> tuple[None, list[str]]:
        shell.run(readme.command("policy-pack"))
        shell.config_set("scenario", "user-routing")  # the change the pull request makes
        output = shell.run(readme.command("pull-request-preview"))
        shell.config_set("scenario", "round-robin")
        before, after = (run.predicted[f"{README}{name}"] for name in ("round-robin", "user-routing"))
        return None, readme.preview_problems(output, checks.expected_changes(before, after))

    def destroy() -> tuple[None, list[str]]:
        shell.run(readme.command("destroy"))
        manifests = run.predicted[f"{README}round-robin"].objects
        leftovers = checks.absent(run.kube, manifests) + checks.retained(run.kube, manifests)
        leftovers += [f"helm release {name} still installed" for name in checks.helm_releases(run.kube)]
        shell.run(f"pulumi stack rm --yes {readme.STACK}")  # the rig's own clean-up, not a README command
        return None, leftovers

    run.step(f"{README}stack-init", stack_init)
    run.step(f"{README}up", first_up)
    run.step(f"{README}port-forward", port_forward)
    for name in ("user-routing", "fault-delay", "round-robin"):
        run.step(f"{README}switch:{name}", functools.partial(switch, name))
    run.step(f"{README}pull-request-preview", pull_request_preview)
    run.step(f"{README}destroy", destroy)


def config_of(overrides: tuple[str, ...]) -> dict[str, str]:
    """`key=value` overrides as the engine's stack configuration (`istio-demo:key` -> text)."""
    return {f"istio-demo:{key}": value for key, _, value in (item.partition("=") for item in overrides)}


def stop_on_sigterm(signum: int, frame: object) -> None:
    """A CI runner's SIGTERM ends the run like Ctrl-C: the control plane and the chart server are stopped."""
    raise KeyboardInterrupt


def reported(report: Report, run_cycle: Callable[[Report, ExitStack], None]) -> bool:
    """`run_cycle`, with everything it starts stopped after it, on a failed step, Ctrl-C or a CI runner's SIGTERM too;
    then the report written and printed. Whether the cycle ran to its end with every step passed."""
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    ended = False
    with ExitStack() as stack:
        try:
            run_cycle(report, stack)
            ended = True
        except StepFailed:
            pass
        except KeyboardInterrupt:
            print("interrupted: stopping the control plane", file=sys.stderr)
    report.write()
    print(report.table())
    print(f"wrote {BUILD / report.file}")
    return ended and all(step.ok for step in report.steps)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    return 0 if reported(Report(versions=tool_versions()), cycle) else 1
