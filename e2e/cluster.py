"""A local Kubernetes control plane for the end-to-end run, on 127.0.0.1 only, with GKE-sized simulated nodes.

kwokctl's binary runtime starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the kwok
controller from the toolchain's binaries and makes a fresh PKI and kubeconfig for every cluster. The API
server runs with RBAC and its default admission plugins, the webhook plugins included: the run's istiod
(e2e/istiod.py) answers Istio's injection and validation webhooks. kwok plays the kubelets: it moves every
scheduled pod to Running and Ready with a fake IP that nothing ever dials (istiod's own pod only once the local
istiod serves, e2e/stages.py). A small thread plays the cloud's load-balancer controller and gives each
LoadBalancer Service an address from the documentation range 203.0.113.0/24; another plays the kubelet's part for
kube-controller-manager and kube-scheduler, starting either again when it exits (each does when a stalled API
server keeps it from renewing its leader lease).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from e2e import versions
from e2e.stages import run_stages
from e2e.toolchain import TOOLS, cache_root
from model.capacity import MACHINE_TYPES, SYSTEM_DAEMONSETS, SYSTEM_PER_CLUSTER, allocatable
from model.workloads import Scheduled

NAME = "istio-demo-e2e"
MACHINE_TYPE = "n1-standard-1"
NODE_COUNT = 4
PODS_PER_NODE = "110"
STAND_IN_IMAGE = "registry.k8s.io/pause:3.10"
LOAD_BALANCER_ADDRESSES = [f"203.0.113.{host}" for host in range(10, 60)]
START_TIMEOUT_SECONDS = 120


class ClusterError(RuntimeError):
    """The control plane could not be started or asked."""


def workdir() -> Path:
    """kwokctl's work directory: one per machine, so a run from any clone cleans up a stale one."""
    return cache_root() / "kwok"


def cluster_directory(name: str = NAME) -> Path:
    return workdir() / "clusters" / name


def kwokctl(*args: str, timeout: float = START_TIMEOUT_SECONDS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TOOLS["kwok"].path("kwokctl")), *args],
        env={**os.environ, "KWOK_WORKDIR": str(workdir())},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def configuration() -> dict[str, Any]:
    """kwokctl's configuration: every component from a local binary, bound to 127.0.0.1, RBAC and every default
    admission plugin on, the webhooks too (the run's istiod answers Istio's)."""
    kubernetes, etcd, kwok = TOOLS["kubernetes"], TOOLS["etcd"], TOOLS["kwok"]
    return {
        "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
        "kind": "KwokctlConfiguration",
        "options": {
            "runtime": "binary",
            "bindAddress": "127.0.0.1",
            "kubeVersion": versions.KUBERNETES,
            "kubeAuthorization": True,
            "kubeAdmission": True,
            "quietPull": True,
            "kubeApiserverBinary": str(kubernetes.path("kube-apiserver")),
            "kubeControllerManagerBinary": str(kubernetes.path("kube-controller-manager")),
            "kubeSchedulerBinary": str(kubernetes.path("kube-scheduler")),
            "kubectlBinary": str(kubernetes.path("kubectl")),
            "etcdBinary": str(etcd.path("etcd")),
            "kwokControllerBinary": str(kwok.path("kwok")),
        },
    }


def node(index: int) -> dict[str, Any]:
    """One simulated GKE node: n1-standard-1's capacity and GKE's allocatable after its reservations."""
    cpus, memory = MACHINE_TYPES[MACHINE_TYPE]
    cpu_allocatable, memory_allocatable = allocatable(MACHINE_TYPE) or (0, 0)
    name = f"gke-istio-demo-nodes-{index}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": MACHINE_TYPE,
                "type": "kwok",
            },
        },
        "status": {
            "capacity": {"cpu": str(cpus), "memory": f"{memory}Mi", "pods": PODS_PER_NODE},
            "allocatable": {"cpu": f"{cpu_allocatable}m", "memory": f"{memory_allocatable}Mi", "pods": PODS_PER_NODE},
            "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux", "kubeletVersion": versions.KUBERNETES},
        },
    }


