"""The shared workload helpers harden every Deployment built with them, Bookinfo's and the samples' alike."""

from __future__ import annotations

from dataclasses import replace

import pytest

from components.workloads import POD_SECURITY_CONTEXT, Size, Workload, container_security_context

SAMPLE = Workload(
    app="sample",
    version="v1",
    image="example.invalid/sample:1",
    ports=(8080,),
    size=Size(cpu="10m", memory="16Mi", cpu_limit="100m", memory_limit="64Mi"),
    service_account="sample",
)


@pytest.mark.parametrize(
    ("overrides", "run_as_user", "read_only_root"),
    [
        ({}, None, True),
        ({"run_as_user": 100}, 100, True),
        ({"read_only_root": False}, None, False),
    ],
)
def test_container_security_context(overrides, run_as_user, read_only_root):
    workload = replace(SAMPLE, **overrides)
    context = container_security_context(workload.read_only_root, workload.run_as_user)
    assert context.allow_privilege_escalation is False
    assert context.capabilities.drop == ["ALL"]
    assert context.run_as_user == run_as_user
    assert context.read_only_root_filesystem is read_only_root
    assert context.privileged is None


def test_pods_run_as_non_root_under_the_runtime_default_seccomp_profile():
    assert POD_SECURITY_CONTEXT.run_as_non_root is True
    assert POD_SECURITY_CONTEXT.seccomp_profile.type == "RuntimeDefault"
    assert POD_SECURITY_CONTEXT.run_as_user is None
