"""Istio's demo profile installed with Helm: base, istiod, and the ingress and egress gateways; or, with the managed
mesh, Google's control plane and the same gateways."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components import helm
from components.declare import Children
from components.managed import FleetMembership, ManagedControlPlane, ManagedControlPlaneArgs
from model import managed
from model.mesh import (
    CNI_REQUESTS,
    DEMO_MESH_CONFIG,
    EGRESS_GATEWAY,
    EGRESS_PORTS,
    GATEWAY_LIMITS,
    GATEWAY_REQUESTS,
    INGRESS_GATEWAY,
    INGRESS_PORTS,
    ISTIO_CNI,
    ISTIO_NAMESPACE,
    ISTIOD_REQUESTS,
    WAYPOINT_REQUESTS,
    ZTUNNEL,
    ZTUNNEL_REQUESTS,
)
from model.multicluster import READER_SERVICE_ACCOUNT, MeshCluster
from model.settings import MeshSettings, Platform, TargetSettings
from model.versions import ISTIO_CHART_REPOSITORY, ISTIO_HUB, Chart, mirrored
from model.workloads import Scheduled


@dataclass(frozen=True)
class MeshIdentity:
    """The cluster's place in a two-cluster mesh: its name, and its intermediate CA (the Secret istio-system/cacerts
    istiod signs workload certificates with, a secret Output of its data)."""

    cluster: MeshCluster
    cacerts: pulumi.Output[dict[str, str]]


@dataclass(frozen=True)
class IstioMeshArgs:
    settings: MeshSettings
    target: TargetSettings
    node_count: int = 1  # nodes, for ambient's per-node pods (an existing cluster's are counted for one)
    fleet: FleetMembership | None = None  # the GKE cluster's fleet membership, with the managed mesh
    identity: MeshIdentity | None = None  # with clusters=2 (docs/multicluster.md)


CACERTS = "cacerts"  # the Secret istiod reads its signing CA from, when it exists at istiod's start
READER_TOKEN = f"{READER_SERVICE_ACCOUNT}-token"


def global_values(platform: Platform, image_registry: str | None) -> dict[str, Any]:
    """The platform's values (none sets none); Istio's images from the mirror if there is one."""
    values: dict[str, Any] = {}
    if platform is not Platform.NONE:
        values["platform"] = str(platform)
    if image_registry is not None:
        values["hub"] = mirrored(ISTIO_HUB, image_registry)
    return values


ALPHA_GATEWAY_API = "PILOT_ENABLE_ALPHA_GATEWAY_API"


def istiod_values(
    platform: Platform, image_registry: str | None, ambient: bool = False, alpha_gateway_api: bool = False
) -> dict[str, Any]:
    """The demo profile, or the ambient profile with the demo profile's settings on top (access logs, the tracing
    provider, small waypoints); istiod's hub also names the proxy image of the gateways, sidecars and waypoints.
    With `alpha_gateway_api`, istiod reads the Gateway API's experimental TCPRoute and accepts TCP listeners, which
    it ignores and refuses without PILOT_ENABLE_ALPHA_GATEWAY_API."""
    globals_ = global_values(platform, image_registry)
    pilot: dict[str, Any] = {"autoscaleEnabled": False, "resources": {"requests": ISTIOD_REQUESTS}}
    if alpha_gateway_api:
        pilot["env"] = {ALPHA_GATEWAY_API: "true"}
    if not ambient:
        return {"profile": "demo", **({"global": globals_} if globals_ else {}), "pilot": pilot}
    return {
        "profile": "ambient",
        "global": {**globals_, "waypoint": {"resources": {"requests": WAYPOINT_REQUESTS}}},
        "pilot": {**pilot, "traceSampling": 100},
        "meshConfig": DEMO_MESH_CONFIG,
    }


def node_agent_values(platform: Platform, image_registry: str | None, requests: dict[str, str]) -> dict[str, Any]:
    """Values of the ambient profile's per-node charts (istio-cni, ztunnel), at the demo profile's requests; these
    charts read the platform and the hub at their top level."""
    return {"profile": "ambient", "resources": {"requests": requests}, **global_values(platform, image_registry)}


def gateway_values(service_type: str, ports: list[dict[str, Any]]) -> dict[str, Any]:
    """Values of the `gateway` chart lowered to the demo profile: 10m/40Mi, one replica, no autoscaling."""
    return {
        "profile": "demo",
        "service": {"type": service_type, "ports": ports},
        "resources": {"requests": GATEWAY_REQUESTS, "limits": GATEWAY_LIMITS},
        "autoscaling": {"enabled": False},
    }


def load_balancer_address(status: k8s.core.v1.outputs.ServiceStatus | None) -> str:
    """The first address of a LoadBalancer Service, or `pending` while the cloud has not assigned one."""
    ingress = (status.load_balancer.ingress if status and status.load_balancer else None) or []
    return next((address for entry in ingress if (address := entry.ip or entry.hostname)), "pending")


class IstioMesh(pulumi.ComponentResource):
    """The istio-system namespace and the Helm releases, chained base -> istiod -> gateways; with the managed mesh,
    the namespace, Google's control plane, then the gateways."""

    namespace: k8s.core.v1.Namespace
    control_plane: pulumi.Resource  # what the mesh's objects wait for: istiod, or the cluster's managed mesh
    data_plane: pulumi.Resource
    ingress_gateway: k8s.helm.v3.Release
    egress_gateway: k8s.helm.v3.Release | None
    ingress_ip: pulumi.Output[str] | None  # only behind a LoadBalancer Service
    reader_token: pulumi.Output[str] | None  # with clusters=2: what the other cluster's istiod reads this one with
    scheduled: list[Scheduled]

    def __init__(self, name: str, args: IstioMeshArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:istio:IstioMesh", name, None, opts)
        self._istio_version = args.settings.istio_version
        self._target = target = args.target
        self._children = Children(self, name)
        self.reader_token = None

        # With the managed mesh the gateways' namespace carries the label its injector serves (the gateway chart's
        # pods ask for the gateway template), and exists before Google provisions the mesh, which uses it too.
        labels = managed.INJECTION_LABELS if args.fleet else None
        self.namespace = k8s.core.v1.Namespace(
            **self._children.child(ISTIO_NAMESPACE),
            metadata=k8s.meta.v1.ObjectMetaArgs(name=ISTIO_NAMESPACE, labels=labels),
        )
        self.control_plane = self._control_plane(name, args)
        node_agents = self._node_agents() if args.settings.ambient else []
        ingress = gateway_values(target.ingress_service_type, INGRESS_PORTS)
        self.ingress_gateway = self._release(INGRESS_GATEWAY, "gateway", ingress, after=[self.control_plane])
        self.egress_gateway = (
            self._release(
                EGRESS_GATEWAY, "gateway", gateway_values("ClusterIP", EGRESS_PORTS), after=[self.control_plane]
            )
            if args.settings.egress_gateway
            else None
        )
        self.ingress_ip = self._ingress_ip() if target.load_balancer else None
        # what pods of the mesh's applications wait for: istiod's injector, or the node agents that capture them
        self.data_plane = node_agents[-1] if node_agents else self.control_plane
        self.scheduled = self._scheduled(args)
        self.register_outputs({"ingressIp": self.ingress_ip} if self.ingress_ip else {})

    def _control_plane(self, name: str, args: IstioMeshArgs) -> pulumi.Resource:
        """Google's managed control plane on a fleet's cluster, else the charts base and istiod."""
        if args.fleet is not None:
            return ManagedControlPlane(
                f"{name}-managed",
                ManagedControlPlaneArgs(args.fleet, [self.namespace]),
                pulumi.ResourceOptions(parent=self),
            ).membership
        base = self._release("istio-base", "base", {"defaultRevision": "default"}, after=[self.namespace])
        # The Gateway API's TCPRoute is installed wherever the stack routes by the Gateway API, except on GKE
        # (which admits no experimental CRD; the scenario that needs it is refused there).
        alpha = args.settings.gateway_api and not self._target.gke
        values = istiod_values(self._target.platform, self._target.image_registry, args.settings.ambient, alpha)
        if args.identity is None:
            return self._release("istiod", "istiod", values, after=[base])
        self.reader_token = self._reader_token(base)
        cacerts = k8s.core.v1.Secret(
            **self._children.child(CACERTS, self.namespace),
            metadata=k8s.meta.v1.ObjectMetaArgs(name=CACERTS, namespace=ISTIO_NAMESPACE),
            string_data=args.identity.cacerts,
        )
        joined = helm.merged(values, args.identity.cluster.istiod_values())
        return self._release("istiod", "istiod", joined, after=[base, cacerts])

    def _reader_token(self, base: pulumi.Resource) -> pulumi.Output[str]:
        """A long-lived token of the reader ServiceAccount the base chart installs; the provider waits until the
        token controller has filled it in (pulumi/pulumi-kubernetes#2048)."""
        secret = k8s.core.v1.Secret(
            **self._children.child(READER_TOKEN, base),
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=READER_TOKEN,
                namespace=ISTIO_NAMESPACE,
                annotations={"kubernetes.io/service-account.name": READER_SERVICE_ACCOUNT},
            ),
            type="kubernetes.io/service-account-token",
        )
        return pulumi.Output.secret(secret.data.apply(lambda data: base64.b64decode(data["token"]).decode()))

    def _node_agents(self) -> list[k8s.helm.v3.Release]:
        """Ambient's per-node charts, in the order Istio's ambient Helm install gives: istio-cni, then ztunnel."""
        target = self._target
        cni_values = node_agent_values(target.platform, target.image_registry, CNI_REQUESTS)
        cni = self._release(ISTIO_CNI, "cni", cni_values, after=[self.control_plane])
        ztunnel_values = node_agent_values(target.platform, target.image_registry, ZTUNNEL_REQUESTS)
        return [cni, self._release(ZTUNNEL, "ztunnel", ztunnel_values, after=[cni])]

    def _ingress_ip(self) -> pulumi.Output[str]:
        """The LoadBalancer's address, read off the Service the gateway chart names after the release; reading it
        through the release's status makes the read wait for the release (and Helm's wait on the address)."""
        release = self.ingress_gateway.status
        ingress_service = k8s.core.v1.Service.get(
            **self._children.child(f"{INGRESS_GATEWAY}-service", self.ingress_gateway),
            id=pulumi.Output.concat(release.namespace, "/", release.name),
        )
        return ingress_service.status.apply(load_balancer_address)

    def _scheduled(self, args: IstioMeshArgs) -> list[Scheduled]:
        """The mesh's pods as the capacity check counts them; istio-cni and ztunnel run one pod per node."""
        gateways = [INGRESS_GATEWAY] + ([EGRESS_GATEWAY] if self.egress_gateway else [])
        per_node = [(ISTIO_CNI, CNI_REQUESTS), (ZTUNNEL, ZTUNNEL_REQUESTS)] if args.settings.ambient else []
        control_plane = (
            managed.in_cluster_components(args.node_count)
            if args.fleet
            else [Scheduled("istiod", ISTIOD_REQUESTS["cpu"], ISTIOD_REQUESTS["memory"])]
        )
        return [
            *control_plane,
            *(Scheduled(gateway, GATEWAY_REQUESTS["cpu"], GATEWAY_REQUESTS["memory"]) for gateway in gateways),
            *(Scheduled(name, r["cpu"], r["memory"], replicas=args.node_count) for name, r in per_node),
        ]

    def _release(
        self, release: str, chart: str, values: dict[str, Any], after: list[pulumi.Resource]
    ) -> k8s.helm.v3.Release:
        return helm.release(
            release,
            Chart(chart, self._istio_version, ISTIO_CHART_REPOSITORY),
            ISTIO_NAMESPACE,
            values,
            self._children,
            after,
            self._target,
        )
