"""The whole Pulumi program as one function: `__main__.py` calls it under `pulumi up`, and the end-to-end run
hands it to the Automation API as an inline program, so both run the same code with the same configuration."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, replace

import pulumi
import pulumi_kubernetes as k8s

from components.addons import ObservabilityAddons, ObservabilityAddonsArgs
from components.bookinfo import Bookinfo, BookinfoArgs
from components.config import RefusedConfig, configured_keys
from components.existing import ExistingCluster, ExistingClusterArgs
from components.gateway_api import GatewayApiCrds, GatewayApiCrdsArgs
from components.gke import GkeCluster, GkeClusterArgs
from components.helm import merged
from components.istio import IstioMesh, IstioMeshArgs, MeshIdentity
from components.managed import FleetMembership
from components.multicluster import PodFirewall, PodFirewallArgs, RemoteSecret, RemoteSecretArgs
from components.samples import SampleWorkloads, SampleWorkloadsArgs
from components.security import MeshSecurity, MeshSecurityArgs
from components.traffic import TrafficScenario, TrafficScenarioArgs
from components.trust import MeshTrust, MeshTrustArgs
from model import gateway_api
from model.capacity import capacity_report, existing_cluster_report
from model.config import ConfigError
from model.mesh import PORT_FORWARD_LOCAL_PORT, port_forward_command
from model.multicluster import MeshCluster, Placement, mesh_clusters
from model.settings import SECOND_CLUSTER_SUFFIX, Settings, TargetSettings, load_settings
from model.workloads import Scheduled
from scenarios.catalog import CATALOG, plan_for, sample_namespaces
from scenarios.plan import ScenarioPlan


@dataclass(frozen=True)
class TargetCluster:
    """One cluster the stack declares a mesh in: its Kubernetes provider, its GKE fleet membership (with the managed
    mesh), and its API server (address, base64 CA) as the other cluster's istiod reaches it."""

    mesh_cluster: MeshCluster
    provider: k8s.Provider
    fleet: FleetMembership | None = None
    api_server: tuple[pulumi.Input[str], pulumi.Input[str]] = ("", "")

    def options(self) -> pulumi.ResourceOptions:
        """A component's options: the cluster's Kubernetes provider, which its children inherit."""
        return pulumi.ResourceOptions(providers=[self.provider])


def gke_clusters(settings: Settings) -> list[TargetCluster]:
    """The GKE cluster, and with clusters=2 its twin in secondZone and the firewall rule between their pods."""
    gke = GkeClusterArgs(settings.cluster, settings.mesh.needs_gateway_api_crds, fleet=settings.mesh.managed)
    first = GkeCluster("gke", gke)
    pulumi.export("kubeconfig", first.kubeconfig)
    if not settings.multicluster.enabled:
        return [TargetCluster(MeshCluster(1), first.provider, first.membership)]
    assert settings.multicluster.second_zone is not None  # load_settings sets it with clusters=2 on target=gke
    second_settings = replace(
        settings.cluster, name=f"{settings.cluster.name}{SECOND_CLUSTER_SUFFIX}", zone=settings.multicluster.second_zone
    )
    second = GkeCluster(f"gke{SECOND_CLUSTER_SUFFIX}", replace(gke, settings=second_settings))
    pulumi.export("kubeconfig2", second.kubeconfig)
    pods = [cluster.cluster.cluster_ipv4_cidr for cluster in (first, second)]
    PodFirewall("mesh-pods", PodFirewallArgs(pods, settings.cluster.project))
    return [
        TargetCluster(
            mesh_cluster,
            cluster.provider,
            cluster.membership,
            (cluster.cluster.endpoint.apply(lambda endpoint: f"https://{endpoint}"), cluster_ca(cluster)),
        )
        for mesh_cluster, cluster in zip(mesh_clusters(2), (first, second), strict=True)
    ]


def cluster_ca(cluster: GkeCluster) -> pulumi.Output[str]:
    return cluster.cluster.master_auth.apply(lambda auth: auth.cluster_ca_certificate or "")