def stand_in(kind: str, pod: Scheduled) -> dict[str, Any]:
    """A kube-system workload holding the requests model/capacity.py counts for one of GKE's own pods."""
    labels = {"app": pod.name, "istio-demo.e2e/stand-in": "gke-system"}
    spec: dict[str, Any] = {
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "containers": [
                    {
                        "name": pod.name,
                        "image": STAND_IN_IMAGE,
                        "resources": {"requests": {"cpu": pod.cpu, "memory": pod.memory}},
                    }
                ],
                "automountServiceAccountToken": False,
            },
        },
    }
    if kind == "Deployment":
        spec["replicas"] = pod.replicas
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": pod.name, "namespace": "kube-system", "labels": labels},
        "spec": spec,
    }


def gke_system_objects() -> list[dict[str, Any]]:
    return [
        *(stand_in("DaemonSet", daemon) for daemon in SYSTEM_DAEMONSETS),
        *(stand_in("Deployment", pod) for pod in SYSTEM_PER_CLUSTER),
    ]


@dataclass
class Cluster:
    """A started control plane: its kubeconfig, context, and the load-balancer stand-in."""

    kubeconfig: Path
    name: str = NAME  # kwokctl's name of the cluster
    context: str = f"kwok-{NAME}"
    istio_cluster: str = "Kubernetes"  # the cluster's ID as its istiod knows it (the chart's CLUSTER_ID)
    istiod_offset: int = 0  # what its local istiod adds to each of its ports (e2e/istiod.py)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    assigned: dict[str, str] = field(default_factory=dict)
    restarted: list[str] = field(default_factory=list)  # the lease holders started again, in order

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 60) -> str:
        result = subprocess.run(
            [
                str(TOOLS["kubernetes"].path("kubectl")),
                "--kubeconfig",
                str(self.kubeconfig),
                "--context",
                self.context,
                *args,
            ],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def answers(self) -> bool:
        """The API server says it is ready."""
        return self.kubectl("get", "--raw", "/readyz", check=False, timeout=10).strip() == "ok"

    def get_json(self, *args: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.kubectl("get", *args, "-o", "json"))
        return document

    def apply(self, objects: list[dict[str, Any]]) -> None:
        self.kubectl(
            "apply", "--server-side", "--field-manager=istio-demo-e2e", "-f", "-", stdin=yaml.safe_dump_all(objects)
        )

    def serve_load_balancers(self) -> None:
        """Starts the load-balancer stand-in: every LoadBalancer Service without an address gets one."""
        self._background(self._assign_addresses)

    def supervise_lease_holders(self) -> None:
        """Starts the lease holders' supervisor: each one that exits is started again as it was."""
        launches = [Launch.of(component, self.name) for component in LEASE_HOLDERS]
        self._background(lambda: self._keep_running(launches))

    def _background(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _keep_running(self, launches: list[Launch]) -> None:
        while not self._stop.wait(SUPERVISE_SECONDS):
            with RESTARTS:
                for launch in launches:
                    if not component_running(launch.name, self.name):
                        launch.start()
                        self.restarted.append(launch.name)
                        print(f"e2e: {launch.name} had exited (a lost leader lease); started it again", flush=True)

    def _assign_addresses(self) -> None:
        while not self._stop.wait(0.5):
            try:
                services = self.get_json("services", "--all-namespaces")["items"]
            except (ClusterError, subprocess.TimeoutExpired, json.JSONDecodeError):
                continue
            for service in services:
                if service["spec"].get("type") != "LoadBalancer":
                    continue
                if service.get("status", {}).get("loadBalancer", {}).get("ingress"):
                    continue
                key = f"{service['metadata']['namespace']}/{service['metadata']['name']}"
                address = self.assigned.setdefault(key, LOAD_BALANCER_ADDRESSES[len(self.assigned)])
                status = {"status": {"loadBalancer": {"ingress": [{"ip": address}]}}}
                self.kubectl(
                    "patch",
                    "service",
                    service["metadata"]["name"],
                    "-n",
                    service["metadata"]["namespace"],
                    "--subresource=status",
                    "--type=merge",
                    "-p",
                    json.dumps(status),
                    check=False,
                )

    def stop_background(self) -> None:
        """Stops the load-balancer stand-in and the supervisor, before the cluster is deleted."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)


def delete_stale(name: str = NAME) -> None:
    """Removes a cluster a previous run left behind (its processes and files), if any."""
    kwokctl("delete", "cluster", "--name", name)
    shutil.rmtree(cluster_directory(name), ignore_errors=True)


@dataclass(frozen=True)
class AddressRanges:
    """Where a simulated cluster's fake addresses come from: its pods' (kwok's `--cidr`) and its Services' (the API
    server's `--service-cluster-ip-range`, whose default, 10.0.0.0/24, is kwok's pod range), apart from each other and
    from another cluster's, as on GKE."""

    pods: str
    services: str


RANGES = AddressRanges(pods="10.0.0.1/24", services="10.96.0.0/16")


def address_patches(ranges: AddressRanges) -> dict[str, Any]:
    """kwokctl's patches giving the cluster's pods and Services their addresses from `ranges`."""
    return {
        "componentsPatches": [
            {"name": "kwok-controller", "extraArgs": [{"key": "cidr", "value": ranges.pods}]},
            {"name": "kube-apiserver", "extraArgs": [{"key": "service-cluster-ip-range", "value": ranges.services}]},
        ]
    }


def start(name: str = NAME, ranges: AddressRanges = RANGES) -> Cluster:
    """A fresh control plane with four n1-standard-1 nodes and GKE's own kube-system pods, ready to use, its pods'
    and Services' fake addresses from `ranges`."""
    delete_stale(name)
    config = workdir() / f"{name}.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    documents = [{**configuration(), **address_patches(ranges)}, *run_stages()]
    config.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    result = kwokctl("create", "cluster", "--name", name, "--config", str(config), "--wait", "60s")
    if result.returncode != 0:
        raise ClusterError(f"kwokctl create cluster failed: {result.stderr.strip()[-2000:]}")
    cluster = Cluster(kubeconfig=cluster_directory(name) / "kubeconfig.yaml", name=name, context=f"kwok-{name}")
    cluster.apply([node(index) for index in range(NODE_COUNT)])
    # Ready before anything is scheduled: a pod the scheduler finds no node for waits in its back-off queue.
    cluster.kubectl(
        "wait",
        "--for=condition=Ready",
        "node",
        "--all",
        f"--timeout={START_TIMEOUT_SECONDS}s",
        timeout=START_TIMEOUT_SECONDS + 10,
    )
    cluster.supervise_lease_holders()
    cluster.apply(gke_system_objects())
    wait_for_stand_ins(cluster)
    cluster.serve_load_balancers()
    return cluster


def unmet_conditions(pod: dict[str, Any]) -> str:
    """Why a pod is not running, as its conditions say (the scheduler's message when it found no node)."""
    conditions = pod.get("status", {}).get("conditions", [])
    unmet = [
        f"{c['type']}: {c.get('reason', '')} {c.get('message', '')}".strip()
        for c in conditions
        if c.get("status") != "True"
    ]
    return "; ".join(unmet) or pod.get("status", {}).get("phase", "no status")


def wait_for_stand_ins(cluster: Cluster) -> None:
    expected = len(SYSTEM_DAEMONSETS) * NODE_COUNT + sum(pod.replicas for pod in SYSTEM_PER_CLUSTER)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        pods = cluster.get_json("pods", "-n", "kube-system", "-l", "istio-demo.e2e/stand-in=gke-system")["items"]
        running = [pod for pod in pods if pod.get("status", {}).get("phase") == "Running"]
        if len(running) == expected:
            return
        time.sleep(1)
    waiting = [f"{pod['metadata']['name']} ({unmet_conditions(pod)})" for pod in pods if pod not in running]
    raise ClusterError(
        f"GKE's system pods did not all run ({len(running)} of {expected}); waiting: {', '.join(waiting) or 'none created'}"
    )


def start_with(stack: ExitStack, name: str = NAME, ranges: AddressRanges = RANGES) -> Cluster:
    """start(), with the cluster deleted when `stack` closes, a start that fails midway included."""
    stack.callback(delete_stale, name)
    cluster = start(name, ranges)
    stack.callback(cluster.stop_background)
    return cluster


def running(proc: Path) -> bool:
    """The process of `/proc/<pid>` still runs (a zombie nobody reaps has ended)."""
    try:
        return (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# The components that hold a leader lease and exit once they cannot renew it: on a real cluster the kubelet starts
# their static pods again; here the cluster's supervisor does, or an API server restart right after the outage.
LEASE_HOLDERS = ("kube-controller-manager", "kube-scheduler")
SUPERVISE_SECONDS = 1.0
RESTARTS = threading.Lock()  # one restarter at a time, so that no component is started twice
KILL_BEFORE_DUE_SECONDS = 5


@dataclass(frozen=True)
class Launch:
    """How kwokctl started one control-plane component: enough to start it again as it was."""

    name: str
    argv: list[str]
    environment: dict[str, str]
    cwd: str
    cluster: str = NAME

    @classmethod
    def of(cls, name: str, cluster: str = NAME) -> Launch:
        proc = Path(f"/proc/{int(pid_file(name, cluster).read_text().strip())}")
        if not running(proc):
            raise ClusterError(f"{name} (pid {proc.name}) has ended: how it was started can no longer be read")
        environ = (proc / "environ").read_bytes().split(b"\0")
        return cls(
            name,
            [part.decode() for part in (proc / "cmdline").read_bytes().split(b"\0") if part],
            dict(entry.decode().split("=", 1) for entry in environ if b"=" in entry),
            os.readlink(proc / "cwd"),
            cluster,
        )

    def start(self) -> None:
        """Started again, logging where kwokctl had it log; its pid file follows, so deleting the cluster stops it."""
        with (cluster_directory(self.cluster) / "logs" / f"{self.name}.log").open("ab") as log:
            process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pid_file(self.name, self.cluster).write_text(str(process.pid))


def pid_file(component: str, cluster: str = NAME) -> Path:
    return cluster_directory(cluster) / "pids" / f"{component}.pid"


def component_running(component: str, cluster: str = NAME) -> bool:
    return running(Path(f"/proc/{int(pid_file(component, cluster).read_text().strip())}"))


def restart_api_server(down_seconds: float) -> list[str]:
    """kube-apiserver stopped as a restart stops it (SIGTERM; SIGKILL if it is still draining its requests, which it
    may do for a minute, when it is nearly due back) and started again as it was `down_seconds` after the SIGTERM;
    then each lease holder that gave up its lease meanwhile and exited is started again, as a kubelet would.
    Returns the components so restarted."""
    with RESTARTS:
        return _restart_api_server(down_seconds)


def _restart_api_server(down_seconds: float) -> list[str]:
    launches = [Launch.of(name) for name in ("kube-apiserver", *LEASE_HOLDERS)]
    api_server = Path(f"/proc/{int(pid_file('kube-apiserver').read_text().strip())}")
    stopped = time.monotonic()
    os.kill(int(api_server.name), signal.SIGTERM)
    while running(api_server) and time.monotonic() < stopped + down_seconds - KILL_BEFORE_DUE_SECONDS:
        time.sleep(0.1)
    if running(api_server):
        os.kill(int(api_server.name), signal.SIGKILL)
    while running(api_server):
        time.sleep(0.1)
    time.sleep(max(0.0, stopped + down_seconds - time.monotonic()))
    launches[0].start()
    exited = [launch for launch in launches[1:] if not component_running(launch.name)]
    for launch in exited:
        launch.start()
    return [launch.name for launch in exited]


def non_loopback_listeners(name: str = NAME) -> list[str]:
    """Every socket the control plane's processes listen on outside 127.0.0.1 (there must be none)."""
    pids = [int(path.read_text().strip()) for path in cluster_directory(name).rglob("*.pid")]
    output = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=False).stdout
    listeners = [line.split()[3] for line in output.splitlines() if any(f"pid={pid}," in line for pid in pids)]
    if not listeners:
        return ["no listening socket of the control plane found (ss -ltnp)"]
    return [f"listening on {address}" for address in listeners if not address.startswith("127.0.0.1:")]
