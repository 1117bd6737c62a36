"""The switch benchmark's orchestration with stand-ins for kubectl and the engine: the commands of kubectl's side of a
switch, and the first `up`'s critical path read from the engine's events and the state's dependencies."""

from __future__ import annotations

from types import SimpleNamespace

import yaml

from benchmarks import scenario_switch
from benchmarks.switch_report import KubectlSwitch


class RecordingKubectl:
    """Stands in for the local cluster: records each kubectl command and what it was given on stdin."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], list[dict] | None]] = []

    def kubectl(self, *args: str, stdin: str | None = None, timeout: float = 60) -> str:
        self.calls.append((args, list(yaml.safe_load_all(stdin)) if stdin else None))
        return ""


NS = {"kind": "Namespace", "metadata": {"name": "mirroring"}}
APP = {"kind": "Deployment", "metadata": {"name": "httpbin-v1", "namespace": "mirroring"}}
SLEEP = {"kind": "Deployment", "metadata": {"name": "sleep", "namespace": "mirroring"}}
ROUTE = {"kind": "VirtualService", "metadata": {"name": "reviews", "namespace": "bookinfo"}}

# (what the switch applies and deletes, the kubectl commands in order with what each reads on stdin)
KUBECTL_CASES = [
    (
        KubectlSwitch(apply=[NS, APP, SLEEP], delete=[]),
        [
            (("apply", "--server-side", "--force-conflicts", "-f", "-"), [NS, APP, SLEEP]),
            (
                (
                    "wait",
                    "--for=condition=Available",
                    "-n",
                    "mirroring",
                    "deployment/httpbin-v1",
                    "deployment/sleep",
                    "--timeout=300s",
                ),
                None,
            ),
        ],
    ),
    (
        KubectlSwitch(apply=[ROUTE], delete=[NS, APP]),
        [
            (("apply", "--server-side", "--force-conflicts", "-f", "-"), [ROUTE]),
            (("delete", "--wait", "--ignore-not-found", "-f", "-"), [NS, APP]),
        ],
    ),
    (KubectlSwitch(apply=[], delete=[]), []),
]


def test_kubectl_applies_waits_for_the_applied_deployments_then_deletes():
    for change, expected in KUBECTL_CASES:
        kube = RecordingKubectl()
        scenario_switch.kubectl_change(kube, change)
        assert kube.calls == expected


STACK = "urn:pulumi:bench::istio-demo::pulumi:pulumi:Stack::istio-demo-bench"
NAMESPACE = "urn:pulumi:bench::istio-demo::kubernetes:core/v1:Namespace::istio-system"
BASE = "urn:pulumi:bench::istio-demo::kubernetes:helm.sh/v3:Release::istio-base"
PROMETHEUS = "urn:pulumi:bench::istio-demo::kubernetes:helm.sh/v3:Release::addons-prometheus"
ISTIOD = "urn:pulumi:bench::istio-demo::kubernetes:helm.sh/v3:Release::istio-istiod"


def pre(urn: str) -> SimpleNamespace:
    return SimpleNamespace(
        resource_pre_event=SimpleNamespace(metadata=SimpleNamespace(urn=urn)), res_outputs_event=None
    )


def done(urn: str) -> SimpleNamespace:
    return SimpleNamespace(
        resource_pre_event=None, res_outputs_event=SimpleNamespace(metadata=SimpleNamespace(urn=urn))
    )


class ScriptedStack:
    """Replays engine events on `up`, one clock second apart, and exports the state's dependencies."""

    def __init__(self, events: list[SimpleNamespace], dependencies: dict[str, list[str]]) -> None:
        self.events, self.dependencies = events, dependencies

    def up(self, on_event, color: str, suppress_progress: bool) -> None:
        assert (color, suppress_progress) == ("never", True)
        for event in self.events:
            on_event(event)

    def export_stack(self) -> SimpleNamespace:
        resources = [{"urn": urn, "dependencies": needs} for urn, needs in self.dependencies.items()]
        return SimpleNamespace(deployment={"resources": resources})


def test_the_first_up_reports_its_seconds_and_the_chain_that_ended_it(monkeypatch):
    """The stack's own events and an outputs event without its start are no step; the chain follows the dependency
    that finished last (istiod, not Prometheus, though Prometheus started first)."""
    clock = iter(range(100))
    monkeypatch.setattr(scenario_switch.time, "monotonic", lambda: float(next(clock)))
    events = [pre(STACK), pre(NAMESPACE), done(NAMESPACE), pre(PROMETHEUS), pre(BASE), done(PROMETHEUS)]
    events += [done(BASE), pre(ISTIOD), done(ISTIOD), done(STACK), done("urn:never-started")]
    dependencies = {NAMESPACE: [], PROMETHEUS: [NAMESPACE], BASE: [NAMESPACE], ISTIOD: [BASE], STACK: []}
    engine = SimpleNamespace(stack=ScriptedStack(events, dependencies))

    report = scenario_switch.first_up(engine)

    assert report == {
        "seconds": 12.0,
        "critical_path": [
            {"resource": "istio-system", "type": "kubernetes:core/v1:Namespace", "start": 2.0, "end": 3.0, "gap": 2.0},
            {"resource": "istio-base", "type": "kubernetes:helm.sh/v3:Release", "start": 5.0, "end": 7.0, "gap": 2.0},
            {"resource": "istio-istiod", "type": "kubernetes:helm.sh/v3:Release", "start": 8.0, "end": 9.0, "gap": 1.0},
        ],
    }