def existing_clusters(settings: Settings) -> list[TargetCluster]:
    """The kubeContext's cluster, and with clusters=2 the secondKubeContext's, each with its kubeconfig's server."""
    target, multicluster = settings.target, settings.multicluster
    assert target.kube_context is not None  # load_settings requires it with target=existing
    second = multicluster.second_kube_context
    contexts = [target.kube_context, *([second] if multicluster.enabled and second else [])]
    servers = multicluster.api_servers or (("", ""),)
    return [
        TargetCluster(
            mesh_cluster,
            ExistingCluster(f"cluster{mesh_cluster.suffix}", ExistingClusterArgs(context, target.kubeconfig)).provider,
            api_server=server,
        )
        for mesh_cluster, context, server in zip(mesh_clusters(len(contexts)), contexts, servers, strict=True)
    ]


def export_productpage(settings: Settings, mesh: IstioMesh) -> None:
    """How to reach the product page: the load balancer's URL, or a port-forward and its local URL."""
    if mesh.ingress_ip is not None:
        pulumi.export("ingressIp", mesh.ingress_ip)
        pulumi.export("productpageUrl", mesh.ingress_ip.apply(lambda ip: f"http://{ip}/productpage"))
        return
    pulumi.export(
        "productpagePortForward", port_forward_command(settings.target.kube_context, settings.target.kubeconfig)
    )
    pulumi.export("productpageUrl", f"http://localhost:{PORT_FORWARD_LOCAL_PORT}/productpage")


def cluster_crds(settings: Settings, plan: ScenarioPlan) -> list[str]:
    """The cluster's own CRDs the stack's Gateway API objects need: waypoints' and Bookinfo's ingress Gateways,
    Bookinfo's routes under the Gateway API, and whatever the scenario declares."""
    if not settings.mesh.cluster_crds or settings.target.gke:  # GKE's channel brings them with the cluster
        return []
    kinds: list[type[gateway_api.GatewayApiObject]] = [gateway_api.Gateway]
    kinds += [gateway_api.HTTPRoute] if settings.mesh.gateway_api else []
    kinds += [type(obj) for obj in plan.objects if isinstance(obj, gateway_api.GatewayApiObject)]
    return sorted({gateway_api.crd_name(kind) for kind in kinds})


def validated_settings() -> Settings:
    """The whole configuration, read and validated (a refusal stops the program with its one line), its warnings
    logged."""
    try:
        settings = load_settings(pulumi.Config(), pulumi.Config("gcp"), CATALOG, configured_keys())
    except ConfigError as error:
        raise RefusedConfig.of(error) from None
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    return settings


def export_capacity(settings: Settings, scheduled: list[Scheduled], output: str) -> None:
    """What a cluster's pods request, against its node pool's allocatable (unknown on an existing cluster)."""
    pulumi.export(
        output,
        capacity_report(scheduled, settings.cluster.node_count, settings.cluster.machine_type)
        if settings.target.gke
        else existing_cluster_report(scheduled),
    )


@dataclass(frozen=True)
class DeclaredCluster:
    """What the stack declared in one cluster, for the add-ons, the remote secrets and the outputs."""

    mesh: IstioMesh
    bookinfo: Bookinfo
    samples: SampleWorkloads


