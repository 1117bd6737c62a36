"""The stack configuration, parsed once into typed settings and validated before anything is declared."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from model.config import ConfigError, ConfigParser, RawConfig, config_text, refuse_unknown
from model.gateway_api import DURATION_MAX_MS, HEADER_NAME_MAX
from model.kubeconfig import api_server, missing_context
from model.managed import UNSUPPORTED, addon_warnings, refuse_unsupported
from model.parameters import ScenarioParameters, load_parameters, milliseconds
from model.project import load_project
from model.versions import GATEWAY_API_CRD_FILES, GATEWAY_API_CRDS_URL, ISTIO_RELEASE

# GKE allows 40 characters for cluster and node pool names, and the node pool is named `<clusterName>-nodes`.
GKE_NAME_MAX = 40
NODE_POOL_SUFFIX = "-nodes"
CLUSTER_NAME_MAX = GKE_NAME_MAX - len(NODE_POOL_SUFFIX)
CLUSTER_NAME = re.compile(rf"^[a-z](?:[-a-z0-9]{{0,{CLUSTER_NAME_MAX - 2}}}[a-z0-9])?$")
# With two clusters the second is `<clusterName>-2`, and its node pool `<clusterName>-2-nodes` must fit the 40 too.
SECOND_CLUSTER_SUFFIX = "-2"
CLUSTER_NAME_MAX_TWO = CLUSTER_NAME_MAX - len(SECOND_CLUSTER_SUFFIX)
CLUSTERS_MAX = 2
# GKE's quota: at most 1,000 nodes per node pool per zone (a zonal pool is in one zone).
NODE_COUNT_MAX = 1000
ZONE = re.compile(r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")
MACHINE_TYPE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")


class ReleaseChannel(StrEnum):
    RAPID = "RAPID"
    REGULAR = "REGULAR"
    STABLE = "STABLE"


class MtlsMode(StrEnum):
    PERMISSIVE = "PERMISSIVE"
    STRICT = "STRICT"


class Target(StrEnum):
    GKE = "gke"
    EXISTING = "existing"


class RoutingApi(StrEnum):
    ISTIO = "istio"
    GATEWAY_API = "gateway-api"


class Mesh(StrEnum):
    """Who runs the control plane: the stack (Istio's Helm charts) or Google (Cloud Service Mesh)."""

    ISTIO = "istio"
    MANAGED = "managed"


class Dataplane(StrEnum):
    SIDECAR = "sidecar"
    AMBIENT = "ambient"


class Platform(StrEnum):
    """Istio's platform values (manifests/helm-profiles/platform-*.yaml); `none` sets no platform."""

    NONE = "none"
    GKE = "gke"
    K3D = "k3d"
    K3S = "k3s"
    MICROK8S = "microk8s"
    MINIKUBE = "minikube"
    OPENSHIFT = "openshift"


class ServiceType(StrEnum):
    LOAD_BALANCER = "LoadBalancer"
    NODE_PORT = "NodePort"
    CLUSTER_IP = "ClusterIP"


# `auto` lets the target choose: gke's platform and a LoadBalancer on GKE, none and a NodePort elsewhere.
AUTO = "auto"
TARGET_DEFAULTS = {
    Target.GKE: (Platform.GKE, ServiceType.LOAD_BALANCER),
    Target.EXISTING: (Platform.NONE, ServiceType.NODE_PORT),
}
# A kubeconfig context name as kubectl writes them (kind-x, minikube, k3d-x, gke_project_zone_name, user@cluster).
KUBE_CONTEXT = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_.@:/]{0,252}$")
# A registry host (with an optional port) and an optional path, without a scheme or a tag.
REGISTRY = re.compile(
    r"^(?:localhost|[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)+)(?::[0-9]{1,5})?"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$"
)
GATEWAY_API_CRDS = re.compile(r"^(?:https?://[^\s/?#]+(?:/[^\s?#]*)?|/[^\s]*|cluster)$")
CHART_MIRROR = re.compile(r"^(?:(?:https?|oci)://[^\s/?#]+(?:/[^\s?#]*)?|/[^\s]*)$")
# Every Helm release the stack can install, by the name `helmValues` gives its overrides under.
HELM_RELEASES = (
    "istio-base",
    "istiod",
    "istio-cni",
    "ztunnel",
    "istio-ingressgateway",
    "istio-egressgateway",
    "prometheus",
    "grafana",
    "kiali",
)
ADDON_RELEASES = ("prometheus", "grafana", "kiali")
# The releases of the second cluster with clusters=2, which `secondHelmValues` may give values (the add-ons run in the
# first cluster only).
SECOND_CLUSTER_RELEASES = tuple(release for release in HELM_RELEASES if release not in ADDON_RELEASES)
# Keys only the gke target reads: set away from their defaults on an existing cluster they are ignored, with a warning.
HELM_TIMEOUT_MIN, HELM_TIMEOUT_MAX = 30, 3600
GKE_ONLY = (
    "clusterName",
    "nodeCount",
    "machineType",
    "spotNodes",
    "releaseChannel",
    "deletionProtection",
    "secondZone",
)
EXISTING_ONLY = ("kubeContext", "kubeconfig", "secondKubeContext")
# The second cluster's key of each target, read only with clusters=2.
SECOND_CLUSTER_KEYS = {Target.GKE: "secondZone", Target.EXISTING: "secondKubeContext"}


