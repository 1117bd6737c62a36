"""Helm releases as the stack installs them: a pinned chart from its repository (or the mirror), in an explicit namespace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.declare import Children
from model.settings import TargetSettings
from model.versions import Chart


def chart_source(chart: Chart, mirror: str | None) -> dict[str, Any]:
    """Where Helm fetches `chart`: its own repository, or the one mirror that holds every chart the stack installs
    (an http(s) repository, an `oci://` registry path, or a directory of packaged `<name>-<version>.tgz` files)."""
    if mirror is None:
        return {"chart": chart.name, "version": chart.version, "repository_opts": _repository(chart.repository)}
    if mirror.startswith("oci://"):
        return {"chart": f"{mirror}/{chart.name}", "version": chart.version}
    if mirror.startswith("/"):
        return {"chart": f"{mirror}/{chart.name}-{chart.version}.tgz"}
    return {"chart": chart.name, "version": chart.version, "repository_opts": _repository(mirror)}


def _repository(url: str) -> k8s.helm.v3.RepositoryOptsArgs:
    return k8s.helm.v3.RepositoryOptsArgs(repo=url)


def merged(values: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`overrides` laid over `values` as Helm lays a values file over a chart's: maps key by key, the rest replaced."""
    result = dict(values)
    for key, value in overrides.items():
        both = isinstance(value, Mapping) and isinstance(result.get(key), Mapping)
        result[key] = merged(result[key], value) if both else value
    return result


def release(
    name: str,
    chart: Chart,
    namespace: str,
    values: dict[str, Any],
    children: Children,
    after: list[pulumi.Resource],
    target: TargetSettings,
) -> k8s.helm.v3.Release:
    """A release named `name` of `chart` that never stays half-done, from the target's chart mirror if it has one,
    with the target's `helmValues` for it laid over `values`.

    The provider hands `atomic` to Helm's install and to its upgrade: a failed or timed-out install is
    uninstalled (Helm's atomic install), a failed upgrade is rolled back to the last good revision. Atomic
    implies waiting, up to the target's `helmTimeout`, for every object to be ready. `cleanup_on_fail` applies
    to upgrades only (pulumi-kubernetes sets it on Helm's upgrade action, not on install): the objects a failed
    upgrade created are deleted.
    """
    return k8s.helm.v3.Release(
        **children.child(name, *after),
        args=k8s.helm.v3.ReleaseArgs(
            name=name,
            namespace=namespace,
            values=merged(values, target.helm_values.get(name, {})),
            atomic=True,
            cleanup_on_fail=True,
            timeout=target.helm_timeout,
            **chart_source(chart, target.chart_mirror),
        ),
    )
