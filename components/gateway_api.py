"""The Kubernetes Gateway API's CRDs (v1.5.1, standard channel plus the experimental TCPRoute) on a cluster the
stack does not create: installed from the release's files, which the Kubernetes provider itself reads (a URL or a
path), and kept when the stack is destroyed, as Helm keeps Istio's; or the cluster's own, read through the provider
and refused when older than the release Istio supports. On GKE the cluster's Gateway API channel brings them."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.config import RefusedConfig
from components.declare import Children
from model.versions import GATEWAY_API_VERSION

CRD_TYPE = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
MANAGED_BY = ("app.kubernetes.io/managed-by", "istio-demo")  # the label on the CRDs this stack installs
BUNDLE_VERSION = "gateway.networking.k8s.io/bundle-version"  # the release's annotation on each of its CRDs
SEMVER = re.compile(r"^v(\d+)\.(\d+)\.(\d+)")


def crd_file_name(location: str) -> str:
    """`gateway.networking.k8s.io_httproutes.yaml` -> `httproutes`, the name of the CRD file's ConfigFile."""
    return location.rsplit("/", 1)[-1].removeprefix("gateway.networking.k8s.io_").removesuffix(".yaml")


def labelled(props: dict[str, Any]) -> dict[str, Any]:
    """A CRD's properties with the label that says this stack installed it."""
    metadata = props.get("metadata") or {}
    labels = {**(metadata.get("labels") or {}), MANAGED_BY[0]: MANAGED_BY[1]}
    return {**props, "metadata": {**metadata, "labels": labels}}


def owned_crds(component: pulumi.Resource, prefix: str) -> pulumi.ResourceTransform:
    """The transform of the CRDs a ConfigFile declares: labelled as the stack's, retained on delete, and answering
    to the name they had when the component declared each CRD itself (`<prefix>-<crd name>`)."""

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != CRD_TYPE:
            return None
        crd_name = args.name.split(":", 1)[-1]
        former = pulumi.Alias(name=f"{prefix}-{crd_name}", parent=component)
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(retain_on_delete=True, aliases=[former]))
        return pulumi.ResourceTransformResult(labelled(dict(args.props)), opts)

    return transform


def release(text: str) -> tuple[int, int, int] | None:
    found = SEMVER.match(text)
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def check_release(name: str, annotations: dict[str, str] | None) -> None:
    """Raises a ConfigError when the cluster's CRD `name` is older than the release this stack's Istio supports."""
    text = (annotations or {}).get(BUNDLE_VERSION, "no bundle version")
    version, wanted = release(text), release(GATEWAY_API_VERSION)
    if version is None or wanted is None or version < wanted:
        raise RefusedConfig(
            "gatewayApiCrds",
            f"the cluster's {name} ({text}) is older than {GATEWAY_API_VERSION}, the release this stack's Istio"
            " supports",
            f"upgrade the cluster's Gateway API CRDs to {GATEWAY_API_VERSION} or newer, or leave gatewayApiCrds empty"
            " to install them",
        )


def checked(name: str, metadata: Any, *, read: pulumi.Resource) -> pulumi.Resource:
    """The read of the cluster's CRD `name`, once its release is checked: what the routes may wait for."""
    check_release(name, metadata.annotations if metadata else None)
    return read


@dataclass(frozen=True)
class GatewayApiCrdsArgs:
    files: Sequence[str] = ()  # the CRD files to install (URLs or paths, read by the provider)
    cluster_crds: Sequence[str] = ()  # or the names of the cluster's own CRDs the stack's objects need


class GatewayApiCrds(pulumi.ComponentResource):
    """Every CRD of the Gateway API's standard channel and TCPRoute, retained on delete, so destroying the stack
    leaves them (and any other user's routes) in place; or the cluster's own, checked for their release."""

    after: list[pulumi.Input[pulumi.Resource]]  # what the routes wait for: the installed CRDs, or the checked reads

    def __init__(self, name: str, args: GatewayApiCrdsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:gateway-api:GatewayApiCrds", name, None, opts)
        children = Children(self, name)
        self.after = []
        for location in args.files:
            file = children.name(crd_file_name(location))
            self.after.append(
                k8s.yaml.v2.ConfigFile(
                    file,
                    file=location,
                    opts=pulumi.ResourceOptions(parent=self, transforms=[owned_crds(self, name)]),
                )
            )
        for crd_name in args.cluster_crds:
            read = k8s.apiextensions.v1.CustomResourceDefinition.get(
                **children.child(f"cluster-{crd_name}"), id=crd_name
            )
            self.after.append(read.metadata.apply(functools.partial(checked, crd_name, read=read)))
        self.register_outputs({"files": list(args.files), "clusterCrds": list(args.cluster_crds)})
