"""Two clusters, one mesh (docs/multicluster.md): the settings, the split of the apps, the root of trust."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from model import bookinfo_app, kubeconfig, multicluster, sample_apps, trust
from tests.conftest import rendered
from tests.plan import CLUSTER, DEPLOYMENT, RELEASE, SERVICE_ACCOUNT, resource, resources
from tools import render

SECRET = "kubernetes:core/v1:Secret"
SERVICE = "kubernetes:core/v1:Service"
VIRTUAL_SERVICE = "kubernetes:networking.istio.io/v1:VirtualService"
DESTINATION_RULE = "kubernetes:networking.istio.io/v1:DestinationRule"
FIREWALL = "gcp:compute/firewall:Firewall"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"

ONE_CLUSTER_WARNINGS = [
    (("secondZone=us-central1-b",), ["secondZone: ignored with clusters=1 (it applies to clusters=2)"]),
    (
        ("target=existing", "kubeContext=kind-one", "secondKubeContext=kind-two"),
        ["secondKubeContext: ignored with clusters=1 (it applies to clusters=2)"],
    ),
    (
        ("target=existing", "kubeContext=kind-one", "secondZone=us-central1-b"),
        ["secondZone: ignored, target=existing does not use it (it applies to target=gke)"],
    ),
    (
        ("secondHelmValues.istiod.pilot.env.A=1",),
        ["secondHelmValues: ignored with clusters=1 (it applies to clusters=2)"],
    ),
    (
        ("secondKubeContext=kind-two",),
        ["secondKubeContext: ignored, target=gke does not use it (it applies to target=existing)"],
    ),
]


@pytest.mark.parametrize(("overrides", "warnings"), ONE_CLUSTER_WARNINGS)
def test_a_second_cluster_key_is_ignored_with_a_warning_where_it_does_not_apply(overrides, warnings):
    assert rendered(overrides).warnings == warnings


SPLITS = [
    (bookinfo_app.APPS, ["details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2"], ["reviews-v3"]),
    (sample_apps.mirroring_samples("samples"), ["curl-v1", "httpbin-v1"], ["httpbin-v2"]),
    (sample_apps.tcp_echo_samples("samples"), ["tcp-echo-v1"], ["tcp-echo-v2"]),
    (sample_apps.circuit_breaking_samples("samples"), ["fortio-v1", "httpbin-v1"], []),
]


@pytest.mark.parametrize(("apps", "first", "second"), SPLITS)
def test_the_newest_of_several_versions_runs_in_the_second_cluster_and_the_rest_in_the_first(apps, first, second):
    one, two = multicluster.mesh_clusters(2)
    assert sorted(w.name for w in multicluster.split(apps, one, 2).workloads) == first
    assert sorted(w.name for w in multicluster.split(apps, two, 2).workloads) == second
    for cluster in (one, two):  # Services and ServiceAccounts in both: names resolve in either cluster
        assert multicluster.split(apps, cluster, 2).services == apps.services
        assert multicluster.split(apps, cluster, 2).service_accounts == apps.service_accounts
    assert multicluster.split(apps, one, 1) == apps


def test_each_istiod_is_given_the_mesh_its_cluster_and_the_one_network():
    assert [cluster.istiod_values() for cluster in multicluster.mesh_clusters(2)] == [
        {"global": {"meshID": "istio-demo", "multiCluster": {"clusterName": "cluster1"}, "network": "network1"}},
        {"global": {"meshID": "istio-demo", "multiCluster": {"clusterName": "cluster2"}, "network": "network1"}},
    ]
    assert [cluster.suffix for cluster in multicluster.mesh_clusters(2)] == ["", "-2"]


def test_a_remote_kubeconfig_reaches_the_api_server_with_the_reader_token():
    config = json.loads(multicluster.remote_kubeconfig(multicluster.MeshCluster(2), "https://10.0.0.2", "Q0E=", "tok"))
    assert config == {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "cluster2", "cluster": {"server": "https://10.0.0.2", "certificate-authority-data": "Q0E="}}
        ],
        "contexts": [{"name": "cluster2", "context": {"cluster": "cluster2", "user": "cluster2"}}],
        "current-context": "cluster2",
        "users": [{"name": "cluster2", "user": {"token": "tok"}}],
    }


SEED = bytes(range(64))
ISSUED = datetime.date(2026, 12, 5)


def certificates(data: dict[str, str]) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(data[key].encode()) for key in ("ca-cert.pem", "root-cert.pem")]


def test_each_cluster_gets_its_own_intermediate_under_the_one_root():
    one, two = (trust.cacerts(SEED, ISSUED, name) for name in ("cluster1", "cluster2"))
    assert sorted(one) == ["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]
    assert one["root-cert.pem"] == two["root-cert.pem"]
    assert one["ca-cert.pem"] != two["ca-cert.pem"] and one["ca-key.pem"] != two["ca-key.pem"]
    for data, name in ((one, "cluster1"), (two, "cluster2")):
        intermediate, root = certificates(data)
        intermediate.verify_directly_issued_by(root)
        root.verify_directly_issued_by(root)
        assert data["cert-chain.pem"] == data["ca-cert.pem"] + data["root-cert.pem"]
        assert intermediate.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
        assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert intermediate.subject.rfc4514_string() == f"CN=istio-demo intermediate CA,L={name},O=istio-demo"
        key = serialization.load_pem_private_key(data["ca-key.pem"].encode(), password=None)
        assert key.public_key() == intermediate.public_key()


def test_the_certificates_are_the_same_on_every_evaluation_and_valid_from_the_issue_day():
    assert trust.cacerts(SEED, ISSUED, "cluster1") == trust.cacerts(SEED, ISSUED, "cluster1")
    assert trust.cacerts(bytes(64), ISSUED, "cluster1") != trust.cacerts(SEED, ISSUED, "cluster1")
    intermediate, root = certificates(trust.cacerts(SEED, ISSUED, "cluster1"))
    start = datetime.datetime(2026, 12, 5, tzinfo=datetime.UTC)
    assert (root.not_valid_before_utc, root.not_valid_after_utc) == (start, start + datetime.timedelta(days=3650))
    assert intermediate.not_valid_after_utc == start + datetime.timedelta(days=730)


KUBECONFIG = """
contexts:
- {name: inline, context: {cluster: one}}
- {name: by-file, context: {cluster: two}}
- {name: no-ca, context: {cluster: three}}
- {name: dangling, context: {cluster: gone}}
clusters:
- {name: one, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: Q0E=}}
- {name: two, cluster: {server: "https://127.0.0.1:7443", certificate-authority: CA_FILE}}
- {name: three, cluster: {server: "https://127.0.0.1:8443"}}
"""

API_SERVERS = [
    ("inline", ("https://127.0.0.1:6443", "Q0E=")),
    ("by-file", ("https://127.0.0.1:7443", "UEVN")),
    ("no-ca", "the cluster of context 'no-ca' has no certificate-authority(-data) to trust"),
    ("dangling", "the kubeconfig defines no cluster with a server for context 'dangling'"),
    ("absent", "the kubeconfig defines no cluster with a server for context 'absent'"),
]


@pytest.mark.parametrize(("context", "expected"), API_SERVERS)
def test_the_api_server_and_its_ca_are_read_from_the_contexts_cluster(context, expected, tmp_path):
    (tmp_path / "ca.pem").write_text("PEM")
    config = tmp_path / "config"
    config.write_text(KUBECONFIG.replace("CA_FILE", str(tmp_path / "ca.pem")))
    if isinstance(expected, tuple):
        assert kubeconfig.api_server(context, str(config), {}) == expected
    else:
        with pytest.raises(ValueError) as error:
            kubeconfig.api_server(context, str(config), {})
        assert str(error.value) == expected


TWO_KINDS = str(Path(__file__).parent / "data" / "two-clusters.kubeconfig")
TWO_CLUSTERS = {
    "gke": ("clusters=2", "secondZone=us-central1-b"),
    "existing": (
        "clusters=2",
        "target=existing",
        "kubeContext=kind-one",
        "secondKubeContext=kind-two",
        f"kubeconfig={TWO_KINDS}",
        "platform=none",
    ),
}
PROVIDERS = {"gke": ("gke-k8s", "gke-2-k8s"), "existing": ("cluster-k8s", "cluster-2-k8s")}


def in_cluster(rendering, target, index, type_):
    """The logical names of `type_`'s resources declared with cluster `index`'s provider."""
    provider = PROVIDERS[target][index - 1]
    return sorted(
        r["name"] for r in resources(rendering, type_) if r.get("provider", "").rsplit("::", 1)[-1] == provider
    )


TARGETS = sorted(TWO_CLUSTERS)


@pytest.mark.parametrize("target", TARGETS)
def test_bookinfo_runs_reviews_v3_in_the_second_cluster_and_everything_else_in_the_first(target):
    rendering = rendered(TWO_CLUSTERS[target])
    assert in_cluster(rendering, target, 1, DEPLOYMENT) == [
        "addons-jaeger-istio-system-jaeger",
        "bookinfo-details-v1",
        "bookinfo-productpage-v1",
        "bookinfo-ratings-v1",
        "bookinfo-reviews-v1",
        "bookinfo-reviews-v2",
    ]
    assert in_cluster(rendering, target, 2, DEPLOYMENT) == ["bookinfo-2-bookinfo-reviews-v3"]
    services = [f"bookinfo-2-bookinfo-{name}" for name in ("details", "productpage", "ratings", "reviews")]
    assert in_cluster(rendering, target, 2, SERVICE) == services


@pytest.mark.parametrize("target", TARGETS)
def test_each_istiod_joins_the_mesh_under_its_cluster_name_after_its_cacerts(target):
    rendering = rendered(TWO_CLUSTERS[target])
    platform = {"platform": "gke"} if target == "gke" else {}
    for index, prefix in ((1, "istio"), (2, "istio-2")):
        [istiod] = [r for r in resources(rendering, RELEASE) if r["name"] == f"{prefix}-istiod"]
        assert istiod["inputs"]["values"]["global"] == {
            **platform,
            "meshID": "istio-demo",
            "multiCluster": {"clusterName": f"cluster{index}"},
            "network": "network1",
        }
        cacerts = resource(rendering, SECRET, f"{prefix}-cacerts")
        assert cacerts["urn"] in istiod["dependsOn"]
        assert sorted(cacerts["inputs"]["stringData"]) == [
            "ca-cert.pem",
            "ca-key.pem",
            "cert-chain.pem",
            "root-cert.pem",
        ]
        assert set(cacerts["secretOutputs"]) >= {"stringData"}


@pytest.mark.parametrize("target", TARGETS)
def test_each_cluster_holds_the_remote_secret_of_the_other_made_from_its_reader_token(target):
    rendering = rendered(TWO_CLUSTERS[target])
    tokens = {1: "istio-reader-service-account-token", 2: "istio-2-istio-reader-service-account-token"}
    for watcher, watched in ((1, 2), (2, 1)):
        [name] = [n for n in in_cluster(rendering, target, watcher, SECRET) if n.startswith("remote-")]
        assert name == f"remote-cluster{watched}-in-cluster{watcher}-istio-remote-secret-cluster{watched}"
        secret = resource(rendering, SECRET, name)
        assert secret["inputs"]["metadata"] == {
            "name": f"istio-remote-secret-cluster{watched}",
            "namespace": "istio-system",
            "labels": {"istio/multiCluster": "true"},
            "annotations": {"networking.istio.io/cluster": f"cluster{watched}"},
        }
        assert secret["inputs"]["stringData"] == {f"cluster{watched}": "[secret]"}
        reader = resource(rendering, SECRET, tokens[watched])
        assert reader["urn"] in secret["dependsOn"]
        assert reader["inputs"]["type"] == "kubernetes.io/service-account-token"


@pytest.mark.parametrize("target", TARGETS)
def test_the_second_clusters_releases_get_second_helm_values_over_helm_values(target):
    given = ("helmValues.istiod.pilot.env.A=1", "secondHelmValues.istiod.pilot.env.B=2")
    plain, rendering = rendered(TWO_CLUSTERS[target]), rendered((*TWO_CLUSTERS[target], *given))
    istiods = [r for r in resources(rendering, RELEASE) if r["name"].endswith("-istiod")]
    env = {r["name"]: r["inputs"]["values"]["pilot"].get("env") for r in istiods}
    assert (env["istio-istiod"], env["istio-2-istiod"]) == ({"A": 1}, {"A": 1, "B": 2})
    others = [r for r in resources(rendering, RELEASE) if not r["name"].endswith("-istiod")]
    assert others == [r for r in resources(plain, RELEASE) if not r["name"].endswith("-istiod")]


@pytest.mark.parametrize("target", TARGETS)
def test_the_add_ons_and_the_product_page_outputs_are_the_first_clusters(target):
    rendering = rendered(TWO_CLUSTERS[target])
    assert not [n for n in in_cluster(rendering, target, 2, RELEASE) if n.startswith("addons")]
    outputs = rendering.plan["outputs"]
    assert {"capacity", "capacity2"} <= set(outputs)
    assert ("kubeconfig2" in outputs) is (target == "gke")


def test_the_scenarios_routes_are_declared_in_both_clusters():
    rendering = rendered((*TWO_CLUSTERS["gke"], "scenario=traffic-shifting"))
    first, second = (
        [n for n in in_cluster(rendering, "gke", index, VIRTUAL_SERVICE) if n.startswith("scenario")]
        for index in (1, 2)
    )
    assert [name.replace("scenario-2-", "scenario-") for name in second] == first
    assert "scenario-virtualservice-bookinfo-reviews" in first


@pytest.mark.parametrize("target", TARGETS)
def test_locality_failover_is_declared_in_both_clusters_without_a_warning(target):
    rendering = rendered((*TWO_CLUSTERS[target], "scenario=locality-failover"))
    assert rendering.warnings == []
    assert in_cluster(rendering, target, 1, DESTINATION_RULE) == [
        *(f"bookinfo-destinationrule-bookinfo-{name}" for name in ("details", "productpage", "ratings", "reviews")),
        "scenario-destinationrule-bookinfo-reviews-failover",
    ]
    assert "scenario-2-destinationrule-bookinfo-reviews-failover" in in_cluster(rendering, target, 2, DESTINATION_RULE)


def test_gke_opens_the_network_between_the_two_clusters_pod_ranges():
    rendering = rendered(TWO_CLUSTERS["gke"])
    firewall = resource(rendering, FIREWALL, "mesh-pods")
    assert firewall["inputs"] == {
        "network": "default",
        "direction": "INGRESS",
        "priority": 900,
        "sourceRanges": ["10.4.0.0/14", "10.8.0.0/14"],
        "allows": [{"protocol": p} for p in ("tcp", "udp", "icmp", "esp", "ah", "sctp")],
        "description": "Pod-to-pod traffic between the clusters of the istio-demo mesh.",
    }
    second = resource(rendering, CLUSTER, "gke-2")["inputs"]
    assert (second["name"], second["location"]) == ("istio-demo-2", "us-central1-b")
    assert resource(rendering, SERVICE_ACCOUNT, "gke-2-nodes")["inputs"]["accountId"] == "istio-demo-2-nodes"


def test_the_trust_seed_keeps_the_day_it_was_created():
    seed = resource(rendered(TWO_CLUSTERS["gke"]), RANDOM_BYTES, "trust-seed")
    assert seed["inputs"]["length"] == trust.SEED_BYTES
    assert datetime.date.fromisoformat(seed["inputs"]["keepers"]["issued"])
    assert seed["ignoreChanges"] == ["keepers"]
    assert set(seed["secretOutputs"]) >= {"base64", "hex"}


def test_the_preview_summary_gives_each_clusters_capacity():
    lines = [line for line in render.summary(rendered(TWO_CLUSTERS["gke"])).splitlines() if "capacity" in line]
    assert lines == [
        "capacity: requested 2428m CPU, 5561Mi memory of allocatable 3760m CPU, 11120Mi (fits)",
        "capacity2: requested 2168m CPU, 4073Mi memory of allocatable 3760m CPU, 11120Mi (fits)",
    ]
