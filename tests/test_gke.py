"""The GKE cluster, node pool, kubeconfig and Kubernetes provider, exactly as declared."""

from __future__ import annotations

import base64
import json

import pytest

from components.gke import kubeconfig_for
from tests.conftest import rendered
from tests.plan import CLUSTER, K8S_PROVIDER, NODE_POOL, resource
from tools.offline import CLUSTER_ENDPOINT


def test_cluster_is_zonal_without_default_pool_or_node_config(default):
    assert resource(default, CLUSTER, "gke")["inputs"] == {
        "name": "istio-demo",
        "location": "us-central1-a",
        "removeDefaultNodePool": True,
        "initialNodeCount": 1,
        "releaseChannel": {"channel": "REGULAR"},
        "deletionProtection": False,
    }


def test_node_pool_runs_the_configured_nodes_with_auto_repair_and_upgrade(default):
    pool = resource(default, NODE_POOL, "gke-nodes")
    assert pool["inputs"] == {
        "name": "istio-demo-nodes",
        "location": "us-central1-a",
        "cluster": "istio-demo",
        "nodeCount": 4,
        "nodeConfig": {
            "machineType": "n1-standard-1",
            "spot": False,
            "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
        },
        "management": {"autoRepair": True, "autoUpgrade": True},
    }
    assert resource(default, CLUSTER, "gke")["urn"] in pool["dependsOn"]


@pytest.mark.parametrize(
    ("overrides", "cluster_inputs", "pool_inputs"),
    [
        (("spotNodes=true",), {}, {"nodeConfig.spot": True}),
        (("nodeCount=2", "machineType=e2-standard-2"), {}, {"nodeCount": 2, "nodeConfig.machineType": "e2-standard-2"}),
        (("releaseChannel=STABLE",), {"releaseChannel": {"channel": "STABLE"}}, {}),
        (("deletionProtection=true",), {"deletionProtection": True}, {}),
        (("clusterName=demo-2", "gcp:zone=europe-west4-b"), {"name": "demo-2", "location": "europe-west4-b"},
         {"name": "demo-2-nodes", "cluster": "demo-2", "location": "europe-west4-b"}),
        (("gcp:project=my-project",), {"project": "my-project"}, {"project": "my-project"}),
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
    assert exec_["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert "token" not in config["users"][0]["user"]


def test_every_kubernetes_resource_uses_the_explicit_provider(default):
    provider = resource(default, K8S_PROVIDER, "gke-k8s")["urn"]
    kubernetes = [r for r in default.plan["resources"] if r["type"].startswith("kubernetes:")]
    assert kubernetes
    assert {r["provider"] for r in kubernetes} == {provider}


def test_default_kubernetes_provider_is_disabled(default):
    assert default.plan["config"]["pulumi:disable-default-providers"] == ["kubernetes"]
