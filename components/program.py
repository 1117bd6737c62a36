"""The whole Pulumi program as one function: `__main__.py` calls it under `pulumi up`, and the end-to-end run
hands it to the Automation API as an inline program, so both run the same code with the same configuration."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.addons import ObservabilityAddons, ObservabilityAddonsArgs
from components.bookinfo import Bookinfo, BookinfoArgs
from components.config import RefusedConfig, configured_keys
from components.existing import ExistingCluster, ExistingClusterArgs
from components.gateway_api import GatewayApiCrds, GatewayApiCrdsArgs
from components.gke import GkeCluster, GkeClusterArgs
from components.istio import IstioMesh, IstioMeshArgs
from components.managed import FleetMembership
from components.samples import SampleWorkloads, SampleWorkloadsArgs
from components.security import MeshSecurity, MeshSecurityArgs
from components.traffic import TrafficScenario, TrafficScenarioArgs
from model import gateway_api
from model.capacity import capacity_report, existing_cluster_report
from model.config import ConfigError
from model.mesh import PORT_FORWARD_LOCAL_PORT, port_forward_command
from model.settings import Settings, load_settings
from model.workloads import Scheduled
from scenarios.catalog import CATALOG, plan_for, sample_namespaces
from scenarios.plan import ScenarioPlan


def cluster_provider(settings: Settings) -> tuple[k8s.Provider, FleetMembership | None]:
    """The Kubernetes provider of the target (a GKE cluster the stack creates, or the named existing one), and the GKE
    cluster's fleet membership with the managed mesh."""
    if settings.target.gke:
        gke = GkeClusterArgs(settings.cluster, settings.mesh.needs_gateway_api_crds, fleet=settings.mesh.managed)
        cluster = GkeCluster("gke", gke)
        pulumi.export("kubeconfig", cluster.kubeconfig)
        return cluster.provider, cluster.membership
    target = settings.target
    assert target.kube_context is not None  # load_settings requires it with target=existing
    return ExistingCluster("cluster", ExistingClusterArgs(target.kube_context, target.kubeconfig)).provider, None


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


def export_capacity(settings: Settings, scheduled: list[Scheduled]) -> None:
    """What the stack's pods request, against the node pool's allocatable (unknown on an existing cluster)."""
    pulumi.export(
        "capacity",
        capacity_report(scheduled, settings.cluster.node_count, settings.cluster.machine_type)
        if settings.target.gke
        else existing_cluster_report(scheduled),
    )


def program() -> None:
    """Reads and validates the whole configuration, then declares the stack and exports its outputs."""
    settings = validated_settings()
    plan = plan_for(settings)
    registry = settings.target.image_registry

    provider, fleet = cluster_provider(settings)

    def on_cluster() -> pulumi.ResourceOptions:
        """A component's options: the cluster's Kubernetes provider, which its children inherit."""
        return pulumi.ResourceOptions(providers=[provider])

    nodes = settings.cluster.node_count if settings.target.gke else 1
    mesh = IstioMesh("istio", IstioMeshArgs(settings.mesh, settings.target, nodes, fleet), on_cluster())
    addons = ObservabilityAddons(
        "addons",
        ObservabilityAddonsArgs(settings.addons, settings.target, mesh.control_plane, mesh.namespace),
        on_cluster(),
    )
    crds = GatewayApiCrdsArgs(settings.mesh.crd_files, cluster_crds(settings, plan))
    routing_after = GatewayApiCrds("gateway-api", crds, on_cluster()).after if crds.files or crds.cluster_crds else []
    bookinfo = Bookinfo(
        "bookinfo",
        BookinfoArgs(mesh.data_plane, registry, settings.mesh.gateway_api, routing_after, settings.mesh.ambient),
        on_cluster(),
    )
    samples = SampleWorkloads(
        "samples",
        SampleWorkloadsArgs(
            sample_namespaces(settings), plan.samples, mesh.data_plane, settings.mesh.ambient, registry
        ),
        on_cluster(),
    )
    MeshSecurity(
        "security",
        MeshSecurityArgs(settings.security, mesh.control_plane, bookinfo.namespace, settings.mesh.ambient),
        on_cluster(),
    )
    namespaces = [bookinfo.namespace] + ([samples.namespace] if samples.namespace else [])
    TrafficScenario("scenario", TrafficScenarioArgs(plan, mesh.control_plane, namespaces, routing_after), on_cluster())

    export_productpage(settings, mesh)
    pulumi.export("scenario", settings.scenario)
    pulumi.export("routing", list(plan.routing))
    pulumi.export("dashboards", addons.dashboards)
    if addons.grafana_admin_password is not None:
        pulumi.export("grafanaAdminPassword", addons.grafana_admin_password)
    export_capacity(settings, [*mesh.scheduled, *addons.scheduled, *bookinfo.scheduled, *samples.scheduled])
