"""The GKE cluster, node pool, kubeconfig and Kubernetes provider, exactly as declared."""

from __future__ import annotations

import base64
import json
import re

import pytest

from components.gke import kubeconfig_for, node_account_id
from model.config import ConfigError
from tests.conftest import rendered
from tests.plan import CLUSTER, IAM_MEMBER, K8S_PROVIDER, NODE_POOL, SERVICE_ACCOUNT, resource, resources
from tools.preview import offline
from tools.preview.offline import CLUSTER_ENDPOINT, MOCK_GKE_VERSION
from tools.preview.rendering import render

NODE_ACCOUNT = "istio-demo-nodes@mock-project.iam.gserviceaccount.com"
# GKE's documented minimum for node service accounts; no registry role, since every image is a public pull.
NODE_ROLES = ["roles/container.defaultNodeServiceAccount"]


def test_cluster_is_zonal_hardened_and_its_throwaway_pool_runs_as_the_node_account(default):
    assert resource(default, CLUSTER, "gke")["inputs"] == {
        "nodeConfig": {
            "serviceAccount": NODE_ACCOUNT,
            "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
        },
        "name": "istio-demo",
        "location": "us-central1-a",
        "removeDefaultNodePool": True,
        "initialNodeCount": 1,
        "releaseChannel": {"channel": "REGULAR"},
        "minMasterVersion": MOCK_GKE_VERSION,
        "gatewayApiConfig": {"channel": "CHANNEL_STANDARD"},
        "deletionProtection": False,
        "workloadIdentityConfig": {"workloadPool": "mock-project.svc.id.goog"},
        "enableShieldedNodes": True,
        "enableLegacyAbac": False,
        "masterAuth": {"clientCertificateConfig": {"issueClientCertificate": False}},
        "datapathProvider": "ADVANCED_DATAPATH",
    }


def test_node_pool_runs_the_configured_nodes_hardened_as_the_dedicated_account(default):
    pool = resource(default, NODE_POOL, "gke-nodes")
    assert pool["inputs"] == {
        "name": "istio-demo-nodes",
        "location": "us-central1-a",
        "cluster": "istio-demo",
        "nodeCount": 4,
        "nodeConfig": {
            "machineType": "n1-standard-1",
            "spot": False,
            "serviceAccount": NODE_ACCOUNT,
            "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
            "shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True},
            "workloadMetadataConfig": {"mode": "GKE_METADATA"},
        },
        "management": {"autoRepair": True, "autoUpgrade": True},
        "upgradeSettings": {"strategy": "SURGE", "maxSurge": 1, "maxUnavailable": 0},
    }
    assert resource(default, CLUSTER, "gke")["urn"] in pool["dependsOn"]


# The hardening facts one by one (safer-cluster / CIS GKE benchmark), so a regression names the fact it breaks.
HARDENING = [
    (CLUSTER, "gke", "workloadIdentityConfig.workloadPool", "mock-project.svc.id.goog"),
    (CLUSTER, "gke", "enableShieldedNodes", True),
    (CLUSTER, "gke", "enableLegacyAbac", False),
    (CLUSTER, "gke", "masterAuth.clientCertificateConfig.issueClientCertificate", False),
    (CLUSTER, "gke", "datapathProvider", "ADVANCED_DATAPATH"),
    (NODE_POOL, "gke-nodes", "nodeConfig.serviceAccount", NODE_ACCOUNT),
    (NODE_POOL, "gke-nodes", "nodeConfig.oauthScopes", ["https://www.googleapis.com/auth/cloud-platform"]),
    (NODE_POOL, "gke-nodes", "nodeConfig.shieldedInstanceConfig.enableSecureBoot", True),
    (NODE_POOL, "gke-nodes", "nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring", True),
    (NODE_POOL, "gke-nodes", "nodeConfig.workloadMetadataConfig.mode", "GKE_METADATA"),
    (NODE_POOL, "gke-nodes", "management.autoRepair", True),
    (NODE_POOL, "gke-nodes", "management.autoUpgrade", True),
]


def at(inputs: dict, path: str):
    for key in path.split("."):
        inputs = inputs[key]
    return inputs


@pytest.mark.parametrize(("type_", "name", "path", "value"), HARDENING, ids=[case[2] for case in HARDENING])
def test_hardening_fact(default, type_, name, path, value):
    assert at(resource(default, type_, name)["inputs"], path) == value


def test_the_default_pools_node_config_is_never_diffed(default):
    """It only describes the pool GKE removes; a diff on it would replace the cluster (it is ForceNew)."""
    cluster = resource(default, CLUSTER, "gke")
    assert cluster["ignoreChanges"] == ["minMasterVersion", "nodeConfig"]
    assert set(cluster["inputs"]["nodeConfig"]) == {"serviceAccount", "oauthScopes"}


def test_the_cluster_waits_for_the_node_account_and_its_roles(default):
    """The throwaway default pool's nodes run as the node account from their first boot."""
    cluster = resource(default, CLUSTER, "gke")
    needed = {
        resource(default, SERVICE_ACCOUNT, "gke-nodes")["urn"],
        *(m["urn"] for m in resources(default, IAM_MEMBER)),
    }
    assert needed <= set(cluster["dependsOn"])


