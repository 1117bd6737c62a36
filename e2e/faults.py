"""Faults injected into real `pulumi up`s of the kind stack, through the CLI and the language host as a user runs them.

    python -m e2e.faults     # or `make e2e-faults`, after `make e2e`; writes build/e2e/faults.json

On the run's local control plane (e2e/cluster.py). After each fault three things are checked, the same every time:
the output the user saw holds the tool's own `error:` line and no Python traceback; the stack's ledger holds nothing
half-created or orphaned (the state against the offline preview, the API server against both, Helm's releases);
and after the recovery step the tool itself printed, `pulumi up` converges (`pulumi preview --expect-no-changes`).
docs/troubleshooting.md says, per fault, what a user sees and what to do.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from e2e import cluster as control_plane
from e2e import readme
from e2e.checks import compare_with_cluster, helm_releases, identity
from e2e.cluster import Cluster
from e2e.engine import stop_engine_processes
from e2e.istiod import Istiod
from e2e.run import (
    BUILD,
    Report,
    StepFailed,
    file_overrides,
    predictions,
    start_local,
    stop_on_sigterm,
    tool_versions,
)
from e2e.toolchain import TOOLS, ensure_all
from tools.preview.rendering import Rendering
from tools.preview.stack_config import ROOT

# The configurations the faults take the stack through: the kind stack as docs/own-cluster.md makes it, with a
# scenario of sample workloads in their own namespace (which the stack keeps across switches) and one of weighted
# routes.
SCENARIOS = ("round-robin", "circuit-breaking", "traffic-shifting", "user-routing")
SAMPLES_NAMESPACE = "circuit-breaking"
RELEASE_SECRETS = ("secrets", "--all-namespaces", "-l", "owner=helm")
TRACEBACK = "Traceback (most recent call last)"
FORCE = "PULUMI_K8S_ENABLE_PATCH_FORCE=true"  # the provider's server-side apply takes conflicting fields back
COMMAND_TIMEOUT_SECONDS = 900
HELM_TIMEOUT = "helmTimeout=30"  # the shortest the stack allows: a release that cannot become ready is undone soon
ADDON = "kiali"  # the release the faults of an install take away and give back
FIRST_UP = "interrupt:first-up"
QUOTA = "faults-tight"
API_SERVER_DOWN_SECONDS = 30
# an API server that is not listening, in the words of the provider (Go's dialer) and of kubectl
CONNECTION_REFUSED, REFUSED = "connect: connection refused", "was refused"
HOLD = "faults.istio-demo.test/hold"  # a finalizer nothing removes but the rig


@dataclass
class Attempt:
    """One command as the user ran it: its exit status and everything it printed."""

    command: str
    status: int
    output: str

    def errors(self) -> list[str]:
        return [line.strip() for line in self.output.splitlines() if line.strip().startswith("error:")]

    def line_with(self, says: str) -> str:
        """The first line of the output that says `says` (an error's cause can be on the line after it)."""
        return next((line.strip() for line in self.output.splitlines() if says in line), "none")


def clear_error(attempt: Attempt, says: str) -> list[str]:
    """The command failed with the tool's own `error:` line, its output says `says`, and it printed no Python
    traceback."""
    problems = [] if attempt.status != 0 else [f"`{attempt.command}` succeeded"]
    if TRACEBACK in attempt.output:
        problems.append(f"`{attempt.command}` printed a Python traceback")
    if not attempt.errors() or says not in attempt.output:
        problems.append(f"`{attempt.command}` does not say {says!r}; its errors: {attempt.errors()[:3]}")
    return problems


@dataclass
class Faults:
    """The kind stack on the run's cluster, the offline preview of each configuration, and the user's shell."""

    kube: Cluster
    mesh: Istiod
    shell: readme.Shell
    predicted: dict[str, Rendering]
    timings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def run(self, command: str) -> Attempt:
        finished = subprocess.run(
            ["bash", "-c", command],
            cwd=self.shell.project,
            env=self.shell.environment(),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
        attempt = Attempt(command, finished.returncode, finished.stdout + finished.stderr)
        with (BUILD / "faults" / "commands.log").open("a") as log:  # every command's output, for the reader
            log.write(f"$ {command}\n{attempt.output}\n[exit {attempt.status}]\n")
        return attempt

    def start(self, command: str, log: Path) -> subprocess.Popen[bytes]:
        """`command` in the background, in its own session as a terminal runs it (its group takes the signals)."""
        return subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=self.shell.project,
            env=self.shell.environment(),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def ok(self, command: str) -> str:
        attempt = self.run(command)
        if attempt.status != 0:
            raise RuntimeError(f"`{command}` failed ({attempt.status}): {attempt.output.strip()[-1500:]}")
        return attempt.output

    def switch(self, scenario: str) -> None:
        self.ok(f"pulumi config set scenario {scenario} && pulumi up")

    def state(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.ok("pulumi stack export"))["deployment"]
        return document

    def ledger(self, scenario: str) -> list[str]:
        """Nothing half-created or orphaned: no pending operation in the state; the state's objects exactly the
        offline preview's; the API server holding each as sent, and no object the provider applied beyond them;
        exactly the preview's Helm releases, each deployed."""
        plan = self.predicted[scenario]
        state = self.state()
        problems = [
            f"pending operation in the state: {op['type']} {op['resource']['urn']}"
            for op in state.get("pending_operations") or []
        ]
        kept = {urn_name(r["urn"]) for r in state.get("resources", []) if r["type"].startswith("kubernetes:")}
        planned = {urn_name(r["urn"]) for r in plan.plan["resources"] if r["type"].startswith("kubernetes:")}
        problems += [f"in the state, not planned: {name}" for name in sorted(kept - planned)]
        problems += [f"planned, not in the state: {name}" for name in sorted(planned - kept)]
        problems += compare_with_cluster(self.kube, plan)
        problems += [
            f"orphaned in the API server: {'/'.join(key)}" for key in sorted(self.applied() - planned_keys(plan))
        ]
        releases = helm_releases(self.kube)
        wanted = {r["inputs"]["name"] for r in plan.plan["resources"] if r["type"] == "kubernetes:helm.sh/v3:Release"}
        problems += [f"helm release {name} not the stack's" for name in sorted(set(releases) - wanted)]
        problems += [
            f"helm release {name}: {releases.get(name, 'missing')}"
            for name in sorted(wanted)
            if releases.get(name) != "deployed"
        ]
        return problems

    def applied(self) -> set[tuple[str, str, str]]:
        """Every object of the stack's kinds that the provider applied (a `pulumi-kubernetes` field manager)."""
        kinds = sorted(
            {
                resource_kind(r["type"])
                for r in self.predicted[SCENARIOS[0]].plan["resources"]
                if r["type"].startswith("kubernetes:") and "helm.sh" not in r["type"]
            }
        )
        listed = self.kube.get_json(",".join(kinds), "--all-namespaces", "--show-managed-fields")["items"]
        return {
            identity(obj)
            for obj in listed
            if obj["metadata"].get("labels", {}).get("owner") != "helm"  # Helm's own records: see helm_releases
            and any(
                entry.get("manager", "").startswith("pulumi-kubernetes")
                for entry in obj["metadata"].get("managedFields", [])
            )
        }

    def converged(self, scenario: str) -> list[str]:
        """`pulumi up` then the ledger of `scenario` and a preview that proposes nothing."""
        up = self.run("pulumi up")
        problems = [] if up.status == 0 else [f"`pulumi up` after the recovery failed: {up.errors()[:3]}"]
        problems += self.ledger(scenario)
        check = self.run("pulumi preview --expect-no-changes")
        return problems + ([] if check.status == 0 else [f"changes proposed after converging: {check.errors()[:2]}"])


def urn_name(urn: str) -> str:
    """A resource's type and name, the part of its URN that a stack's name does not change."""
    return urn.split("::", 2)[-1]


def resource_kind(token: str) -> str:
    """`kubernetes:apps/v1:Deployment` as kubectl names the kind: `deployment.apps`."""
    _, version, kind = token.split(":")
    group = version.split("/")[0]
    return kind.lower() if group == "core" else f"{kind.lower()}.{group}"


def live_id(resource: dict[str, Any]) -> str:
    """The provider's ID of a pending create's object, `namespace/name` (or `name`), from its inputs."""
    inputs = resource["inputs"]
    if resource["type"] == "kubernetes:helm.sh/v3:Release":
        return f"{inputs['namespace']}/{inputs['name']}"
    metadata = inputs.get("metadata", {})
    return "/".join(part for part in (metadata.get("namespace"), metadata["name"]) if part)


def import_flags(items: list[str]) -> str:
    """`pulumi refresh`'s flags importing pending creates (URN, ID, ...), quoted for the shell: a child's URN holds
    a `$` that bash would expand."""
    return "".join(f" --import-pending-creates {shlex.quote(item)}" for item in items)


def planned_keys(plan: Rendering) -> set[tuple[str, str, str]]:
    return {identity(obj) for obj in plan.objects}


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 300) -> float:
    """Seconds until `condition` holds (polled every 0.2 s)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


def kill_hard(process: subprocess.Popen[bytes], grace: float) -> None:
    """Ctrl-C, then, `grace` seconds later (before the engine has finished cancelling), SIGKILL of the whole process group (the machine
    going away); the provider plugins the CLI started live in their own sessions and are ended after it."""
    os.killpg(process.pid, signal.SIGINT)
    time.sleep(grace)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def read(log: Path) -> str:
    return log.read_text(errors="replace")


def plugins_running() -> int:
    found = subprocess.run(["pgrep", "-f", str(Path.home())], capture_output=True, text=True, check=False).stdout
    return sum(
        1 for pid in found.split() if "pulumi-resource-" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    )


@dataclass
class Cases:
    """Each fault as a step: the fault, what the user sees, the recovery, the time until the stack has converged."""

    faults: Faults

    def note(self, name: str, error: str, recovery: str, started: float, **more: Any) -> None:
        self.faults.timings[name] = {
            "error": error,
            "recovery": recovery,
            "converged_seconds": round(time.monotonic() - started, 1),
            **more,
        }

    def interrupted(self, name: str, scenario: str, midway: Callable[[], bool], grace: float) -> tuple[None, list[str]]:
        """Ctrl-C then SIGKILL in the middle of an `up`: the lock and the pending operations it leaves; then
        `pulumi cancel` (as the refusal says) and `pulumi refresh` (as the warning of pending operations says),
        each pending create imported if the API server has it and cleared if not, as `pulumi refresh` asks."""
        faults = self.faults
        log = BUILD / "faults" / f"{name}.log"
        process = faults.start("pulumi up", log)
        wait_for(midway, f"{name}: the moment to interrupt")
        kill_hard(process, grace)
        left = plugins_running()
        # The plugins outlive the CLI and finish what they were doing: a Helm install ends deployed or rolled back.
        wait_for(lambda: not self.releases_pending(), "the orphaned provider's Helm installs to end", timeout=180)
        stop_engine_processes()
        problems = [f"the interrupted `up` printed a Python traceback ({log})"] if TRACEBACK in read(log) else []
        locked = any((faults.shell.state / ".pulumi" / "locks").rglob("*.json"))
        refused = faults.run("pulumi up")
        if locked:  # the engine was killed before it had finished cancelling
            problems += clear_error(refused, "pulumi cancel")
        started = time.monotonic()
        if locked:
            faults.ok("pulumi cancel --yes")
        pending = [op["resource"] for op in faults.state().get("pending_operations") or [] if op["type"] == "creating"]
        imported = [
            item for resource in pending if self.live(resource) for item in (resource["urn"], live_id(resource))
        ]
        if imported:
            faults.ok(f"pulumi refresh --yes{import_flags(imported)}")
        if len(imported) < 2 * len(pending):
            faults.ok("pulumi refresh --yes --clear-pending-creates")
        problems += faults.converged(scenario)
        cleared = len(pending) - len(imported) // 2
        recovery = (
            f"{'pulumi cancel; ' if locked else ''}pulumi refresh ({len(imported) // 2} imported, {cleared} cleared)"
        )
        self.note(
            name,
            (refused.errors() or ["none"])[0],
            recovery,
            started,
            plugins_left_running=left,
            lock_left=locked,
            pending_creates=len(pending),
        )
        return None, problems

    def releases_pending(self) -> list[str]:
        releases = helm_releases(self.faults.kube)
        return [name for name, status in releases.items() if status.startswith("pending") or status == "uninstalling"]

    def live(self, resource: dict[str, Any]) -> bool:
        """The API server has the object of a pending create (a Helm release: deployed)."""
        namespace, _, name = live_id(resource).rpartition("/")
        if resource["type"] == "kubernetes:helm.sh/v3:Release":
            return helm_releases(self.faults.kube).get(name) == "deployed"
        where = ("-n", namespace) if namespace else ()
        kind = resource_kind(resource["type"])
        return bool(self.faults.kube.kubectl("get", kind, name, *where, "--ignore-not-found"))

    def every(self) -> list[tuple[str, Callable[[], tuple[None, list[str]]]]]:
        return [(name, getattr(self, method)) for name, method in FAULTS.items()]

    def plain_up(self) -> tuple[None, list[str]]:
        self.faults.ok("pulumi up")
        return None, []

    def first_up(self) -> tuple[None, list[str]]:
        def installing() -> bool:
            labels = self.faults.kube.get_json(*RELEASE_SECRETS)["items"]
            return any(secret["metadata"]["labels"].get("status") == "pending-install" for secret in labels)

        return self.interrupted(FIRST_UP, SCENARIOS[0], installing, grace=0.5)

    def samples_switch(self) -> tuple[None, list[str]]:
        """Interrupted once a switch has begun creating sample workloads in their namespace."""
        self.faults.ok(f"pulumi config set scenario {SAMPLES_NAMESPACE}")

        def created() -> bool:
            kube = self.faults.kube
            return bool(
                kube.kubectl("get", "serviceaccounts,services,deployments", "-n", SAMPLES_NAMESPACE, "-o", "name")
            )

        return self.interrupted("interrupt:samples-switch", SAMPLES_NAMESPACE, created, grace=0.0)

    def drift(self) -> tuple[None, list[str]]:
        """A DestinationRule deleted, a VirtualService's weights and a Deployment's replicas edited by hand:
        `pulumi preview --refresh` and `pulumi up --refresh` are refused over the two fields kubectl now owns (a
        server-side apply conflict, naming one); with the provider told to force (PULUMI_K8S_ENABLE_PATCH_FORCE),
        the preview shows all three and `pulumi up --refresh` restores them."""
        faults, scenario = self.faults, SCENARIOS[2]
        faults.switch(scenario)
        kube = faults.kube
        kube.kubectl("delete", "destinationrule", "ratings", "-n", "bookinfo")
        weights = [
            {"op": "replace", "path": f"/spec/http/0/route/{i}/weight", "value": w} for i, w in ((0, 80), (1, 20))
        ]
        kube.kubectl("patch", "virtualservice", "reviews", "-n", "bookinfo", "--type=json", "-p", json.dumps(weights))
        kube.kubectl("scale", "deployment", "reviews-v2", "-n", "bookinfo", "--replicas=3")
        # kubectl owns the edited fields now; the provider's server-side apply does not take them back by force
        shown = faults.run("pulumi preview --refresh --diff")
        problems = clear_error(shown, "Server-Side Apply field conflict")
        fields = [field for field in (".spec.replicas", ".spec.http") if field in shown.output]
        problems += [] if fields else ["the preview names neither edited field (.spec.replicas, .spec.http)"]
        started = time.monotonic()
        conflict = faults.run("pulumi up --refresh")
        problems += clear_error(conflict, "Server-Side Apply field conflict")
        # the provider's own switch to take the fields back by force (pkg/await's patchForce)
        forced = faults.run(f"{FORCE} pulumi preview --refresh --diff")
        updates = re.search(r"~ (\d+) to update", forced.output)
        if "+ 1 to create" not in forced.output:
            problems.append(f"`{FORCE} pulumi preview --refresh` does not show the deleted DestinationRule")
        if updates is None or int(updates.group(1)) < 2:
            problems.append(f"`{FORCE} pulumi preview --refresh` does not show the two edits as updates")
        faults.ok(f"{FORCE} pulumi up --refresh")
        problems += faults.converged(scenario)
        recovery = f"{FORCE} pulumi up --refresh"
        self.note("drift", (conflict.errors() or ["none"])[0], recovery, started, preview_named=fields)
        return None, problems

    def webhook_down(self) -> tuple[None, list[str]]:
        """istiod down, so its validating webhook, which fails closed, cannot answer: a route switch is refused,
        naming the webhook; with istiod back, `pulumi up` converges."""
        faults, mesh, scenario = self.faults, self.faults.mesh, SCENARIOS[3]
        mesh.down = True
        wait_for(lambda: mesh.process is None and not mesh.ready(), "istiod to stop")
        refused = faults.run(f"pulumi config set scenario {scenario} && pulumi up")
        problems = clear_error(refused, 'failed calling webhook "validation.istio.io"')
        started = time.monotonic()
        mesh.down = False
        wait_for(mesh.ready, "istiod to serve again")
        problems += faults.converged(scenario)
        problems += mesh.take_problems()
        faults.ok(f"pulumi config set scenario {SCENARIOS[2]} && pulumi up")
        self.note(
            "webhook-down",
            refused.line_with("failed calling webhook"),
            "istiod back (kubectl -n istio-system rollout status deployment/istiod); pulumi up",
            started,
        )
        return None, problems

    def two_ups(self) -> tuple[None, list[str]]:
        """A second `up` while one runs is refused by the backend's lock; the first completes; the state is intact."""
        faults = self.faults
        faults.ok(f"pulumi config set scenario {SCENARIOS[0]}")
        locks = faults.shell.state / ".pulumi" / "locks"
        first = faults.start("pulumi up", BUILD / "faults" / "two-ups.log")
        started = time.monotonic()
        wait_for(lambda: any(locks.rglob("*.json")), "the first `up`'s lock")
        second = faults.run("pulumi up")
        problems = clear_error(second, "the stack is currently locked")
        status = first.wait(timeout=COMMAND_TIMEOUT_SECONDS)
        problems += (
            []
            if status == 0
            else [f"the first `up` failed ({status}): {read(BUILD / 'faults' / 'two-ups.log')[-800:]}"]
        )
        problems += faults.ledger(SCENARIOS[0])
        self.note("two-ups", (second.errors() or [""])[0], "none: wait for the first", started)
        return None, problems

    def addon_refused(self, name: str, cause: Callable[[], object], cure: Callable[[], object], says: str) -> list[str]:
        """The add-on installed while `cause` holds: the `up` fails saying `says`, Helm's atomic install leaves
        no release behind; with `cure` done, `pulumi up` converges."""
        faults, scenario = self.faults, SCENARIOS[0]
        faults.ok(f"pulumi config set scenario {scenario} && pulumi config set {ADDON} false && pulumi up")
        # Helm's uninstall does not wait for the objects it deletes
        faults.kube.kubectl("wait", "--for=delete", f"deployment/{ADDON}", "-n", "istio-system", "--timeout=60s")
        cause()
        refused = faults.run(f"pulumi config set {ADDON} true && pulumi up")
        problems = clear_error(refused, says)
        problems += [] if ADDON in "".join(refused.errors()) else [f"no error line names the release {ADDON}"]
        left = helm_releases(faults.kube).get(ADDON)
        problems += [] if left is None else [f"the refused install left release {ADDON} {left}"]
        started = time.monotonic()
        cure()
        problems += faults.converged(scenario)
        self.note(name, refused.line_with(says), "pulumi up", started)
        return problems

    def never_ready(self) -> tuple[None, list[str]]:
        """Every node tainted, so the add-on's pod stays Pending: Helm's wait times out (helmTimeout) and its
        atomic install uninstalls the release; the taint removed, `pulumi up` installs it."""
        kube = self.faults.kube
        taint = f"{HOLD}=true:NoSchedule"
        problems = self.addon_refused(
            "never-ready",
            lambda: kube.kubectl("taint", "nodes", "--all", taint),
            lambda: kube.kubectl("taint", "nodes", "--all", f"{HOLD}:NoSchedule-"),
            "context deadline exceeded",
        )
        return None, problems + self.waiting_pod_named()

    def waiting_pod_named(self) -> list[str]:
        """Kubernetes' events, which outlive the uninstalled release, name its pod and why it waited."""
        events = self.faults.kube.get_json("events", "-n", "istio-system", "--field-selector=reason=FailedScheduling")
        named = [
            event["message"]
            for event in events["items"]
            if event["involvedObject"]["name"].startswith(f"{ADDON}-") and "untolerated taint" in event["message"]
        ]
        return [] if named else [f"no FailedScheduling event names a pod of {ADDON} and the taint"]

    def quota(self) -> tuple[None, list[str]]:
        """A ResourceQuota of istio-system that counts the Deployments it has: the add-on's Deployment is refused
        at admission, naming the quota; the quota gone, `pulumi up` installs it."""
        kube = self.faults.kube

        def tight() -> None:
            count = len(kube.get_json("deployments", "-n", "istio-system")["items"])
            kube.kubectl("create", "quota", QUOTA, f"--hard=count/deployments.apps={count}", "-n", "istio-system")
            # admission enforces a quota once its controller has counted what it limits
            wait_for(
                lambda: bool(kube.get_json("quota", QUOTA, "-n", "istio-system").get("status", {}).get("used")),
                "the quota counted",
            )

        problems = self.addon_refused(
            "quota",
            tight,
            lambda: kube.kubectl("delete", "quota", QUOTA, "-n", "istio-system"),
            f"exceeded quota: {QUOTA}",
        )
        return None, problems

    def terminating(self) -> tuple[None, list[str]]:
        """The samples' namespace deleted by hand and stuck in Terminating (a finalizer nothing removes) when a
        switch creates workloads in it: the switch fails naming the namespace being terminated; the finalizer
        removed and the namespace gone, `pulumi up --refresh` converges."""
        faults, kube, scenario = self.faults, self.faults.kube, SAMPLES_NAMESPACE
        faults.ok(f"pulumi config set scenario {SCENARIOS[0]} && pulumi up")
        kube.kubectl(
            "patch", "namespace", scenario, "--type=merge", "-p", json.dumps({"metadata": {"finalizers": [HOLD]}})
        )
        kube.kubectl("delete", "namespace", scenario, "--wait=false")
        refused = faults.run(f"pulumi config set scenario {scenario} && pulumi up")
        problems = clear_error(refused, "is being terminated")
        started = time.monotonic()
        kube.kubectl(
            "patch", "namespace", scenario, "--type=merge", "-p", json.dumps({"metadata": {"finalizers": None}})
        )
        kube.kubectl("wait", "--for=delete", f"namespace/{scenario}", "--timeout=120s", timeout=150)
        faults.ok("pulumi up --refresh")
        problems += faults.converged(scenario)
        self.note(
            "terminating",
            refused.line_with("is being terminated"),
            "the finalizer removed; pulumi up --refresh",
            started,
        )
        return None, problems

    def api_server_restart(self) -> tuple[None, list[str]]:
        """kube-apiserver stopped for 30 s as the update of a route switch starts, then started again."""
        return self.restarted_mid_update("api-server-restart", SCENARIOS[3], SCENARIOS[2], "Updating (")

    def api_server_restart_deleting(self) -> tuple[None, list[str]]:
        """kube-apiserver stopped for 30 s as a switch starts deleting sample workloads."""
        return self.restarted_mid_update("api-server-restart:deleting", SAMPLES_NAMESPACE, SCENARIOS[3], "deleting (")

    def restarted_mid_update(self, name: str, before: str, scenario: str, cue: str) -> tuple[None, list[str]]:
        """The switch from `before` to `scenario` with kube-apiserver stopped for 30 s once its output shows `cue`,
        then started again: the `up` either waits it out or fails with the tool's own error (no traceback); the
        next `pulumi up` converges."""
        faults = self.faults
        faults.ok(f"pulumi config set scenario {before} && pulumi up")
        faults.ok(f"pulumi config set scenario {scenario}")
        log = BUILD / "faults" / f"{name.replace(':', '-')}.log"
        process = faults.start("pulumi up", log)
        wait_for(lambda: cue in read(log), f"the `up` to show {cue!r}")
        restarted = control_plane.restart_api_server(API_SERVER_DOWN_SECONDS)
        back = wait_for(self.faults.kube.answers, "the API server to answer again", timeout=120)
        answered = time.monotonic()
        # the run's istiod follower met the outage too: its refused connections are the fault, anything else is not
        problems = [problem for problem in faults.mesh.take_problems() if REFUSED not in problem]
        status = process.wait(timeout=COMMAND_TIMEOUT_SECONDS)
        ended = time.monotonic()
        during = Attempt("pulumi up", status, read(log))
        problems += [] if status == 0 else clear_error(during, CONNECTION_REFUSED)
        problems += [f"the `up` printed a Python traceback ({log})"] if TRACEBACK in during.output else []
        started = time.monotonic()
        problems += faults.converged(scenario)
        problems += faults.mesh.take_problems()
        problems += [
            f"{name} has exited" for name in control_plane.LEASE_HOLDERS if not control_plane.component_running(name)
        ]
        self.note(
            name,
            during.line_with(CONNECTION_REFUSED) if status else "none",
            "pulumi up" if status else "none: the `up` waited",
            started,
            answering_seconds_after_start=round(back, 1),
            up_ended_seconds_after_answering=round(ended - answered, 1),
            restarted_after_losing_their_lease=restarted,
        )
        return None, problems

    def cluster_gone(self) -> tuple[None, list[str]]:
        """The stack's context gone from its kubeconfig (the cluster deleted): `preview`, `up` and `destroy` each
        say so; with the context back on a cluster emptied by hand, `destroy` completes."""
        faults, kube = self.faults, self.faults.kube
        copy = BUILD / "faults" / "kubeconfig.yaml"
        config = yaml.safe_load(kube.kubeconfig.read_text())
        copy.write_text(yaml.safe_dump(config))
        faults.ok(f"pulumi config set kubeconfig {copy} && pulumi up")
        copy.write_text(yaml.safe_dump({**config, "contexts": [], "current-context": ""}))
        problems: list[str] = []
        errors = {}
        for command, says in (
            ("pulumi preview", "is not a context of"),
            ("pulumi up", "is not a context of"),
            ("pulumi destroy", "configured Kubernetes cluster is unreachable"),
        ):
            attempt = faults.run(command)
            problems += clear_error(attempt, says)
            errors[command] = attempt.errors()
        copy.write_text(yaml.safe_dump(config))
        started = time.monotonic()
        for namespace in ("bookinfo", "istio-system"):
            kube.kubectl("delete", "namespace", namespace, "--wait=true", timeout=180)
        plain = faults.run("pulumi destroy")  # the provider cannot uninstall a Helm release whose records are gone
        errors["pulumi destroy (emptied cluster)"] = plain.errors()
        destroyed = faults.run("pulumi destroy --refresh")
        if destroyed.status != 0:
            problems.append(f"`pulumi destroy --refresh` on the emptied cluster: {destroyed.errors()[:3]}")
        left = [r["urn"] for r in faults.state().get("resources", []) if r["type"].startswith("kubernetes:")]
        problems += [f"still in the state after destroy: {urn}" for urn in left]
        self.note(
            "cluster-gone",
            " | ".join(line for lines in errors.values() for line in lines[:1]),
            "the cluster back (or PULUMI_K8S_DELETE_UNREACHABLE=true); emptied: pulumi destroy --refresh",
            started,
            error_lines={command: len(lines) for command, lines in errors.items()},
        )
        return None, problems


# Every fault, as the run names it, and the step of Cases that injects it, in the order the run takes them: each
# leaves the stack up, the last destroys it.
FAULTS = {
    FIRST_UP: "first_up",
    "interrupt:samples-switch": "samples_switch",
    "drift": "drift",
    "webhook-down": "webhook_down",
    "two-ups": "two_ups",
    "never-ready": "never_ready",
    "quota": "quota",
    "terminating": "terminating",
    "api-server-restart:deleting": "api_server_restart_deleting",
    "api-server-restart": "api_server_restart",
    "cluster-gone": "cluster_gone",
}


def prepared(shell: readme.Shell, target: tuple[str, ...]) -> tuple[None, list[str]]:
    """The kind stack as docs/own-cluster.md makes it, pointed at the run's cluster (e2e/readme.py), with the
    shortest Helm timeout."""
    readme.project_copy(shell.project)
    shell.run(readme.command("stack-init"))
    readme.point_at_run(shell, target)
    key, _, seconds = HELM_TIMEOUT.partition("=")
    shell.config_set(key, seconds)
    return None, []


def toolchain() -> tuple[None, list[str]]:
    ensure_all(log=lambda line: print(line, flush=True))
    return None, []


def cycle(report: Report, stack: ExitStack, only: tuple[str, ...] = ()) -> None:
    report.run("toolchain", toolchain)
    local = start_local(stack, "faults-")
    stack.callback(stop_engine_processes)
    kind = (*file_overrides(ROOT / "Pulumi.kind.yaml"), *readme.rig_settings(local.target()), HELM_TIMEOUT)
    configs = {f"faults/{scenario}": (*kind, f"scenario={scenario}") for scenario in SCENARIOS}
    predicted = {name.removeprefix("faults/"): rendering for name, rendering in predictions(configs).items()}
    shutil.rmtree(BUILD / "faults", ignore_errors=True)  # a stack an earlier fault run left
    (BUILD / "faults").mkdir(parents=True)
    shell = readme.Shell(BUILD / "faults" / "project", BUILD / "faults" / "state")
    report.run("faults:stack-init", lambda: prepared(shell, kind))
    faults = Faults(local.kube, local.mesh, shell, predicted)
    cases = Cases(faults)
    chosen = [(name, action) for name, action in cases.every() if not only or name in only]
    if chosen[0][0] != FIRST_UP:  # the stack up before the faults chosen
        report.run("faults:up", cases.plain_up)
    for name, action in chosen:
        report.run(f"faults:{name}", action, fatal=False)
    (BUILD / "faults.json").write_text(json.dumps(faults.timings, indent=2) + "\n")
    shell.run(f"pulumi stack rm --yes --force {readme.STACK}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.faults", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        nargs="+",
        default=(),
        metavar="FAULT",
        choices=list(FAULTS),
        help="run these faults alone, in the run's order (after a plain first `up`); default: every one",
    )
    arguments = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    if not TOOLS["pulumi-language-python"].available:
        print("no ../shared/tools/pulumi-language-python: the fault run needs the CLI's language host; skipped")
        return 0
    report = Report(versions=tool_versions(), file="faults-report.json")
    with ExitStack() as stack:
        try:
            cycle(report, stack, tuple(arguments.only))
        except StepFailed:
            pass
        except KeyboardInterrupt:
            print("interrupted: stopping the control plane", file=sys.stderr)
    report.write()
    print(report.table())
    return 0 if report.steps and all(step.ok for step in report.steps) else 1


if __name__ == "__main__":
    sys.exit(main())
