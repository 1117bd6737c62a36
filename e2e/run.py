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
import os
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
from e2e import analyze, charts, checks, upgrade, versions
from e2e import cluster as control_plane
from e2e.engine import STACK, Changes, Engine, stop_engine_processes
from e2e.toolchain import TOOLS, ensure_all
from model.versions import GATEWAY_API_CRD_NAMES, GATEWAY_API_VERSION, ISTIO_RELEASE
from scenarios.catalog import CATALOG
from tools import upstream
from tools.preview.configfiles import release_dir
from tools.preview.rendering import Rendering
from tools.preview.stack_config import ROOT

BUILD = ROOT / "build" / "e2e"
# What the run cannot have: the add-on charts (no chart repository is reachable here). Jaeger is typed, so it runs.
BASE = (
    "target=existing",
    "ingressServiceType=LoadBalancer",
    "prometheus=false",
    "grafana=false",
    "kiali=false",
    "jaeger=true",
)
SECURE = ("mtlsMode=STRICT", "authorization=true")
GATEWAY_API = "gateway-api/"  # the prefix of the configurations and steps with routingApi=gateway-api
AMBIENT = "ambient/"  # the prefix of the configurations and steps with dataplane=ambient (and the Gateway API)
THEIRS = f"{GATEWAY_API}cluster-crds"  # the configuration predicting a cluster with its own CRDs
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
        (BUILD / "report.json").write_text(json.dumps(document, indent=2) + "\n")

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
    manifests = list(yaml.load_all((directory / "manifests.yaml").read_text(), Loader=yaml.CSafeLoader))
    crds_file = directory / "crds.yaml"
    crds = list(yaml.load_all(crds_file.read_text(), Loader=yaml.CSafeLoader)) if crds_file.is_file() else []
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


