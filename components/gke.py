"""The GKE cluster, its node pool, a kubeconfig and the Kubernetes provider every Kubernetes resource uses."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.config import RefusedConfig
from components.managed import FleetMembership
from model.settings import NODE_POOL_SUFFIX, ClusterSettings
from model.versions import GKE_GATEWAY_API_V1_5, ISTIO_KUBERNETES_MINORS

# With a dedicated node service account Google recommends the cloud-platform scope and letting IAM decide.
NODE_OAUTH_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
# The minimum GKE documents for node service accounts ("Configure node service accounts", GKE docs): the one
# predefined role that carries what GKE's system agents on the nodes use (logs, metrics, autoscaling metrics,
# resource metadata). No registry role: every image the stack runs is a public pull (docker.io,
# registry.istio.io, quay.io, ghcr.io); roles/artifactregistry.reader only matters for a private `imageRegistry`.
NODE_ROLES = ("roles/container.defaultNodeServiceAccount",)
# gke-gcloud-auth-plugin without this flag shells out to `gcloud config config-helper`, which needs a
# `gcloud auth login` account; with it the plugin takes Application Default Credentials, the same ones
# pulumi-gcp uses (kubernetes/cloud-provider-gcp, cmd/gke-gcloud-auth-plugin/cred.go).
AUTH_PLUGIN_ARGS = ["--use_application_default_credentials"]
# Dataplane V2: eBPF (Cilium) networking with NetworkPolicy enforcement, replacing kube-proxy.
DATAPATH_PROVIDER = "ADVANCED_DATAPATH"
# Pods see the GKE metadata server, which serves Workload Identity credentials and hides the node's.
NODE_METADATA_MODE = "GKE_METADATA"
ACCOUNT_ID_LENGTH = 30
# The cluster's Gateway API channel: GKE installs (and owns) the standard channel's CRDs, which the Gateway API
# routes and ambient's waypoints need; set always, so switching routingApi or dataplane never touches the cluster.
GATEWAY_API_CHANNEL = "CHANNEL_STANDARD"
GKE_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-gke\.(\d+))?$")


@dataclass(frozen=True)
class GkeClusterArgs:
    settings: ClusterSettings
    gateway_api: bool = False  # the stack's objects use the Gateway API (routes or ambient's waypoints)
    fleet: bool = False  # registered to its project's fleet, for the managed mesh


def fleet_options(fleet: bool) -> pulumi.ResourceOptions:
    """A fleet's cluster is replaced, not updated, when its registration changes: GKE cannot move a registered
    cluster to another fleet, and a cluster whose mesh changes between the stack's istiod and the managed mesh must
    not run both (docs/managed-mesh.md). Its fixed name makes the old one go first."""
    if not fleet:
        return pulumi.ResourceOptions()
    return pulumi.ResourceOptions(replace_on_changes=["fleet"], delete_before_replace=True)


def registered(fleet: gcp.container.outputs.ClusterFleet | None) -> tuple[str, str]:
    """The membership GKE registered the cluster as: its id and location (empty until GKE reports them)."""
    return (fleet.membership_id or "", fleet.membership_location or "") if fleet else ("", "")


def gke_version(text: str) -> tuple[int, ...]:
    found = GKE_VERSION.match(text)
    if found is None:
        raise ValueError(f"not a GKE version: {text!r}")
    return tuple(int(part or 0) for part in found.groups())


def checked_version(defaults: Mapping[str, str], settings: ClusterSettings, gateway_api: bool) -> str:
    """The version GKE gives a new cluster on the release channel, refused (ConfigError, before the cluster is
    created) when Istio does not support it or, for the Gateway API, its CRDs are older than v1.5."""
    channel = settings.release_channel
    version = defaults[channel]
    low, high = ISTIO_KUBERNETES_MINORS
    where = f"GKE's {channel} channel in {settings.zone} creates Kubernetes {version}"
    if not low <= gke_version(version)[1] <= high:
        raise RefusedConfig(
            "releaseChannel",
            f"{where}, outside the 1.{low} to 1.{high} that Istio 1.30 supports",
            "choose another releaseChannel (docs/own-cluster.md says how to check the channels' versions)",
        )
    if gateway_api and gke_version(version) < gke_version(GKE_GATEWAY_API_V1_5):
        raise RefusedConfig(
            "releaseChannel",
            f"{where}, whose Gateway API CRDs are older than the v1.5 the stack's Gateway API objects use (GKE"
            f" installs v1.5 from {GKE_GATEWAY_API_V1_5})",
            "choose a releaseChannel whose default is newer, or routingApi=istio with dataplane=sidecar",
        )
    return version


def node_account_id(cluster_name: str) -> str:
    """`<cluster>-nodes`, shortened with a hash of the name when it exceeds the 30 characters IAM allows."""
    account_id = f"{cluster_name}-nodes"
    if len(account_id) <= ACCOUNT_ID_LENGTH:
        return account_id
    digest = hashlib.sha256(cluster_name.encode()).hexdigest()[:6]
    return f"{cluster_name[: ACCOUNT_ID_LENGTH - len(digest) - 7]}-{digest}-nodes"


def kubeconfig_for(endpoint: str, ca_certificate: str, context: str) -> str:
    """A kubeconfig that authenticates with `gke-gcloud-auth-plugin` and Application Default Credentials, so it holds
    no credentials and works wherever pulumi-gcp does (locally after `gcloud auth application-default login`, and in
    the workflows, whose auth step writes ADC)."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": context,
                    "cluster": {"server": f"https://{endpoint}", "certificate-authority-data": ca_certificate},
                }
            ],
            "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
            "current-context": context,
            "users": [
                {
                    "name": context,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "gke-gcloud-auth-plugin",
                            "args": AUTH_PLUGIN_ARGS,
                            "installHint": "Install gke-gcloud-auth-plugin: "
                            "gcloud components install gke-gcloud-auth-plugin",
                            "provideClusterInfo": True,
                        }
                    },
                }
            ],
        },
        indent=2,
        sort_keys=True,
    )


