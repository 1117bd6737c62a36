"""Istio's control plane in the end-to-end run: the real istiod (pilot-discovery), run as a local process on
127.0.0.1 beside the run's API server, in Istio's external-control-plane topology.

The stack installs the istiod chart as for any cluster; `helmValues` points its webhooks at
`https://localhost:15017` (the charts' `istiodRemote.injectionURL` and `base.validationURL`). The chart's own istiod
Deployment runs on a simulated node and becomes Ready only once this process serves (the run marks its pod, see
e2e/stages.py), so everything that waits for istiod on GKE waits for it here. This process is started from the
chart's rendered Deployment (its environment and flags), with its addresses moved to 127.0.0.1, and reads its mesh
configuration and injection templates from the chart's ConfigMaps through the API server. It signs its own serving
certificate for `localhost` with its own CA and writes that CA into the webhooks.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from e2e.cluster import Cluster, ClusterError
from e2e.stages import ISTIOD_SERVING
from e2e.toolchain import TOOLS
from model.mesh import ISTIO_NAMESPACE

WEBHOOK_PORT = 15017
CTRLZ_PORT = 9876  # pilot-discovery's default
# A second cluster's istiod listens on each port plus this (the two-cluster run, e2e/multicluster.py).
SECOND_OFFSET = 100


def url(offset: int = 0) -> str:
    return f"https://localhost:{WEBHOOK_PORT + offset}"


def helm_values(offset: int = 0) -> dict[str, Any]:
    """The helmValues the run gives the stack: Istio's external control plane, served at url(offset)."""
    served = url(offset)
    return {
        "istiod": {
            "istiodRemote": {"injectionURL": f"{served}/inject"},
            "base": {"validationURL": f"{served}/validate"},
        },
        "istio-base": {"base": {"validationURL": f"{served}/validate"}},
    }


def addresses(offset: int = 0) -> dict[str, str]:
    """pilot-discovery's listeners, on 127.0.0.1, each port moved by `offset`."""
    return {
        "--httpAddr": f"127.0.0.1:{15080 + offset}",
        "--httpsAddr": f"127.0.0.1:{WEBHOOK_PORT + offset}",
        "--grpcAddr": f"127.0.0.1:{15010 + offset}",
        "--secureGRPCAddr": f"127.0.0.1:{15012 + offset}",
        "--monitoringAddr": f"127.0.0.1:{15014 + offset}",
        "--ctrlz_address": "127.0.0.1",
        "--ctrlz_port": str(CTRLZ_PORT + offset),
    }


def debug_url(offset: int = 0) -> str:
    return f"http://{addresses(offset)['--httpAddr']}"


HELM_VALUES = helm_values()  # the single-cluster run's
INJECTOR = "istio-sidecar-injector"  # the chart's ConfigMap of injection templates and its webhook configuration
VALIDATOR = f"istio-validator-{ISTIO_NAMESPACE}"
POD_NAME = "istiod-local"
CACERTS = "cacerts"  # the Secret of a plugged-in CA (with clusters=2, each cluster's intermediate)
CACERTS_DIR = Path("etc") / "cacerts"  # where istiod reads it, relative to its working directory
WEBHOOKS = (
    ("mutatingwebhookconfiguration", INJECTOR, "/inject"),
    ("validatingwebhookconfiguration", VALIDATOR, "/validate"),
    ("validatingwebhookconfiguration", "istiod-default-validator", "/validate"),
)
KINDS = {
    "mutatingwebhookconfiguration": "MutatingWebhookConfiguration",
    "validatingwebhookconfiguration": "ValidatingWebhookConfiguration",
}
FOLLOW_SECONDS = 1.0


class IstiodError(RuntimeError):
    """The local istiod could not be started or stopped serving."""


def free(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) != 0