def cycle(report: Report, stack: ExitStack) -> None:
    def toolchain() -> tuple[None, list[str]]:
        ensure_all(log=lambda line: print(line, flush=True))
        report.builds = {
            name: json.loads((tool.directory / "build.json").read_text())["seconds"] for name, tool in TOOLS.items()
        }
        return None, []

    report.run("toolchain", toolchain)

    state: dict[str, Any] = {}

    def start_cluster() -> tuple[None, list[str]]:
        repository = BUILD / "charts"
        charts.write_repository(repository, ISTIO_RELEASE)
        server = stack.enter_context(charts.ChartServer(repository))
        state["cluster"] = control_plane.start()
        stack.callback(control_plane.stop, state["cluster"])
        state["mirror"] = server.url
        return None, control_plane.non_loopback_listeners()

    report.run("cluster", start_cluster)
    kube: control_plane.Cluster = state["cluster"]
    # the program reads an existing cluster's Gateway API CRDs with kubectl: the one built for the run
    os.environ["PATH"] = f"{TOOLS['kubernetes'].path('kubectl').parent}{os.pathsep}{os.environ['PATH']}"
    target = (*BASE, f"kubeContext={kube.context}", f"kubeconfig={kube.kubeconfig}", f"chartMirror={state['mirror']}")
    configs: dict[str, tuple[str, ...]] = {scenario: (*target, f"scenario={scenario}") for scenario in SCENARIOS}
    configs.update({f"{scenario}+secure": (*target, f"scenario={scenario}", *SECURE) for scenario in SCENARIOS})
    routed = (*target, "routingApi=gateway-api", f"gatewayApiCrds={release_dir()}")
    ambient = (
        *target,
        "dataplane=ambient",
        "platform=none",
        "routingApi=gateway-api",
        f"gatewayApiCrds={release_dir()}",
    )
    sidecar = list(configs)
    configs.update({f"{GATEWAY_API}{name}": (*routed, *configs[name][len(target) :]) for name in sidecar})
    configs.update({f"{AMBIENT}{name}": (*ambient, *configs[name][len(target) :]) for name in sidecar})
    # what a cluster with its own Gateway API CRDs should get: the plan of gatewayApiCrds=cluster
    configs[THEIRS] = (*target, "routingApi=gateway-api", "gatewayApiCrds=cluster", f"scenario={SCENARIOS[0]}")
    predicted = predictions(configs)

    report.run("analyze:seeded", lambda: (None, analyze.seeded_mistake_is_reported()))
    for scenario in SCENARIOS:
        for prefix in ("", GATEWAY_API, AMBIENT):
            analysis = functools.partial(offline_analysis, f"{prefix}{scenario}")
            report.run(f"{prefix}analyze:{scenario}", analysis, fatal=False)

    engine = Engine(BUILD / "engine", program)
    stack.callback(stop_engine_processes)

    def apply(name: str) -> Callable[[], tuple[Changes, list[str]]]:
        """`up` of configuration `name`, then the API server against its offline preview (and the previous one's)."""

        def action() -> tuple[Changes, list[str]]:
            engine.configure(config_of(configs[name]))
            changes = engine.up()
            after = predicted[name]
            problems = checks.compare_with_cluster(kube, after)
            problems += checks.unavailable_deployments(kube, after)
            problems += checks.undeployed_releases(kube, after)
            problems += checks.node_agents_missing(kube, after)
            if "previous" in state:
                before = predicted[state["previous"]]
                kept = {checks.identity(obj) for obj in after.objects}
                problems += checks.absent(kube, [obj for obj in before.objects if checks.identity(obj) not in kept])
                problems += confined(changes, before, after)
            problems += analyze.live(kube, ambient="dataplane=ambient" in configs[name])
            state["previous"] = name
            return changes, problems

        return action

    def preview(name: str) -> Callable[[], tuple[Changes, list[str]]]:
        """A preview with diff of configuration `name`: its changes exactly those the offline previews predict."""

        def action() -> tuple[Changes, list[str]]:
            engine.configure(config_of(configs[name]))
            changes = engine.preview()
            return changes, confined(changes, predicted[state["previous"]], predicted[name])

        return action

    def scenario_cycle(prefix: str, switch_api: bool) -> None:
        """`up` of every scenario, each switch previewed first; strict and permissive security; under `prefix`'s
        routing API (optionally switching the API there and back); a no-op `up`, refresh and destroy."""

        def named(scenario: str) -> str:
            return f"{prefix}{scenario}"

        report.run(f"{prefix}up:{SCENARIOS[0]}", apply(named(SCENARIOS[0])))
        for scenario in SCENARIOS[1:]:
            report.run(f"{prefix}preview:{scenario}", preview(named(scenario)))
            report.run(f"{prefix}up:{scenario}", apply(named(scenario)))
        last = SCENARIOS[-1]
        report.run(f"{prefix}up:strict", apply(named(f"{last}+secure")))
        report.run(f"{prefix}up:permissive", apply(named(last)))
        if switch_api:
            report.run("preview:routing-api=gateway-api", preview(f"{GATEWAY_API}{last}"))
            report.run("up:routing-api=gateway-api", apply(f"{GATEWAY_API}{last}"))
            report.run("up:routing-api=istio", apply(last))
        report.run(f"{prefix}up:no-change", no_change)
        report.run(f"{prefix}refresh", refresh, fatal=False)
        report.run(f"{prefix}destroy", destroy)

    def no_change() -> tuple[Changes, list[str]]:
        changes = engine.up()
        return changes, [f"expected no change, the engine reported {changes.document()}"] if not changes.empty else []

    def refresh() -> tuple[None, list[str]]:
        drift = engine.refresh()
        # A resource the program only reads (the ingress Service, for its address) is refreshed from the live
        # object like any other: a change there is the cluster's, not drift of anything the stack owns.
        read = {as_engine(r["urn"]) for r in predicted[state["previous"]].plan["resources"] if r.get("read")}
        return None, [f"drift in {urn}: {properties}" for urn, properties in sorted(drift.items()) if urn not in read]

    def destroy() -> tuple[Changes, list[str]]:
        changes = engine.destroy()
        manifests = predicted[state.pop("previous")].objects
        leftovers = checks.absent(kube, manifests) + checks.retained(kube, manifests)
        leftovers += [f"helm release {name} still installed" for name in checks.helm_releases(kube)]
        return changes, leftovers

    scenario_cycle("", switch_api=True)
    scenario_cycle(GATEWAY_API, switch_api=False)
    scenario_cycle(AMBIENT, switch_api=False)

    def mark_theirs(version: str) -> None:
        """The CRDs the stack left as someone else's: its label off, the given bundle version on."""
        for name in GATEWAY_API_CRD_NAMES:
            kube.kubectl("label", "crd", name, f"{MANAGED_BY[0]}-")
            kube.kubectl("annotate", "--overwrite", "crd", name, f"{BUNDLE_VERSION}={version}")

    def over_their_crds() -> tuple[Changes, list[str]]:
        """`up` with gatewayApiCrds=cluster on a cluster with its own, newer CRDs: the stack reads them, installs
        none, touches none, and routes."""
        mark_theirs("v1.6.0")
        engine.configure(config_of(configs[THEIRS]))
        changes = engine.up()
        problems = checks.compare_with_cluster(kube, predicted[THEIRS]) + confined(
            changes, Rendering({"resources": []}, [], []), predicted[THEIRS]
        )
        live = checks.live_objects(
            kube, [{"kind": "CustomResourceDefinition", "apiVersion": "apiextensions.k8s.io/v1"}]
        )
        versions = {key[2]: obj["metadata"]["annotations"].get(BUNDLE_VERSION) for key, obj in live.items()}
        problems += [
            f"{name}: {versions.get(name)}, not the cluster's v1.6.0"
            for name in GATEWAY_API_CRD_NAMES
            if versions.get(name) != "v1.6.0"
        ]
        state["previous"] = THEIRS
        return changes, problems

    def refused_over_older_crds() -> tuple[None, list[str]]:
        """`up` with gatewayApiCrds=cluster on a cluster whose own CRDs are older than v1.5.1: refused, with the
        line that says why."""
        mark_theirs("v1.4.0")
        engine.configure(config_of(configs[THEIRS]))
        try:
            engine.up()
        except Exception as error:
            older = f"is older than {GATEWAY_API_VERSION}" in str(error)
            return None, [] if older else [f"refused, but not for the old CRDs: {error}"]
        return None, ["`up` went on over the cluster's older CRDs"]

    report.run(f"{GATEWAY_API}up:cluster-has-newer-crds", over_their_crds)
    report.run(f"{GATEWAY_API}up:cluster-has-older-crds", refused_over_older_crds)
    report.run(f"{GATEWAY_API}destroy:cluster-crds", destroy)
    engine.remove()
    upgrade_cycle(report, kube, configs[SCENARIOS[0]], predicted[SCENARIOS[0]])