class ScenarioNeeds(Protocol):
    """What the settings read of a scenario's record (scenarios.record.Scenario, handed in as the catalog)."""

    @property
    def name(self) -> str: ...

    @property
    def parameters(self) -> tuple[str, ...]: ...

    @property
    def needs_egress_gateway(self) -> bool: ...

    @property
    def needs_experimental_gateway_api(self) -> bool: ...

    @property
    def needs_clusters(self) -> int: ...

    def caveats(self, parameters: ScenarioParameters, /) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class ClusterSettings:
    name: str
    zone: str
    project: str | None
    node_count: int
    machine_type: str
    spot_nodes: bool
    release_channel: ReleaseChannel
    deletion_protection: bool


@dataclass(frozen=True)
class TargetSettings:
    """Where the stack runs: a GKE cluster it creates, or an existing cluster reached by kubeconfig context."""

    kind: Target
    kube_context: str | None
    kubeconfig: str | None
    platform: Platform
    platform_chosen: bool  # set, rather than left to `auto`
    ingress_service_type: ServiceType
    chart_mirror: str | None
    image_registry: str | None
    helm_values: Mapping[str, Mapping[str, Any]]  # release -> values laid over the stack's own
    helm_timeout: int  # seconds a Helm install or upgrade may take before it is undone

    @property
    def gke(self) -> bool:
        return self.kind is Target.GKE

    @property
    def load_balancer(self) -> bool:
        """Whether the ingress gateway is behind a cloud load balancer (with an address to read)."""
        return self.ingress_service_type is ServiceType.LOAD_BALANCER


@dataclass(frozen=True)
class MeshSettings:
    istio_version: str
    egress_gateway: bool
    routing_api: RoutingApi
    gateway_api_crds: str | None  # where the stack installs the CRDs from; None: the cluster's own (GKE's on gke)
    dataplane: Dataplane
    control_plane: Mesh

    @property
    def managed(self) -> bool:
        """Whether Google runs the control plane (Cloud Service Mesh) instead of the stack's istiod."""
        return self.control_plane is Mesh.MANAGED

    @property
    def gateway_api(self) -> bool:
        return self.routing_api is RoutingApi.GATEWAY_API

    @property
    def ambient(self) -> bool:
        return self.dataplane is Dataplane.AMBIENT

    @property
    def needs_gateway_api_crds(self) -> bool:
        """Gateway API routes, or ambient's waypoints (Gateways of class istio-waypoint) under either API."""
        return self.gateway_api or self.ambient

    @property
    def crd_files(self) -> tuple[str, ...]:
        """The CRD files the stack installs: none unless it needs them and the cluster does not bring its own."""
        if not self.needs_gateway_api_crds or self.gateway_api_crds is None:
            return ()
        return tuple(f"{self.gateway_api_crds}/{file}" for file in GATEWAY_API_CRD_FILES)

    @property
    def cluster_crds(self) -> bool:
        """Whether the stack uses the cluster's own Gateway API CRDs."""
        return self.needs_gateway_api_crds and self.gateway_api_crds is None


