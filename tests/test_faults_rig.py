"""The fault run's own judgement (e2e/faults.py): what counts as one clear error, and how it names the stack's objects."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from e2e import cluster
from e2e.cluster import Launch, running
from e2e.faults import Attempt, clear_error, import_flags, live_id, resource_kind, urn_name, wait_for

LOCKED = "error: the stack is currently locked by 1 lock(s). Either wait ... delete the lock file with `pulumi cancel`."


@pytest.mark.parametrize(
    ("status", "output", "problems"),
    [
        (255, f"Updating (kind):\n{LOCKED}\n", []),
        (
            0,
            "Resources:\n    47 unchanged\n",
            ["`pulumi up` succeeded", "`pulumi up` does not say 'pulumi cancel'; its errors: []"],
        ),
        (
            1,
            f"{LOCKED}\n    Traceback (most recent call last):\n    KeyboardInterrupt\n",
            ["`pulumi up` printed a Python traceback"],
        ),
        (
            1,
            "error: update failed\n",
            ["`pulumi up` does not say 'pulumi cancel'; its errors: ['error: update failed']"],
        ),
    ],
)
def test_a_clear_error_is_the_tools_own_line_and_no_traceback(status, output, problems):
    assert clear_error(Attempt("pulumi up", status, output), "pulumi cancel") == problems


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("kubernetes:apps/v1:Deployment", "deployment.apps"),
        ("kubernetes:core/v1:Namespace", "namespace"),
        ("kubernetes:networking.istio.io/v1:VirtualService", "virtualservice.networking.istio.io"),
    ],
)
def test_a_resource_type_is_named_as_kubectl_names_its_kind(token, kind):
    assert resource_kind(token) == kind


def test_a_pending_creates_id_is_the_providers():
    release = {"type": "kubernetes:helm.sh/v3:Release", "inputs": {"name": "istio-base", "namespace": "istio-system"}}
    namespace = {"type": "kubernetes:core/v1:Namespace", "inputs": {"metadata": {"name": "circuit-breaking"}}}
    service = {"type": "kubernetes:core/v1:Service", "inputs": {"metadata": {"name": "httpbin", "namespace": "cb"}}}
    assert [live_id(r) for r in (release, namespace, service)] == [
        "istio-system/istio-base",
        "circuit-breaking",
        "cb/httpbin",
    ]


def test_urns_of_two_stacks_name_the_same_resource_alike():
    kind = "urn:pulumi:kind::istio-demo::istio-demo:bookinfo:Bookinfo$kubernetes:core/v1:Namespace::bookinfo"
    dev = kind.replace("urn:pulumi:kind::", "urn:pulumi:dev::")
    assert urn_name(kind) == urn_name(dev) == "istio-demo:bookinfo:Bookinfo$kubernetes:core/v1:Namespace::bookinfo"


def test_pending_creates_reach_the_cli_as_given_through_the_shell():
    # a regression: a child's URN lost `$kubernetes` to bash's expansion, so nothing was imported
    items = ["urn:pulumi:kind::istio-demo::istio-demo:samples:SampleWorkloads$kubernetes:core/v1:Service::s", "ns/s"]
    argv = subprocess.run(
        ["bash", "-c", f"printf '%s\\n'{import_flags(items)}"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert argv == ["--import-pending-creates", items[0], "--import-pending-creates", items[1]]


def test_an_errors_cause_is_found_on_the_line_that_says_it():
    output = 'error: release kiali failed, ...: 1 error occurred:\n    \t* deployments.apps "kiali" is forbidden: exceeded quota: q\n'
    attempt = Attempt("pulumi up", 1, output)
    assert attempt.line_with("exceeded quota") == '* deployments.apps "kiali" is forbidden: exceeded quota: q'
    assert attempt.line_with("connection refused") == "none"


def test_a_process_that_ended_is_not_running_even_as_a_zombie(tmp_path):
    child = subprocess.Popen(["true"])
    wait_for(lambda: not running(Path(f"/proc/{child.pid}")), "the child to end", timeout=10)  # a zombie until reaped
    child.wait()
    assert (running(Path("/proc/self")), running(Path(f"/proc/{child.pid}")), running(tmp_path)) == (True, False, False)


def test_a_component_started_again_runs_as_it_did_and_its_pid_file_follows(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "cluster_directory", lambda name=cluster.NAME: tmp_path)
    (tmp_path / "pids").mkdir()
    (tmp_path / "logs").mkdir()
    first = subprocess.Popen(["sleep", "30"], cwd=tmp_path, env={"COMPONENT_MARK": "m"})
    try:
        (tmp_path / "pids" / "kube-scheduler.pid").write_text(str(first.pid))
        # a process that has only just been started may not show its environment yet (exec is still setting it up)
        wait_for(lambda: b"COMPONENT_MARK" in Path(f"/proc/{first.pid}/environ").read_bytes(), "the exec", timeout=10)
        launch = Launch.of("kube-scheduler")
    finally:
        first.kill()
        first.wait()
    assert not cluster.component_running("kube-scheduler")
    launch.start()
    again = int((tmp_path / "pids" / "kube-scheduler.pid").read_text())
    try:
        assert again != first.pid and cluster.component_running("kube-scheduler")
        wait_for(lambda: b"COMPONENT_MARK" in Path(f"/proc/{again}/environ").read_bytes(), "the exec", timeout=10)
        assert Path(f"/proc/{again}/cmdline").read_bytes().split(b"\0")[:2] == [b"sleep", b"30"]
        assert os.readlink(f"/proc/{again}/cwd") == str(tmp_path)
        assert b"COMPONENT_MARK=m" in Path(f"/proc/{again}/environ").read_bytes().split(b"\0")
    finally:
        os.kill(again, signal.SIGKILL)


def test_the_api_server_is_back_when_due_though_it_ignores_sigterm_and_only_exited_lease_holders_restart(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(cluster, "cluster_directory", lambda name=cluster.NAME: tmp_path)
    monkeypatch.setattr(cluster, "KILL_BEFORE_DUE_SECONDS", 0.5)
    (tmp_path / "pids").mkdir()
    (tmp_path / "logs").mkdir()
    stubborn = subprocess.Popen(["bash", "-c", "trap '' TERM; exec sleep 30"])
    kept = subprocess.Popen(["sleep", "30"])
    lease_lost = subprocess.Popen(["sleep", "30"])
    # a process only just started may show no command line yet (its exec is still under way)
    for process in (stubborn, kept, lease_lost):
        wait_for(
            lambda process=process: Path(f"/proc/{process.pid}/cmdline").read_bytes().startswith(b"sleep"),
            "exec",
            timeout=10,
        )
    processes = {"kube-apiserver": stubborn, "kube-scheduler": kept, "kube-controller-manager": lease_lost}
    pid = {name: lambda name=name: int((tmp_path / "pids" / f"{name}.pid").read_text()) for name in processes}
    start = cluster.Launch.start

    def lose_the_lease_during_the_outage(launch: Launch) -> None:
        """The controller manager exits before the API server is back: at a moment of the outage, not of a timer."""
        if launch.name == "kube-apiserver" and lease_lost.poll() is None:
            lease_lost.kill()
            lease_lost.wait()
        start(launch)

    monkeypatch.setattr(cluster.Launch, "start", lose_the_lease_during_the_outage)
    try:
        for name, process in processes.items():
            (tmp_path / "pids" / f"{name}.pid").write_text(str(process.pid))
        began = time.monotonic()
        restarted = cluster.restart_api_server(1.5)
        took = time.monotonic() - began
        assert restarted == ["kube-controller-manager"]
        assert 1.5 <= took < 3.0 and stubborn.wait(timeout=5) == -signal.SIGKILL
        assert (pid["kube-apiserver"]() != stubborn.pid, pid["kube-controller-manager"]() != lease_lost.pid) == (
            True,
            True,
        )
        assert pid["kube-scheduler"]() == kept.pid
        assert all(cluster.component_running(name) for name in processes)
    finally:
        for name, process in processes.items():
            os.kill(pid[name](), signal.SIGKILL)
            process.kill()


def test_the_launch_of_a_component_that_has_ended_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "cluster_directory", lambda name=cluster.NAME: tmp_path)
    (tmp_path / "pids").mkdir()
    ended = subprocess.Popen(["true"])
    (tmp_path / "pids" / "kube-scheduler.pid").write_text(str(ended.pid))
    wait_for(lambda: not cluster.component_running("kube-scheduler"), "the exit", timeout=10)  # a zombie, not reaped
    with pytest.raises(cluster.ClusterError, match=rf"^kube-scheduler \(pid {ended.pid}\) has ended: how it was"):
        Launch.of("kube-scheduler")
    ended.wait()
    with pytest.raises(cluster.ClusterError, match=r"has ended"):
        Launch.of("kube-scheduler")


def test_the_supervisor_starts_an_exited_lease_holder_again_and_stops_with_the_cluster(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "cluster_directory", lambda name=cluster.NAME: tmp_path)
    monkeypatch.setattr(cluster, "SUPERVISE_SECONDS", 0.1)
    (tmp_path / "pids").mkdir()
    (tmp_path / "logs").mkdir()
    processes = {name: subprocess.Popen(["sleep", "30"]) for name in cluster.LEASE_HOLDERS}
    pid = {name: lambda name=name: int((tmp_path / "pids" / f"{name}.pid").read_text()) for name in processes}
    for name, process in processes.items():
        (tmp_path / "pids" / f"{name}.pid").write_text(str(process.pid))
    for process in processes.values():
        wait_for(lambda process=process: Path(f"/proc/{process.pid}/cmdline").read_bytes(), "exec", timeout=10)
    control_plane = cluster.Cluster(kubeconfig=tmp_path / "kubeconfig.yaml")
    try:
        control_plane.supervise_lease_holders()
        processes["kube-scheduler"].kill()
        processes["kube-scheduler"].wait()
        wait_for(lambda: control_plane.restarted, "the supervisor to act", timeout=10)
        control_plane.stop_background()
        assert control_plane.restarted == ["kube-scheduler"]
        assert pid["kube-scheduler"]() != processes["kube-scheduler"].pid
        assert pid["kube-controller-manager"]() == processes["kube-controller-manager"].pid
        assert all(cluster.component_running(name) for name in processes)
        os.kill(pid["kube-scheduler"](), signal.SIGKILL)
        time.sleep(0.5)  # stopped: nothing starts it again
        assert control_plane.restarted == ["kube-scheduler"] and not cluster.component_running("kube-scheduler")
    finally:
        control_plane.stop_background()
        for name, process in processes.items():
            if cluster.component_running(name):
                os.kill(pid[name](), signal.SIGKILL)
            process.kill()
            process.wait()