def upgrade_cycle(report: Report, kube: control_plane.Cluster, overrides: tuple[str, ...], after: Rendering) -> None:
    """The stack created by the program of versions.UPGRADE_FROM, then previewed and `up`ped by this checkout:
    nothing replaced or deleted, the API server as this checkout's offline preview says; then destroyed."""
    work = BUILD / "upgrade"

    def base_up() -> tuple[Changes, list[str]]:
        tree = upgrade.base_tree(ROOT, versions.UPGRADE_FROM, BUILD / "upgrade-base")
        reported = upgrade.base_up(tree, work, config_of(overrides))
        changes = Changes(**{operation: set(urns) for operation, urns in reported.items()})
        return changes, [] if changes.create else ["the earlier program created nothing"]

    report.run("upgrade:created-by-earlier", base_up)
    engine = Engine(work, program, fresh=False)
    engine.configure(config_of(overrides))

    def preview() -> tuple[Changes, list[str]]:
        changes = engine.preview()
        return changes, upgrade.kept(changes)

    def up() -> tuple[Changes, list[str]]:
        changes = engine.up()
        return changes, upgrade.kept(changes) + checks.compare_with_cluster(kube, after)

    def destroy() -> tuple[Changes, list[str]]:
        changes = engine.destroy()
        leftovers = checks.absent(kube, after.objects)
        engine.remove()
        return changes, leftovers

    report.run("upgrade:preview", preview)
    report.run("upgrade:up", up)
    report.run("upgrade:destroy", destroy)


def config_of(overrides: tuple[str, ...]) -> dict[str, str]:
    """`key=value` overrides as the engine's stack configuration (`istio-demo:key` -> text)."""
    return {f"istio-demo:{key}": value for key, _, value in (item.partition("=") for item in overrides)}


def stop_on_sigterm(signum: int, frame: object) -> None:
    """A CI runner's SIGTERM ends the run like Ctrl-C: the control plane and the chart server are stopped."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    report = Report(versions=tool_versions())
    ok = False
    with ExitStack() as stack:
        try:
            cycle(report, stack)
            ok = all(step.ok for step in report.steps)
        except StepFailed:
            ok = False
        except KeyboardInterrupt:
            print("interrupted: stopping the control plane", file=sys.stderr)
    report.write()
    print(report.table())
    print(f"wrote {BUILD / 'report.json'}")
    return 0 if ok else 1