@dataclass(frozen=True)
class AddonSettings:
    """Which observability add-ons of the demo setup to install."""

    prometheus: bool
    grafana: bool
    kiali: bool
    jaeger: bool


@dataclass(frozen=True)
class SecuritySettings:
    mtls_mode: MtlsMode
    authorization: bool


@dataclass(frozen=True)
class MulticlusterSettings:
    """How many clusters the mesh spans, and where the second one is: Istio's multi-primary mesh on one network."""

    clusters: int
    second_zone: str | None  # with clusters=2 on target=gke
    second_kube_context: str | None  # with clusters=2 on target=existing
    # With clusters=2 on target=existing, each cluster's API server (address, base64 CA) as the kubeconfig gives it.
    api_servers: tuple[tuple[str, str], ...] = ()
    # With clusters=2, the second cluster's releases' values laid over helmValues (`secondHelmValues`).
    second_helm_values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.clusters > 1


@dataclass(frozen=True)
class Settings:
    target: TargetSettings
    cluster: ClusterSettings
    mesh: MeshSettings
    multicluster: MulticlusterSettings
    addons: AddonSettings
    security: SecuritySettings
    scenario: str
    parameters: ScenarioParameters
    warnings: tuple[str, ...]


def load_cluster(project: ConfigParser, gcp: ConfigParser, target: TargetSettings) -> ClusterSettings:
    """The GKE cluster's settings; on an existing cluster they are still checked, but `gcp:zone` may be unset."""
    zone_allowed = "allowed: a Compute Engine zone name such as us-central1-a"
    zone = gcp.matching("zone", ZONE, zone_allowed) if target.gke or gcp.optional_text("zone") is not None else ""
    return ClusterSettings(
        name=project.matching(
            "clusterName",
            CLUSTER_NAME,
            f"allowed: 1-{CLUSTER_NAME_MAX} lowercase letters, digits and hyphens, starting with a letter and not"
            " ending with a hyphen",
        ),
        zone=zone,
        project=gcp.optional_text("project"),
        node_count=project.integer("nodeCount", minimum=1, maximum=NODE_COUNT_MAX),
        machine_type=project.matching(
            "machineType", MACHINE_TYPE, "allowed: a Compute Engine machine type such as n1-standard-1"
        ),
        spot_nodes=project.boolean("spotNodes"),
        release_channel=project.choice("releaseChannel", ReleaseChannel),
        deletion_protection=project.boolean("deletionProtection"),
    )


def load_target(project: ConfigParser) -> TargetSettings:
    kind = project.choice("target", Target)
    platform_default, service_default = TARGET_DEFAULTS[kind]
    kube_context = project.optional_matching("kubeContext", KUBE_CONTEXT, "allowed: a kubeconfig context name")
    if kind is Target.EXISTING and kube_context is None:
        raise ConfigError(
            "kubeContext", "required with target=existing", "set it to a context of your kubeconfig, e.g. kind-istio"
        )
    kubeconfig = project.optional_text("kubeconfig") or None
    if kind is Target.EXISTING and kube_context is not None:
        refuse_missing_context("kubeContext", kube_context, kubeconfig)
    platform = project.choice_or("platform", Platform, AUTO)
    if kind is Target.GKE and platform not in (None, Platform.GKE):
        raise ConfigError(
            "platform", f"{str(platform)!r} does not fit target=gke", "allowed with target=gke: auto, gke"
        )
    image_registry = project.optional_matching(
        "imageRegistry",
        REGISTRY,
        "allowed: a registry host and optional path without scheme or tag, e.g. us-docker.pkg.dev/my-project/mirror",
    )
    chart_mirror = project.optional_matching(
        "chartMirror",
        CHART_MIRROR,
        "allowed: an http(s):// Helm repository, an oci:// registry path or an absolute directory",
    )
    service_type = project.choice_or("ingressServiceType", ServiceType, AUTO)
    return TargetSettings(
        kind=kind,
        kube_context=kube_context,
        kubeconfig=kubeconfig,
        platform=platform_default if platform is None else platform,
        platform_chosen=platform is not None,
        ingress_service_type=service_default if service_type is None else service_type,
        chart_mirror=chart_mirror.rstrip("/") if chart_mirror else None,
        image_registry=image_registry,
        helm_values=load_helm_values(project),
        helm_timeout=project.integer("helmTimeout", minimum=HELM_TIMEOUT_MIN, maximum=HELM_TIMEOUT_MAX),
    )


