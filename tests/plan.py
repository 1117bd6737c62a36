"""Queries over a rendered plan, so tests read as what they check."""

from __future__ import annotations

from typing import Any

from tools.preview.rendering import Rendering


def resources(rendering: Rendering, type_: str) -> list[dict[str, Any]]:
    return [r for r in rendering.plan["resources"] if r["type"] == type_ and not r.get("read")]


def resource(rendering: Rendering, type_: str, name: str) -> dict[str, Any]:
    """The resource of `type_` named `name`: a Helm release by its release name, any other by its logical name."""
    matches = [
        r for r in resources(rendering, type_) if (r["inputs"]["name"] if type_ == RELEASE else r["name"]) == name
    ]
    assert len(matches) == 1, f"expected one {type_} named {name}, found {len(matches)}"
    return matches[0]


def manifest(rendering: Rendering, kind: str, name: str, namespace: str = "") -> dict[str, Any]:
    matches = [
        m
        for m in rendering.manifests
        if m["kind"] == kind and m["metadata"]["name"] == name and m["metadata"].get("namespace", "") == namespace
    ]
    assert len(matches) == 1, f"expected one {kind} {namespace}/{name}, found {len(matches)}"
    return matches[0]


def kinds(rendering: Rendering, kind: str, namespace: str) -> dict[str, dict[str, Any]]:
    """name -> object for every `kind` in `namespace`."""
    return {
        m["metadata"]["name"]: m
        for m in rendering.manifests
        if m["kind"] == kind and m["metadata"].get("namespace") == namespace
    }


def urn_of(rendering: Rendering, type_: str, name: str) -> str:
    return resource(rendering, type_, name)["urn"]


CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
SERVICE_ACCOUNT = "gcp:serviceaccount/account:Account"
IAM_MEMBER = "gcp:projects/iAMMember:IAMMember"
K8S_PROVIDER = "pulumi:providers:kubernetes"
RELEASE = "kubernetes:helm.sh/v3:Release"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