def declare_mesh(
    settings: Settings, plan: ScenarioPlan, target: TargetCluster, identity: MeshIdentity | None
) -> DeclaredCluster:
    """The mesh, Bookinfo, the samples, the security policies and the scenario in one cluster; the components of
    the second cluster are named with its suffix, the first's keep their names."""
    suffix, registry = target.mesh_cluster.suffix, settings.target.image_registry
    placement = Placement(target.mesh_cluster, settings.multicluster.clusters)
    nodes = settings.cluster.node_count if settings.target.gke else 1
    mesh = IstioMesh(
        f"istio{suffix}",
        IstioMeshArgs(settings.mesh, cluster_target(settings, target.mesh_cluster), nodes, target.fleet, identity),
        target.options(),
    )
    crds = GatewayApiCrdsArgs(settings.mesh.crd_files, cluster_crds(settings, plan))
    routing_after = (
        GatewayApiCrds(f"gateway-api{suffix}", crds, target.options()).after if crds.files or crds.cluster_crds else []
    )
    bookinfo = Bookinfo(
        f"bookinfo{suffix}",
        BookinfoArgs(
            mesh.data_plane, registry, settings.mesh.gateway_api, routing_after, settings.mesh.ambient, placement
        ),
        target.options(),
    )
    samples = SampleWorkloads(
        f"samples{suffix}",
        SampleWorkloadsArgs(
            sample_namespaces(settings), plan.samples, mesh.data_plane, settings.mesh.ambient, registry, placement
        ),
        target.options(),
    )
    MeshSecurity(
        f"security{suffix}",
        MeshSecurityArgs(settings.security, mesh.control_plane, bookinfo.namespace, settings.mesh.ambient),
        target.options(),
    )
    namespaces = [bookinfo.namespace] + ([samples.namespace] if samples.namespace else [])
    TrafficScenario(
        f"scenario{suffix}",
        TrafficScenarioArgs(plan, mesh.control_plane, namespaces, routing_after),
        target.options(),
    )
    return DeclaredCluster(mesh, bookinfo, samples)


def cluster_target(settings: Settings, cluster: MeshCluster) -> TargetSettings:
    """The target's settings for one cluster's releases: in the second, secondHelmValues laid over helmValues."""
    if cluster.index == 1:
        return settings.target
    first, second = settings.target.helm_values, settings.multicluster.second_helm_values
    values = {release: merged(first.get(release, {}), second.get(release, {})) for release in {*first, *second}}
    return replace(settings.target, helm_values=values)


def identities(settings: Settings, targets: list[TargetCluster]) -> list[MeshIdentity | None]:
    """With clusters=2, each cluster's name and intermediate CA under the stack's one root; else none."""
    if not settings.multicluster.enabled:
        return [None for _ in targets]
    trust = MeshTrust("trust", MeshTrustArgs(datetime.datetime.now(datetime.UTC).date()))
    return [MeshIdentity(target.mesh_cluster, trust.cacerts(target.mesh_cluster)) for target in targets]


def remote_secrets(targets: list[TargetCluster], declared: list[DeclaredCluster]) -> None:
    """In each cluster, the secret through which its istiod watches the other cluster."""
    for (watcher, at), (watched, of) in itertools.permutations(zip(targets, declared, strict=True), 2):
        assert of.mesh.reader_token is not None  # IstioMesh issues it with an identity
        RemoteSecret(
            f"remote-{watched.mesh_cluster.name}-in-{watcher.mesh_cluster.name}",
            RemoteSecretArgs(watched.mesh_cluster, *watched.api_server, of.mesh.reader_token, at.mesh.namespace),
            watcher.options(),
        )


def program() -> None:
    """Reads and validates the whole configuration, then declares the stack and exports its outputs."""
    settings = validated_settings()
    plan = plan_for(settings)
    targets = gke_clusters(settings) if settings.target.gke else existing_clusters(settings)
    declared = [
        declare_mesh(settings, plan, target, identity)
        for target, identity in zip(targets, identities(settings, targets), strict=True)
    ]
    if settings.multicluster.enabled:
        remote_secrets(targets, declared)
    first = declared[0]
    addons = ObservabilityAddons(
        "addons",
        ObservabilityAddonsArgs(settings.addons, settings.target, first.mesh.control_plane, first.mesh.namespace),
        targets[0].options(),
    )

    export_productpage(settings, first.mesh)
    pulumi.export("scenario", settings.scenario)
    pulumi.export("routing", list(plan.routing))
    pulumi.export("dashboards", addons.dashboards)
    if addons.grafana_admin_password is not None:
        pulumi.export("grafanaAdminPassword", addons.grafana_admin_password)
    for target, cluster in zip(targets, declared, strict=True):
        own = addons.scheduled if cluster is first else []
        scheduled = [*cluster.mesh.scheduled, *own, *cluster.bookinfo.scheduled, *cluster.samples.scheduled]
        export_capacity(settings, scheduled, f"capacity{target.mesh_cluster.suffix.lstrip('-')}")