def refuse_missing_context(key: str, context: str, kubeconfig: str | None) -> None:
    problem = missing_context(context, kubeconfig)
    if problem is not None:
        raise ConfigError(
            key,
            problem,
            f"set {key} to one of them, or kubeconfig to the file that has it; a deleted cluster takes its "
            "context with it (docs/troubleshooting.md)",
        )


def load_helm_values(
    project: ConfigParser, key: str = "helmValues", releases: tuple[str, ...] = HELM_RELEASES
) -> dict[str, dict[str, Any]]:
    """`helmValues` (or `key`): per release of `releases`, values laid over the ones the stack sets (Helm's own merge:
    maps merged key by key, anything else replaced), e.g. for Istio's external control plane or a chart setting the
    stack leaves out."""
    allowed = f"allowed: an object of release name ({', '.join(releases)}) to an object of Helm values"
    text = project.text(key)
    try:
        values = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        raise ConfigError(key, f"{text[:40]!r} is not an object", allowed) from None
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise ConfigError(key, f"{text[:40]!r} is not an object of objects", allowed)
    unknown = sorted(set(values) - set(releases))
    if unknown:
        where = "in this stack" if releases == HELM_RELEASES else "in the second cluster, which has no add-ons"
        raise ConfigError(key, f"no release {unknown[0]!r} {where}", allowed)
    return values


def load_mesh(project: ConfigParser, target: TargetSettings) -> MeshSettings:
    """The mesh's settings. On GKE the cluster's Gateway API channel brings the CRDs, so the stack installs none."""
    crds = project.optional_matching(
        "gatewayApiCrds",
        GATEWAY_API_CRDS,
        "allowed: empty (the release on GitHub), an http(s):// mirror, an absolute directory, or `cluster`",
    )
    if target.gke and crds not in (None, "cluster"):
        raise ConfigError(
            "gatewayApiCrds",
            f"{crds!r} does not fit target=gke, where the cluster's Gateway API channel (standard) brings the CRDs",
            "allowed with target=gke: empty or `cluster`",
        )
    mesh = MeshSettings(
        istio_version=project.matching("istioVersion", VERSION, f"allowed: a version x.y.z such as {ISTIO_RELEASE}"),
        egress_gateway=project.boolean("egressGateway"),
        routing_api=project.choice("routingApi", RoutingApi),
        gateway_api_crds=None if target.gke or crds == "cluster" else (crds or GATEWAY_API_CRDS_URL).rstrip("/"),
        dataplane=project.choice("dataplane", Dataplane),
        control_plane=project.choice("mesh", Mesh),
    )
    if mesh.managed and not target.gke:
        raise ConfigError(
            "mesh",
            f"managed needs target=gke: Cloud Service Mesh is enabled on a GKE cluster the stack registers to its"
            f" fleet, not on target={target.kind}",
            "allowed with target=existing: istio",
        )
    if mesh.ambient and not target.gke and not target.platform_chosen:
        raise ConfigError(
            "platform",
            "auto cannot tell an existing cluster's platform, and dataplane=ambient needs it (istio-cni installs its"
            " plugin where the platform keeps CNI plugins, and GKE admits its node agents only with a quota)",
            f"allowed with dataplane=ambient on target=existing: {', '.join(Platform)} (gke on a GKE cluster made"
            " elsewhere, none on kind)",
        )
    return mesh


