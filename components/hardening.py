"""The Kubernetes settings every workload the stack runs shares: requests and limits, a readiness probe, and the
hardened security contexts (model.workloads holds the data)."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from model.workloads import Size


def requirements(size: Size) -> k8s.core.v1.ResourceRequirementsArgs:
    values = size.values()
    return k8s.core.v1.ResourceRequirementsArgs(requests=values["requests"], limits=values["limits"])


def readiness_probe(path: str, port: int) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port=port),
        initial_delay_seconds=5,
        period_seconds=10,
        timeout_seconds=3,
        failure_threshold=6,
    )


# Pod level, so it also covers the injected istio-proxy (which sets its own user 1337). istio-init needs
# root and NET_ADMIN for iptables; Istio's injection template sets runAsNonRoot: false on that container.
POD_SECURITY_CONTEXT = k8s.core.v1.PodSecurityContextArgs(
    run_as_non_root=True,
    seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
)


def container_security_context(
    read_only_root: bool = True, run_as_user: int | None = None
) -> k8s.core.v1.SecurityContextArgs:
    """No privilege escalation, no capabilities, a read-only root filesystem unless the image must write."""
    return k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=False,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        read_only_root_filesystem=read_only_root,
        run_as_user=run_as_user,
    )