def field_value(source: dict[str, Any]) -> str | None:
    """The value a pod's downward API would give an environment variable, for this process."""
    path = source.get("fieldRef", {}).get("fieldPath")
    return {"metadata.name": POD_NAME, "metadata.namespace": ISTIO_NAMESPACE, "spec.serviceAccountName": "istiod"}.get(
        path or ""
    )


def environment(container: dict[str, Any], kubeconfig: Path) -> dict[str, str]:
    """The chart's environment for istiod, the downward API's values filled in, pointed at the run's cluster, its
    serving certificate valid for localhost too."""
    env: dict[str, str] = {}
    for variable in container.get("env", []):
        value = variable["value"] if "value" in variable else field_value(variable.get("valueFrom", {}))
        if value is not None:
            env[variable["name"]] = value
    hosts = [host for host in env.get("ISTIOD_CUSTOM_HOST", "").split(",") if host]
    env["ISTIOD_CUSTOM_HOST"] = ",".join([*hosts, "localhost"])
    env["KUBECONFIG"] = str(kubeconfig)
    # `istioctl proxy-status --plaintext` asks for the proxies' sync status on the plaintext port, where no client
    # has a verified identity: this istiod, on 127.0.0.1 only, answers it unauthenticated.
    env["ENABLE_DEBUG_ENDPOINT_AUTH"] = "false"
    return env


def arguments(container: dict[str, Any], offset: int = 0) -> list[str]:
    """The chart's flags for pilot-discovery, every listener moved to 127.0.0.1 (its port by `offset`)."""
    listeners = addresses(offset)
    args, given = [], list(container.get("args", []))
    skip = False
    for index, arg in enumerate(given):
        if skip:
            skip = False
            continue
        flag = arg.split("=", 1)[0]
        if flag in listeners:
            skip = "=" not in arg and index + 1 < len(given) and not given[index + 1].startswith("-")
            continue
        args.append(arg)
    return [*args, *(f"{flag}={address}" for flag, address in listeners.items())]