def load_addons(project: ConfigParser) -> AddonSettings:
    """The add-on toggles; Kiali and Grafana read their metrics from Prometheus, so they need it."""
    addons = AddonSettings(
        prometheus=project.boolean("prometheus"),
        grafana=project.boolean("grafana"),
        kiali=project.boolean("kiali"),
        jaeger=project.boolean("jaeger"),
    )
    for key, enabled in (("kiali", addons.kiali), ("grafana", addons.grafana)):
        if enabled and not addons.prometheus:
            raise ConfigError(key, "needs prometheus=true", f"set prometheus=true or {key}=false")
    return addons


def load_security(project: ConfigParser) -> SecuritySettings:
    return SecuritySettings(
        mtls_mode=project.choice("mtlsMode", MtlsMode),
        authorization=project.boolean("authorization"),
    )


def load_settings(
    project_config: RawConfig,
    gcp_config: RawConfig,
    catalog: Mapping[str, ScenarioNeeds],
    configured: Iterable[str] = (),
) -> Settings:
    """Parses and validates every key, refusing any `configured` key of the project that Pulumi.yaml does not
    declare; raises ConfigError on the first bad value or key. `catalog` is the scenarios' records (the catalog)."""
    declared = load_project()
    refuse_unknown(configured, declared.name, declared.declarations)
    project = ConfigParser(project_config)
    gcp = ConfigParser(gcp_config, prefix="gcp:")
    target = load_target(project)
    mesh = load_mesh(project, target)
    scenario = project.one_of("scenario", tuple(catalog))
    if catalog[scenario].needs_egress_gateway and not mesh.egress_gateway:
        raise ConfigError(
            "scenario", f"{scenario} needs the egress gateway", "set egressGateway=true or pick another scenario"
        )
    if catalog[scenario].needs_experimental_gateway_api and mesh.gateway_api and target.gke:
        raise ConfigError(
            "scenario",
            f"{scenario} with routingApi=gateway-api needs the Gateway API's experimental TCPRoute, which GKE refuses"
            " (it admits the standard channel's CRDs only)",
            "on GKE use routingApi=istio for this scenario, or run it on target=existing",
        )
    parameters = load_parameters(project)
    if mesh.gateway_api:
        refuse_beyond_gateway_api(parameters)

    if mesh.managed:
        keys = [entry.key for entry in UNSUPPORTED]
        refuse_unsupported({key: project.text(key) for key in keys}, target.helm_values, HELM_RELEASES)
    cluster = load_cluster(project, gcp, target)
    multicluster = load_multicluster(project, target, mesh, cluster)
    addons = load_addons(project)
    return Settings(
        target=target,
        cluster=cluster,
        mesh=mesh,
        multicluster=multicluster,
        addons=addons,
        security=load_security(project),
        scenario=scenario,
        parameters=parameters,
        warnings=(
            parameter_warnings(project, catalog, scenario)
            + catalog[scenario].caveats(parameters)
            + cluster_count_warnings(scenario, catalog[scenario].needs_clusters, multicluster.clusters)
            + target_warnings(project, target)
            + (() if multicluster.enabled else single_cluster_warnings(project, target))
            + spot_warnings(cluster, mesh, target)
            + (addon_warnings(addons.grafana, addons.kiali) if mesh.managed else ())
        ),
    )