def test_node_service_account_is_dedicated(default):
    assert resource(default, SERVICE_ACCOUNT, "gke-nodes")["inputs"] == {
        "accountId": "istio-demo-nodes",
        "displayName": "GKE nodes of istio-demo",
        "description": "Node service account with only the roles GKE nodes need (istio-demo).",
    }


def test_node_service_account_holds_exactly_the_roles_nodes_need(default):
    members = resources(default, IAM_MEMBER)
    assert sorted(member["inputs"]["role"] for member in members) == NODE_ROLES
    for member in members:
        assert member["inputs"] == {
            "project": "mock-project",
            "role": member["inputs"]["role"],
            "member": f"serviceAccount:{NODE_ACCOUNT}",
        }


def test_node_pool_waits_for_the_node_roles(default):
    pool = resource(default, NODE_POOL, "gke-nodes")
    assert {member["urn"] for member in resources(default, IAM_MEMBER)} <= set(pool["dependsOn"])


def test_cluster_keeps_its_credentials_encrypted_in_state(default):
    assert "masterAuth" in resource(default, CLUSTER, "gke")["secretOutputs"]


@pytest.mark.parametrize(
    ("cluster_name", "account_id"),
    [
        ("istio-demo", "istio-demo-nodes"),
        ("a", "a-nodes"),
        ("a" * 24, "a" * 24 + "-nodes"),
        ("a" * 25, "aaaaaaaaaaaaaaaaa-2f521e-nodes"),
        ("b" * 34, "bbbbbbbbbbbbbbbbb-30075b-nodes"),
    ],
)
def test_node_account_id_fits_iams_limit(cluster_name, account_id):
    assert node_account_id(cluster_name) == account_id
    assert re.fullmatch(r"[a-z][-a-z0-9]{4,28}[a-z0-9]", account_id)


@pytest.mark.parametrize(
    ("overrides", "cluster_inputs", "pool_inputs"),
    [
        (("spotNodes=true",), {}, {"nodeConfig.spot": True}),
        (("nodeCount=2", "machineType=e2-standard-2"), {}, {"nodeCount": 2, "nodeConfig.machineType": "e2-standard-2"}),
        (("releaseChannel=STABLE",), {"releaseChannel": {"channel": "STABLE"}}, {}),
        (("deletionProtection=true",), {"deletionProtection": True}, {}),
        (
            ("clusterName=demo-2", "gcp:zone=europe-west4-b"),
            {"name": "demo-2", "location": "europe-west4-b"},
            {"name": "demo-2-nodes", "cluster": "demo-2", "location": "europe-west4-b"},
        ),
        (
            ("gcp:project=my-project",),
            {"project": "my-project", "workloadIdentityConfig": {"workloadPool": "my-project.svc.id.goog"}},
            {
                "project": "my-project",
                "nodeConfig.serviceAccount": "istio-demo-nodes@my-project.iam.gserviceaccount.com",
            },
        ),
    ],
)
def test_cluster_settings_reach_the_resources(overrides, cluster_inputs, pool_inputs):
    rendering = rendered(overrides)
    cluster = resource(rendering, CLUSTER, "gke")["inputs"]
    pool = resource(rendering, NODE_POOL, "gke-nodes")["inputs"]
    for key, value in cluster_inputs.items():
        assert cluster[key] == value
    for path, value in pool_inputs.items():
        node = pool
        *parents, leaf = path.split(".")
        for parent in parents:
            node = node[parent]
        assert node[leaf] == value


def test_a_set_project_reaches_the_iam_bindings_and_the_account():
    rendering = rendered(("gcp:project=my-project",))
    assert {member["inputs"]["project"] for member in resources(rendering, IAM_MEMBER)} == {"my-project"}
    assert resource(rendering, SERVICE_ACCOUNT, "gke-nodes")["inputs"]["project"] == "my-project"


def test_provider_waits_for_the_node_pool_and_is_bound_to_the_cluster(default):
    provider = resource(default, K8S_PROVIDER, "gke-k8s")
    assert resource(default, NODE_POOL, "gke-nodes")["urn"] in provider["dependsOn"]
    assert provider["inputs"] == {
        "clusterIdentifier": "projects/mock-project/locations/us-central1-a/clusters/istio-demo",
        "kubeconfig": "[secret]",
    }


def test_kubeconfig_is_a_secret_output(default):
    assert default.plan["outputs"]["kubeconfig"] == "[secret]"