@dataclass
class Istiod:
    """The local istiod of one cluster: started when the chart has installed its ConfigMaps, its pod marked
    Ready once it serves and its webhooks carry its CA, stopped when the chart is uninstalled."""

    cluster: Cluster
    workdir: Path
    offset: int = 0  # added to every port it listens on
    process: subprocess.Popen[bytes] | None = None
    repointed: int = 0  # webhooks this run pointed at istiod itself
    down: bool = False  # held stopped, as a crashed istiod (the fault run's webhook fault)
    problems: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def follow(self) -> None:
        """Starts the thread that keeps istiod in step with the chart."""
        busy = [address for address in addresses(self.offset).values() if ":" in address and not free(address)]
        if busy:
            raise IstiodError(f"istiod's addresses are taken: {', '.join(busy)}")
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.stop()

    def take_problems(self) -> list[str]:
        """What the follower met since the last call (istiod exiting, the API server refusing it)."""
        taken, self.problems[:] = list(self.problems), []
        return taken

    def _follow(self) -> None:
        while not self._stop.wait(FOLLOW_SECONDS):
            try:
                self._step()
            except (ClusterError, subprocess.TimeoutExpired, json.JSONDecodeError, OSError) as error:
                self.problems.append(f"istiod: {error}")

    def _step(self) -> None:
        found = self.charts_objects()
        deployment = found.get(("Deployment", "istiod"))
        if self.down or deployment is None or ("ConfigMap", INJECTOR) not in found:
            self.stop()
            return
        self.repoint_webhooks(found)
        if self.process is None:
            self.start(deployment)
        elif self.process.poll() is not None:
            self.problems.append(f"istiod exited with {self.process.returncode}: {self.log_tail()}")
            self.process = None
            return
        if self.serving(found):
            self.mark_pods()

    def charts_objects(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The charts' objects this istiod follows (its Deployment, its templates, the webhooks), by kind and name,
        in one read; those not installed are missing."""
        names = [f"configmap/{INJECTOR}", "deployment/istiod", *(f"{kind}/{name}" for kind, name, _ in WEBHOOKS)]
        found = self.cluster.kubectl(
            "get", *names, "-n", ISTIO_NAMESPACE, "-o", "json", "--ignore-not-found", check=False
        )
        document = json.loads(found) if found.strip().startswith("{") else {}
        items = document.get("items", [document] if document.get("kind") else [])
        return {(item["kind"], item["metadata"]["name"]): item for item in items}

    def start(self, deployment: dict[str, Any]) -> None:
        container = next(c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "discovery")
        self.workdir.mkdir(parents=True, exist_ok=True)  # istiod's relative paths (mesh file, templates): none here
        self.mount_cacerts()
        log = (self.workdir / "istiod.log").open("ab")
        self.process = subprocess.Popen(
            [str(TOOLS["istio"].path("pilot-discovery")), *arguments(container, self.offset)],
            cwd=self.workdir,
            env=environment(container, self.cluster.kubeconfig),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def mount_cacerts(self) -> None:
        """The `cacerts` Secret's files where istiod reads a plugged-in CA (`./etc/cacerts`, ROOT_CA_DIR), as the
        chart's optional volume mounts them; without the Secret, none, and istiod signs with a CA of its own."""
        directory = self.workdir / CACERTS_DIR
        shutil.rmtree(directory, ignore_errors=True)
        found = self.cluster.kubectl(
            "get", "secret", CACERTS, "-n", ISTIO_NAMESPACE, "-o", "json", "--ignore-not-found", check=False
        )
        if not found.strip().startswith("{"):
            return
        directory.mkdir(parents=True)
        for name, value in json.loads(found).get("data", {}).items():
            (directory / name).write_bytes(base64.b64decode(value))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{debug_url(self.offset)}/ready", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def serving(self, found: dict[tuple[str, str], dict[str, Any]]) -> bool:
        """Ready, its CA in the injection webhook and the validation webhook switched to failing closed."""
        if not self.ready():
            return False
        injector = found.get(("MutatingWebhookConfiguration", INJECTOR), {})
        validator = found.get(("ValidatingWebhookConfiguration", VALIDATOR), {})
        patched = all(hook["clientConfig"].get("caBundle") for hook in injector.get("webhooks", []))
        closed = all(hook.get("failurePolicy") == "Fail" for hook in validator.get("webhooks", []))
        return bool(injector and validator and patched and closed)

    def repoint_webhooks(self, found: dict[tuple[str, str], dict[str, Any]]) -> None:
        """Points at this istiod any of the charts' webhooks that call the istiod Service (a program without the run's
        helmValues installed them: the upgrade check's earlier program), as a cluster's admin would for an external
        control plane; counted, since the stack's own program must never need it."""
        for kind, name, path in WEBHOOKS:
            hooks = found.get((KINDS[kind], name), {}).get("webhooks", [])
            patch = [
                {
                    "op": "replace",
                    "path": f"/webhooks/{index}/clientConfig",
                    "value": {"url": f"{url(self.offset)}{path}"},
                }
                for index, hook in enumerate(hooks)
                if "service" in hook.get("clientConfig", {})
            ]
            if patch:
                self.cluster.kubectl("patch", kind, name, "--type=json", "-p", json.dumps(patch))
                self.repointed += len(patch)

    def mark_pods(self) -> None:
        pods = self.cluster.get_json("pods", "-n", ISTIO_NAMESPACE, "-l", "app=istiod")["items"]
        for pod in pods:
            if pod["metadata"].get("annotations", {}).get(ISTIOD_SERVING) != "true":
                self.cluster.kubectl(
                    "annotate", "pod", pod["metadata"]["name"], "-n", ISTIO_NAMESPACE, f"{ISTIOD_SERVING}=true"
                )

    def log_tail(self, lines: int = 15) -> str:
        path = self.workdir / "istiod.log"
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.is_file() else "no log"