# What the two-cluster mesh is not built for, each with its reason (docs/multicluster.md).
MULTICLUSTER_REFUSALS = (
    (
        "mesh",
        "managed",
        "Cloud Service Mesh joins clusters through their fleet, not through the istiod and remote secrets of the"
        " stack's multi-primary mesh",
        "mesh=istio",
    ),
    (
        "dataplane",
        "ambient",
        "Istio's ambient multicluster supports only clusters on different networks, behind east-west gateways, and"
        " the stack's two clusters share one network",
        "dataplane=sidecar",
    ),
    (
        "routingApi",
        "gateway-api",
        "the stack's two-cluster mesh is built and checked with Istio's own routing API only, the one Istio's"
        " multicluster guides use",
        "routingApi=istio",
    ),
)


def load_multicluster(
    project: ConfigParser, target: TargetSettings, mesh: MeshSettings, cluster: ClusterSettings
) -> MulticlusterSettings:
    """`clusters` and, with two, the second cluster's zone (gke) or kubeconfig context (existing)."""
    clusters = project.integer("clusters", minimum=1, maximum=CLUSTERS_MAX)
    if clusters == 1:
        return MulticlusterSettings(clusters=1, second_zone=None, second_kube_context=None)
    chosen = {"mesh": str(mesh.control_plane), "dataplane": str(mesh.dataplane), "routingApi": str(mesh.routing_api)}
    for key, value, reason, allowed in MULTICLUSTER_REFUSALS:
        if chosen[key] == value:
            raise ConfigError(key, f"{value} does not fit clusters=2: {reason}", f"allowed with clusters=2: {allowed}")
    second_values = load_helm_values(project, "secondHelmValues", SECOND_CLUSTER_RELEASES)
    if target.gke:
        refuse_long_name(cluster.name)
        zone = second_zone(project, cluster.zone)
        return MulticlusterSettings(clusters, zone, second_kube_context=None, second_helm_values=second_values)
    context = second_context(project, target)
    assert target.kube_context is not None  # load_target requires it with target=existing
    servers = tuple(
        read_api_server(key, name, target.kubeconfig)
        for key, name in (("kubeContext", target.kube_context), ("secondKubeContext", context))
    )
    return MulticlusterSettings(
        clusters, second_zone=None, second_kube_context=context, api_servers=servers, second_helm_values=second_values
    )


def read_api_server(key: str, context: str, kubeconfig: str | None) -> tuple[str, str]:
    """The API server of `context` the other cluster's istiod is given in its remote secret."""
    try:
        return api_server(context, kubeconfig)
    except (ValueError, OSError) as error:
        raise ConfigError(
            key,
            f"with clusters=2 the stack hands each istiod the other cluster's API server from the kubeconfig, and {error}",
            "a context whose cluster has a server and a certificate-authority(-data), reachable from the other"
            " cluster's pods (docs/multicluster.md)",
        ) from None


def refuse_long_name(name: str) -> None:
    if len(name) > CLUSTER_NAME_MAX_TWO:
        raise ConfigError(
            "clusterName",
            f"{name!r} has {len(name)} characters, too many with clusters=2, whose second cluster's node pool"
            f" `{name}{SECOND_CLUSTER_SUFFIX}{NODE_POOL_SUFFIX}` must fit GKE's {GKE_NAME_MAX}",
            f"allowed with clusters=2: at most {CLUSTER_NAME_MAX_TWO} characters",
        )


def second_zone(project: ConfigParser, zone: str) -> str:
    """The second cluster's zone: another zone of the first one's region, so that both share one network cheaply."""
    region = zone.rsplit("-", 1)[0]
    example = f"{region}-{'c' if zone.endswith('-b') else 'b'}"
    allowed = f"allowed with clusters=2 on target=gke: another zone of {region}, e.g. {example}"
    value = project.optional_matching("secondZone", ZONE, allowed)
    if value is None:
        raise ConfigError("secondZone", "required with clusters=2 on target=gke", allowed)
    if value == zone:
        raise ConfigError("secondZone", f"{value} is gcp:zone, the first cluster's zone", allowed)
    if value.rsplit("-", 1)[0] != region:
        raise ConfigError("secondZone", f"{value} is not in {region}, gcp:zone's region", allowed)
    return value


