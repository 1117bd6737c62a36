"""The two-cluster end-to-end run's own logic (e2e/multicluster.py): the stack's settings for the pair, each
cluster's part of the preview, and what an istiod's endpoint shards must hold."""

from __future__ import annotations

import ipaddress
import itertools
import json
from pathlib import Path

import pytest

from e2e import cluster, istiod, multicluster, xds, xds_samples
from e2e.run import Run
from tests.conftest import rendered
from tests.plan import RELEASE, resources

TWO_KINDS = Path(__file__).parent / "data" / "two-clusters.kubeconfig"


def bookinfo(rendering, kind):
    return sorted(
        obj["metadata"]["name"]
        for obj in rendering.manifests
        if obj["kind"] == kind and obj["metadata"].get("namespace") == "bookinfo"
    )


def test_the_two_clusters_pods_and_services_take_their_addresses_from_four_ranges_apart():
    ranges = (cluster.RANGES, multicluster.SECOND_RANGES)
    networks = [ipaddress.ip_network(cidr, strict=False) for r in ranges for cidr in (r.pods, r.services)]
    assert [(a, b) for a, b in itertools.combinations(networks, 2) if a.overlaps(b)] == []
    assert cluster.address_patches(multicluster.SECOND_RANGES) == {
        "componentsPatches": [
            {"name": "kwok-controller", "extraArgs": [{"key": "cidr", "value": "10.1.0.1/24"}]},
            {"name": "kube-apiserver", "extraArgs": [{"key": "service-cluster-ip-range", "value": "10.97.0.0/16"}]},
        ]
    }


def test_each_istiod_gets_its_webhooks_and_each_cluster_its_part_of_the_preview():
    kubes = [cluster.Cluster(TWO_KINDS, context=context) for context in ("kind-one", "kind-two")]
    overrides = multicluster.stack_overrides(kubes, TWO_KINDS, "http://127.0.0.1:1")
    rendering = rendered((*overrides, "platform=none"))
    webhooks = {
        r["name"]: r["inputs"]["values"]["istiodRemote"]["injectionURL"]
        for r in resources(rendering, RELEASE)
        if r["name"].endswith("-istiod")
    }
    assert webhooks == {
        "istio-istiod": "https://localhost:15017/inject",
        "istio-2-istiod": "https://localhost:15117/inject",
    }
    parts = [multicluster.part(rendering, provider) for provider in multicluster.PROVIDERS]
    assert tuple(bookinfo(part, "Deployment") for part in parts) == multicluster.PLACEMENT
    services = ["details", "productpage", "ratings", "reviews"]
    assert [bookinfo(part, "Service") for part in parts] == [services, services]


REVIEWS = {"reviews.bookinfo.svc.cluster.local": {"bookinfo": {"Shards": {
    "Kubernetes/cluster1": [{"Addresses": ["10.0.0.5"]}, {"Addresses": ["10.0.0.6"]}],
    "Kubernetes/cluster2": [{"Address": "10.1.0.4"}],
}}}}  # fmt: skip
BOTH = {"cluster1": {"10.0.0.5", "10.0.0.6"}, "cluster2": {"10.1.0.4"}}


@pytest.mark.parametrize(
    ("document", "expected", "problems"),
    [
        (REVIEWS, BOTH, []),
        (
            REVIEWS,
            {**BOTH, "cluster2": {"10.1.0.4", "10.1.0.9"}},
            ["reviews.bookinfo.svc.cluster.local in cluster2: ['10.1.0.4'], its pods ['10.1.0.4', '10.1.0.9']"],
        ),
        (
            {},
            BOTH,
            [
                "reviews.bookinfo.svc.cluster.local in cluster1: [], its pods ['10.0.0.5', '10.0.0.6']",
                "reviews.bookinfo.svc.cluster.local in cluster2: [], its pods ['10.1.0.4']",
            ],
        ),
    ],
)
def test_an_istiod_holds_each_clusters_reviews_pods_in_that_clusters_shard(document, expected, problems):
    assert multicluster.shard_problems(multicluster.reviews_shards(document), expected) == problems


@pytest.mark.parametrize(("offset", "address"), [(0, "127.0.0.1:15010"), (istiod.SECOND_OFFSET, "127.0.0.1:15110")])
def test_the_xds_checks_ask_the_istiod_of_the_proxys_own_cluster(offset, address):
    assert xds.xds_address(cluster.Cluster(TWO_KINDS, istiod_offset=offset)) == address


def test_the_first_clusters_xds_check_writes_beside_the_two_cluster_runs_files(tmp_path, monkeypatch):
    """Not over the single-cluster run's build/e2e/xds.json."""
    monkeypatch.setattr(xds, "route_configurations", lambda kube, out: {})
    monkeypatch.setattr(xds_samples, "translated_at_the_edges", lambda *_: ([], ["edges"]))
    configs = {"multicluster/round-robin": ("scenario=round-robin",)}
    first = Run(None, None, None, configs, {}, None, work=tmp_path)  # type: ignore[arg-type]
    assert first.xds("multicluster/round-robin") == (None, [])
    assert json.loads((tmp_path / "xds.json").read_text()) == {"multicluster/round-robin": ["edges"]}


def test_the_second_istiods_check_reads_reviews_v3s_sidecar_and_the_second_clusters_ingress_gateway(
    tmp_path, monkeypatch
):
    kubes = [cluster.Cluster(TWO_KINDS, context=context) for context in ("kind-one", "kind-two")]
    asked: list[tuple] = []

    def ingress(kube, plan, mesh, out):
        asked.append((kube, out))
        return ["ingress problem"], ["ingress /productpage: productpage 100%"]

    monkeypatch.setattr(multicluster, "WORK", tmp_path)
    monkeypatch.setattr(xds, "route_configurations", lambda kube, out, client: asked.append((kube, client)) or {})
    monkeypatch.setattr(xds, "translated", lambda plan, configs: ([], ["reviews: v1 100%"]))
    monkeypatch.setattr(xds, "failover_translated", lambda *_: ([], []))
    monkeypatch.setattr(xds_samples, "translated_at_the_ingress", ingress)
    configs = {"multicluster/all-v1": ("scenario=all-v1",)}
    pair = multicluster.Pair(None, kubes, [], configs, {}, None, None)  # type: ignore[arg-type]
    assert pair.second_xds("multicluster/all-v1") == (None, ["ingress problem"])
    out = tmp_path / "xds" / "multicluster" / "all-v1"
    assert asked == [(kubes[1], "reviews"), (kubes[1], out / multicluster.SECOND)]
    assert json.loads((tmp_path / "xds-2.json").read_text()) == {
        "multicluster/all-v1": ["reviews: v1 100%", "ingress /productpage: productpage 100%"]
    }
