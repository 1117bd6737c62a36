"""The shared workload helpers harden every Deployment built with them, Bookinfo's and the samples' alike."""

from __future__ import annotations

from dataclasses import replace

import pytest

from components.hardening import container_security_context
from model.workloads import Size, Workload
from scenarios.catalog import CATALOG
from tests.conftest import rendered

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


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_pod_of_every_scenario_is_hardened(name):
    """Bookinfo's, the add-ons' and each scenario's sample pods, as rendered."""
    deployments = [m for m in rendered((f"scenario={name}",)).manifests if m["kind"] == "Deployment"]
    assert deployments
    for deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            context = container["securityContext"]
            assert (context["allowPrivilegeEscalation"], context["capabilities"]) == (False, {"drop": ["ALL"]})
            assert set(container["resources"]) == {"requests", "limits"}