def second_context(project: ConfigParser, target: TargetSettings) -> str:
    """The second cluster's kubeconfig context: in the same kubeconfig, and not the first cluster's."""
    allowed = "allowed with clusters=2 on target=existing: a context of your kubeconfig other than kubeContext's"
    context = project.optional_matching("secondKubeContext", KUBE_CONTEXT, allowed)
    if context is None:
        raise ConfigError("secondKubeContext", "required with clusters=2 on target=existing", allowed)
    if context == target.kube_context:
        raise ConfigError("secondKubeContext", f"{context!r} is kubeContext, the first cluster's context", allowed)
    refuse_missing_context("secondKubeContext", context, target.kubeconfig)
    return context


def single_cluster_warnings(project: ConfigParser, target: TargetSettings) -> tuple[str, ...]:
    """The second cluster's keys of the target, set away from their defaults while the mesh has one cluster."""
    keys = (SECOND_CLUSTER_KEYS[target.kind], "secondHelmValues")
    return tuple(f"{key}: ignored with clusters=1 (it applies to clusters=2)" for key in changed_keys(project, keys))


def cluster_count_warnings(scenario: str, needed: int, clusters: int) -> tuple[str, ...]:
    if clusters >= needed:
        return ()
    return (
        f"scenario: {scenario} shows its effect only with clusters={needed}; with clusters={clusters} it applies,"
        " but there is no other cluster to fail over to",
    )


def spot_warnings(cluster: ClusterSettings, mesh: MeshSettings, target: TargetSettings) -> tuple[str, ...]:
    """Spot VMs are preempted without a drain, which ambient's node agents do not survive well."""
    if not (target.gke and cluster.spot_nodes and mesh.ambient):
        return ()
    return (
        "spotNodes: a preempted Spot VM restarts without a drain; under dataplane=ambient its pods may bypass"
        " ztunnel until they are restarted (istio/istio#60882, docs/ambient.md)",
    )


def refuse_beyond_gateway_api(parameters: ScenarioParameters) -> None:
    """Values valid for Istio's objects that the Gateway API's CRDs would refuse."""
    if milliseconds(parameters.reviews_timeout) > DURATION_MAX_MS:
        raise ConfigError(
            "reviewsTimeout",
            f"{parameters.reviews_timeout} is longer than a Gateway API duration can be",
            "allowed with routingApi=gateway-api: at most 99999h59m59.999s",
        )
    if len(parameters.header_name) > HEADER_NAME_MAX:
        raise ConfigError(
            "headerName",
            f"{len(parameters.header_name)} characters is longer than the Gateway API allows",
            f"allowed with routingApi=gateway-api: at most {HEADER_NAME_MAX} characters",
        )


def changed_keys(project: ConfigParser, keys: tuple[str, ...]) -> list[str]:
    """The keys among `keys` whose value differs from Pulumi.yaml's default."""
    declared = load_project()
    return [key for key in keys if project.text(key) != config_text(declared.default(key))]


def parameter_warnings(project: ConfigParser, catalog: Mapping[str, ScenarioNeeds], scenario: str) -> tuple[str, ...]:
    """Warnings for parameters set away from their defaults that the active scenario does not read."""
    reads = catalog[scenario].parameters
    keys = tuple(
        key for key in load_project().declarations if any(key in other.parameters for other in catalog.values())
    )
    return tuple(
        f"{key}: ignored, the active scenario {scenario} does not use it (it applies to"
        f" {', '.join(other.name for other in catalog.values() if key in other.parameters)})"
        for key in changed_keys(project, keys)
        if key not in reads
    )


def target_warnings(project: ConfigParser, target: TargetSettings) -> tuple[str, ...]:
    """Warnings for keys the other target reads, set away from their defaults."""
    other = EXISTING_ONLY if target.gke else GKE_ONLY
    return tuple(
        f"{key}: ignored, target={target.kind} does not use it (it applies to target="
        f"{'existing' if target.gke else 'gke'})"
        for key in changed_keys(project, other)
    )
