"""The Kubernetes Gateway API's CRDs (v1.5.1, standard channel plus the experimental TCPRoute), installed for
routingApi=gateway-api and kept when the stack is destroyed, as Helm keeps Istio's. On an existing cluster, a
CRD someone else installed at v1.5.1 or newer is left alone; an older one stops the program."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.declare import Children
from model.config import ConfigError
from model.settings import TargetSettings
from model.versions import GATEWAY_API_CRD_FILES, GATEWAY_API_CRD_NAMES, GATEWAY_API_VERSION

FETCH_TIMEOUT_SECONDS = 30
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when there: the nine CRDs are ~1 MB
MANAGED_BY = ("app.kubernetes.io/managed-by", "istio-demo")  # the label on the CRDs this stack installs
BUNDLE_VERSION = "gateway.networking.k8s.io/bundle-version"  # the release's annotation on each of its CRDs
SEMVER = re.compile(r"^v(\d+)\.(\d+)\.(\d+)")
KUBECTL_TIMEOUT_SECONDS = 60

LiveCrds = dict[str, dict[str, Any]]  # CRD name -> the cluster's object


def read_crd(source: str, file: str) -> dict[str, Any]:
    """One CRD from `source` (an http(s) URL or a directory holding config/crd's files), without its status."""
    location = f"{source}/{file}"
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(location, timeout=FETCH_TIMEOUT_SECONDS) as response:
                text = response.read().decode()
        else:
            text = Path(location).read_text()
        crd = yaml.load(text, Loader=SAFE_LOADER)
    except (OSError, urllib.error.URLError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(
            "gatewayApiCrds",
            f"cannot read {location}: {error}",
            "set it to a mirror or directory holding the release's standard/ and experimental/ CRD files, or to"
            " `cluster` if the cluster has them",
        ) from None
    if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
        raise ConfigError("gatewayApiCrds", f"{location} is not a CustomResourceDefinition", "the release's files")
    crd.pop("status", None)
    return crd


def read_crds(source: str) -> list[dict[str, Any]]:
    """Every CRD the stack installs, read before any resource is declared: a source that cannot be read stops the
    program with one line and nothing half-created."""
    return [read_crd(source, file) for file in GATEWAY_API_CRD_FILES]


def kubectl_crds(target: TargetSettings) -> LiveCrds:
    """The Gateway API CRDs an existing cluster has, read with kubectl through the target's context."""
    kubectl = shutil.which("kubectl")
    allowed = (
        f"or set gatewayApiCrds=cluster if the cluster has the Gateway API's CRDs at {GATEWAY_API_VERSION} or newer"
    )
    if kubectl is None:
        raise ConfigError("gatewayApiCrds", "kubectl, which reads the CRDs the cluster has, is not on PATH", allowed)
    command = [kubectl, "--context", str(target.kube_context)]
    command += ["--kubeconfig", target.kubeconfig] if target.kubeconfig else []
    command += ["get", "customresourcedefinitions", *GATEWAY_API_CRD_NAMES, "-o", "json", "--ignore-not-found"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=KUBECTL_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        raise ConfigError("gatewayApiCrds", f"cannot read the cluster's CRDs: {result.stderr.strip()}", allowed)
    items = json.loads(result.stdout)["items"] if result.stdout.strip() else []
    return {item["metadata"]["name"]: item for item in items}


@dataclass
class Cluster:
    """How the program reads what an existing cluster already has. The offline preview, which reaches no
    cluster, swaps `crds` for a cluster that has none."""

    crds: Callable[[TargetSettings], LiveCrds] = kubectl_crds


CLUSTER = Cluster()


def bundle_version(crd: dict[str, Any]) -> tuple[int, int, int] | None:
    found = SEMVER.match(crd["metadata"].get("annotations", {}).get(BUNDLE_VERSION, ""))
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def to_install(crds: list[dict[str, Any]], live: LiveCrds) -> tuple[list[dict[str, Any]], list[str]]:
    """The CRDs the stack installs, each labelled as its own: those the cluster lacks or the stack installed
    before. And, in words, those someone else installed at v1.5.1 or newer, which are left alone. One installed
    by someone else at an older (or unknown) version stops the program: replacing it could break their routes."""
    key, value = MANAGED_BY
    wanted = bundle_version(crds[0]) if crds else None
    install, kept = [], []
    for crd in crds:
        name = crd["metadata"]["name"]
        found = live.get(name)
        if found is None or found["metadata"].get("labels", {}).get(key) == value:
            labels = {**crd["metadata"].get("labels", {}), key: value}
            install.append({**crd, "metadata": {**crd["metadata"], "labels": labels}})
            continue
        version = bundle_version(found)
        text = found["metadata"].get("annotations", {}).get(BUNDLE_VERSION, "no bundle version")
        if version is None or wanted is None or version < wanted:
            raise ConfigError(
                "gatewayApiCrds",
                f"the cluster's {name} ({text}) is older than {GATEWAY_API_VERSION}, which Istio 1.30.3 supports,"
                " and this stack did not install it",
                f"upgrade the cluster's Gateway API CRDs to {GATEWAY_API_VERSION} or newer",
            )
        kept.append(f"{name} ({text})")
    return install, kept


@dataclass(frozen=True)
class GatewayApiCrdsArgs:
    crds: list[dict[str, Any]]  # as read_crds returns them


class GatewayApiCrds(pulumi.ComponentResource):
    """Every CRD of the Gateway API's standard channel and TCPRoute; retained on delete, so destroying the stack
    leaves them (and any other user's routes) in place."""

    crds: list[k8s.apiextensions.v1.CustomResourceDefinition]

    def __init__(self, name: str, args: GatewayApiCrdsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:gateway-api:GatewayApiCrds", name, None, opts)
        children = Children(self, name)
        self.crds = []
        names = []
        for crd in args.crds:
            names.append(crd["metadata"]["name"])
            declared = children.child(crd["metadata"]["name"])
            self.crds.append(
                k8s.apiextensions.v1.CustomResourceDefinition(
                    declared["resource_name"],
                    opts=pulumi.ResourceOptions.merge(declared["opts"], pulumi.ResourceOptions(retain_on_delete=True)),
                    metadata=crd["metadata"],
                    spec=crd["spec"],
                )
            )
        self.register_outputs({"crds": names})
