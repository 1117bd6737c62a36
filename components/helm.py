"""Helm releases as the stack installs them: a pinned chart from its repository, in an explicit namespace."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.versions import Chart

# Generous enough for a chart whose pods pull images on fresh nodes.
RELEASE_TIMEOUT_SECONDS = 600


def release(
    name: str, chart: Chart, namespace: str, values: dict[str, Any], opts: pulumi.ResourceOptions
) -> k8s.helm.v3.Release:
    """A release named `name` of `chart`; a failed install is cleaned up rather than left half-done."""
    return k8s.helm.v3.Release(
        name,
        k8s.helm.v3.ReleaseArgs(
            name=name,
            chart=chart.name,
            version=chart.version,
            namespace=namespace,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository),
            values=values,
            cleanup_on_fail=True,
            timeout=RELEASE_TIMEOUT_SECONDS,
        ),
        opts=opts,
    )