def test_kubeconfig_authenticates_through_the_gke_plugin():
    ca = base64.b64encode(b"ca").decode()
    config = json.loads(kubeconfig_for(CLUSTER_ENDPOINT, ca, "gke_p_z_n"))
    assert config["clusters"] == [
        {"name": "gke_p_z_n", "cluster": {"server": f"https://{CLUSTER_ENDPOINT}", "certificate-authority-data": ca}}
    ]
    assert config["current-context"] == "gke_p_z_n"
    exec_ = config["users"][0]["user"]["exec"]
    assert exec_["command"] == "gke-gcloud-auth-plugin"
    # Application Default Credentials, as pulumi-gcp: without the flag the plugin needs a `gcloud auth login` account.
    assert exec_["args"] == ["--use_application_default_credentials"]
    assert exec_["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert "token" not in config["users"][0]["user"]


def test_every_kubernetes_resource_uses_the_explicit_provider(default):
    provider = resource(default, K8S_PROVIDER, "gke-k8s")["urn"]
    kubernetes = [r for r in default.plan["resources"] if r["type"].startswith("kubernetes:")]
    assert kubernetes
    assert {r["provider"] for r in kubernetes} == {provider}


def test_default_kubernetes_provider_is_disabled(default):
    assert default.plan["config"]["pulumi:disable-default-providers"] == ["kubernetes"]


def test_the_longest_cluster_name_leaves_a_valid_node_pool_name():
    """GKE refuses node pool names over 40 characters, after the cluster already exists."""
    longest = "c" * 34
    pool = resource(rendered((f"clusterName={longest}",)), NODE_POOL, "gke-nodes")
    assert pool["inputs"]["name"] == f"{longest}-nodes"
    assert len(pool["inputs"]["name"]) <= 40


# (case, the version GKE's channel gives a new cluster, overrides, the error; None: accepted and pinned as its floor)
VERSIONS = [
    ("the mocks' default", MOCK_GKE_VERSION, (), None),
    ("Istio's oldest", "1.32.1-gke.1000", (), None),
    ("Istio's newest", "1.36.9-gke.1000", (), None),
    (
        "too old for Istio",
        "1.31.9-gke.1000",
        (),
        "releaseChannel: GKE's REGULAR channel in us-central1-a creates Kubernetes 1.31.9-gke.1000, outside the 1.32"
        " to 1.36 that Istio 1.30 supports; choose another releaseChannel (docs/own-cluster.md says how to check the"
        " channels' versions)",
    ),
    (
        "too new for Istio",
        "1.37.0-gke.1000",
        ("releaseChannel=RAPID",),
        "releaseChannel: GKE's RAPID channel in us-central1-a creates Kubernetes 1.37.0-gke.1000, outside the 1.32 to"
        " 1.36 that Istio 1.30 supports; choose another releaseChannel (docs/own-cluster.md says how to check the"
        " channels' versions)",
    ),
    ("older CRDs, istio routes", "1.34.7-gke.1000", (), None),
    (
        "older CRDs, Gateway API routes",
        "1.34.7-gke.1000",
        ("routingApi=gateway-api",),
        "releaseChannel: GKE's REGULAR channel in us-central1-a creates Kubernetes 1.34.7-gke.1000, whose Gateway API"
        " CRDs are older than the v1.5 the stack's Gateway API objects use (GKE installs v1.5 from 1.35.2-gke.1842000);"
        " choose a releaseChannel whose default is newer, or routingApi=istio with dataplane=sidecar",
    ),
    (
        "older CRDs, ambient's waypoints",
        "1.35.2-gke.1841999",
        ("dataplane=ambient",),
        "releaseChannel: GKE's REGULAR channel in us-central1-a creates Kubernetes 1.35.2-gke.1841999, whose Gateway"
        " API CRDs are older than the v1.5 the stack's Gateway API objects use (GKE installs v1.5 from"
        " 1.35.2-gke.1842000); choose a releaseChannel whose default is newer, or routingApi=istio with"
        " dataplane=sidecar",
    ),
    ("GKE's first v1.5 CRDs", "1.35.2-gke.1842000", ("routingApi=gateway-api",), None),
]


@pytest.mark.parametrize(("version", "overrides", "error"), [v[1:] for v in VERSIONS], ids=[v[0] for v in VERSIONS])
def test_the_channels_version_is_checked_before_the_cluster_and_pinned_as_its_floor(
    monkeypatch, version, overrides, error
):
    monkeypatch.setattr(offline, "MOCK_GKE_VERSION", version)
    if error is not None:
        with pytest.raises(ConfigError) as raised:
            render("dev", None, overrides)
        assert str(raised.value) == error
        return
    cluster = resource(render("dev", None, overrides), CLUSTER, "gke")
    assert cluster["inputs"]["minMasterVersion"] == version
    assert "minMasterVersion" in cluster["ignoreChanges"]


def test_the_gateway_api_on_gke_uses_the_clusters_own_crds():
    """GKE's standard channel brings the CRDs (and owns them): the stack installs none, reads none."""
    rendering = rendered(("routingApi=gateway-api", "scenario=egress-gateway"))
    kinds = {r["type"] for r in rendering.plan["resources"]}
    assert not {t for t in kinds if "CustomResourceDefinition" in t or "ConfigFile" in t or "GatewayApiCrds" in t}
    assert resource(rendering, CLUSTER, "gke")["inputs"]["gatewayApiConfig"] == {"channel": "CHANNEL_STANDARD"}
    assert not rendering.crds