class GkeCluster(pulumi.ComponentResource):
    """A hardened zonal GKE cluster without its default pool, one managed node pool running as a dedicated
    least-privilege service account, and a Kubernetes provider bound to them."""

    project: pulumi.Output[str]
    node_account: gcp.serviceaccount.Account
    cluster: gcp.container.Cluster
    node_pool: gcp.container.NodePool
    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider
    membership: FleetMembership | None  # with args.fleet

    def __init__(self, name: str, args: GkeClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:gke:GkeCluster", name, None, opts)
        settings = args.settings
        self.project = self._project(settings)
        self.node_account, node_roles = self._node_account(name, settings)
        self.cluster = gcp.container.Cluster(
            name,
            cluster_args(settings, args.fleet, self.project, self.node_account.email, self._cluster_version(args)),
            pulumi.ResourceOptions.merge(fleet_options(args.fleet), cluster_options(self, node_roles)),
        )
        membership = self.cluster.fleet.apply(registered)
        self.membership = (
            FleetMembership(self.project, membership.apply(lambda m: m[0]), membership.apply(lambda m: m[1]))
            if args.fleet
            else None
        )
        self.node_pool = gcp.container.NodePool(
            f"{name}-nodes",
            node_pool_args(settings, self.cluster.name, self.node_account.email),
            # Nodes write logs and metrics from their first boot, so their roles come first.
            pulumi.ResourceOptions(parent=self, depends_on=node_roles),
        )
        self.kubeconfig = cluster_kubeconfig(self.cluster)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            k8s.ProviderArgs(kubeconfig=self.kubeconfig, cluster_identifier=self.cluster.id),
            pulumi.ResourceOptions(parent=self, depends_on=[self.node_pool]),
        )
        self.register_outputs(
            {
                "clusterName": self.cluster.name,
                "endpoint": self.cluster.endpoint,
                "kubeconfig": self.kubeconfig,
                "nodeServiceAccount": self.node_account.email,
            }
        )

    def _project(self, settings: ClusterSettings) -> pulumi.Output[str]:
        """The project id the workload pool and IAM bindings need: `gcp:project`, else the provider's."""
        if settings.project:
            return pulumi.Output.from_input(settings.project)
        return gcp.organizations.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=self)).project

    def _node_account(
        self, name: str, settings: ClusterSettings
    ) -> tuple[gcp.serviceaccount.Account, list[gcp.projects.IAMMember]]:
        """The nodes' service account and its bindings to NODE_ROLES."""
        child = pulumi.ResourceOptions(parent=self)
        account = gcp.serviceaccount.Account(
            f"{name}-nodes",
            gcp.serviceaccount.AccountArgs(
                account_id=node_account_id(settings.name),
                display_name=f"GKE nodes of {settings.name}",
                description="Node service account with only the roles GKE nodes need (istio-demo).",
                project=settings.project,
            ),
            child,
        )
        roles = [
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.removeprefix('roles/')}",
                gcp.projects.IAMMemberArgs(
                    project=self.project,
                    role=role,
                    member=account.email.apply(lambda email: f"serviceAccount:{email}"),
                ),
                child,
            )
            for role in NODE_ROLES
        ]
        return account, roles

    def _cluster_version(self, args: GkeClusterArgs) -> pulumi.Output[str]:
        """The version a new cluster gets, the channel's default: checked, and pinned as its floor at creation."""
        settings = args.settings
        versions = gcp.container.get_engine_versions_output(
            location=settings.zone, project=settings.project, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        return versions.release_channel_default_version.apply(
            lambda defaults: checked_version(defaults, settings, args.gateway_api)
        )


def cluster_args(
    settings: ClusterSettings,
    fleet: bool,
    project: pulumi.Output[str],
    node_account: pulumi.Input[str],
    version: pulumi.Input[str],
) -> gcp.container.ClusterArgs:
    """The hardened zonal cluster, its default pool removed once created."""
    return gcp.container.ClusterArgs(
        name=settings.name,
        project=settings.project,
        location=settings.zone,
        remove_default_node_pool=True,
        initial_node_count=1,
        release_channel=gcp.container.ClusterReleaseChannelArgs(channel=settings.release_channel),
        min_master_version=version,
        gateway_api_config=gcp.container.ClusterGatewayApiConfigArgs(channel=GATEWAY_API_CHANNEL),
        deletion_protection=settings.deletion_protection,
        workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(
            workload_pool=project.apply(lambda project: f"{project}.svc.id.goog")
        ),
        enable_shielded_nodes=True,
        enable_legacy_abac=False,
        master_auth=gcp.container.ClusterMasterAuthArgs(
            client_certificate_config=gcp.container.ClusterMasterAuthClientCertificateConfigArgs(
                issue_client_certificate=False
            )
        ),
        datapath_provider=DATAPATH_PROVIDER,
        # GKE creates the default pool, then removes it; those nodes run as this account too, so the
        # cluster does not depend on the Compute Engine default service account, which many projects
        # disable (terraform-provider-google#17511).
        node_config=gcp.container.ClusterNodeConfigArgs(service_account=node_account, oauth_scopes=NODE_OAUTH_SCOPES),
        fleet=gcp.container.ClusterFleetArgs(project=project) if fleet else None,
    )


def cluster_options(parent: pulumi.Resource, node_roles: list[gcp.projects.IAMMember]) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(
        parent=parent,
        # The CA certificate (and a client key, were one ever issued) stay encrypted in the state.
        additional_secret_outputs=["masterAuth"],
        # node_config describes only the removed default pool: GKE reports it back differently once the pool
        # is gone, and every change of it forces a new cluster (terraform-provider-google#12070, #2115,
        # pulumi-gcp#744), so it is set at creation and never diffed. The channel upgrades the cluster past
        # its creation version, which is a floor only: a newer channel default is no change of the cluster.
        ignore_changes=["nodeConfig", "minMasterVersion"],
        depends_on=node_roles,
    )


def node_pool_args(
    settings: ClusterSettings, cluster: pulumi.Input[str], node_account: pulumi.Input[str]
) -> gcp.container.NodePoolArgs:
    """The one node pool: shielded nodes behind the GKE metadata server, repaired, upgraded and surged by GKE."""
    return gcp.container.NodePoolArgs(
        name=f"{settings.name}{NODE_POOL_SUFFIX}",
        project=settings.project,
        location=settings.zone,
        cluster=cluster,
        node_count=settings.node_count,
        node_config=gcp.container.NodePoolNodeConfigArgs(
            machine_type=settings.machine_type,
            spot=settings.spot_nodes,
            service_account=node_account,
            oauth_scopes=NODE_OAUTH_SCOPES,
            shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(
                enable_secure_boot=True, enable_integrity_monitoring=True
            ),
            workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(
                mode=NODE_METADATA_MODE
            ),
        ),
        management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
        # One node at a time, a new node first, each old one cordoned and drained (GKE's surge upgrade): nodes are
        # replaced, never rebooted in place, which ambient's node agents need (docs/ambient.md).
        upgrade_settings=gcp.container.NodePoolUpgradeSettingsArgs(strategy="SURGE", max_surge=1, max_unavailable=0),
    )


def cluster_kubeconfig(cluster: gcp.container.Cluster) -> pulumi.Output[str]:
    """The cluster's kubeconfig (kubeconfig_for), a secret, its context named as gcloud names it."""
    return pulumi.Output.secret(
        pulumi.Output.all(
            cluster.project,
            cluster.location,
            cluster.name,
            cluster.endpoint,
            cluster.master_auth.cluster_ca_certificate,
        ).apply(
            lambda values: kubeconfig_for(
                endpoint=values[3],
                ca_certificate=values[4],
                context=f"gke_{values[0]}_{values[1]}_{values[2]}",
            )
        )
    )
