"""The Kubernetes Gateway API's CRDs (v1.5.1, standard channel plus the experimental TCPRoute), installed for
routingApi=gateway-api and kept when the stack is destroyed, as Helm keeps Istio's."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.declare import Children
from model.config import ConfigError
from model.versions import GATEWAY_API_CRD_FILES

FETCH_TIMEOUT_SECONDS = 30
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when there: the nine CRDs are ~1 MB


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
