"""mesh=managed: the cluster registered to its fleet, Cloud Service Mesh enabled on it with automatic management,
no istiod, the same gateways, Bookinfo and scenarios, and every setting Google's managed mesh does not support
refused before anything is declared."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.gke import fleet_options
from model.capacity import mebibytes, millicores
from tests.conftest import rendered
from tests.plan import CLUSTER, RELEASE, manifest, resource, resources, urn_of
from tools import render

MANAGED = ("mesh=managed", "jaeger=false")
FEATURE = "gcp:gkehub/feature:Feature"
FEATURE_MEMBERSHIP = "gcp:gkehub/featureMembership:FeatureMembership"
NAMESPACE = "kubernetes:core/v1:Namespace"
PRESETS = sorted(Path("stacks").glob("*.yaml"))


@pytest.fixture(scope="module")
def managed():
    return rendered(MANAGED)


def test_the_cluster_is_registered_to_its_projects_fleet_and_replaced_if_that_changes(managed, default):
    cluster = resource(managed, CLUSTER, "gke")
    assert cluster["inputs"]["fleet"] == {"project": "mock-project"}
    assert {key: value for key, value in cluster["inputs"].items() if key != "fleet"} == resource(
        default, CLUSTER, "gke"
    )["inputs"]
    assert "fleet" not in resource(default, CLUSTER, "gke")["inputs"]


def test_the_service_mesh_feature_and_the_clusters_membership_with_automatic_management(managed):
    feature = resource(managed, FEATURE, "istio-managed-feature")
    assert feature["inputs"] == {"name": "servicemesh", "location": "global", "project": "mock-project"}
    membership = resource(managed, FEATURE_MEMBERSHIP, "istio-managed-membership")
    assert membership["inputs"] == {
        "feature": "servicemesh",
        "location": "global",
        "membership": "istio-demo",
        "membershipLocation": "us-central1",
        "project": "mock-project",
        "mesh": {"management": "MANAGEMENT_AUTOMATIC"},
    }
    assert membership["parent"] == urn_of(managed, "istio-demo:managed:ManagedControlPlane", "istio-managed")


def test_the_membership_waits_for_the_feature_the_registered_cluster_and_istio_system(managed):
    depends = resource(managed, FEATURE_MEMBERSHIP, "istio-managed-membership")["dependsOn"]
    assert set(depends) == {
        urn_of(managed, FEATURE, "istio-managed-feature"),
        urn_of(managed, CLUSTER, "gke"),
        urn_of(managed, NAMESPACE, "istio-system"),
    }


def test_no_istio_control_plane_chart_is_installed_only_the_gateways_and_add_ons(managed):
    names = sorted(release["inputs"]["name"] for release in resources(managed, RELEASE))
    assert names == ["grafana", "istio-egressgateway", "istio-ingressgateway", "kiali", "prometheus"]


@pytest.mark.parametrize("gateway", ["istio-ingressgateway", "istio-egressgateway"])
def test_the_gateways_are_the_same_releases_installed_after_the_managed_mesh(managed, default, gateway):
    release = resource(managed, RELEASE, gateway)
    assert release["inputs"] == resource(default, RELEASE, gateway)["inputs"]
    assert release["dependsOn"] == [urn_of(managed, FEATURE_MEMBERSHIP, "istio-managed-membership")]


def test_every_istio_object_and_mesh_namespace_waits_for_the_managed_mesh(managed):
    membership = urn_of(managed, FEATURE_MEMBERSHIP, "istio-managed-membership")
    waiting = [r for r in managed.plan["resources"] if "istio.io" in r["type"]]
    waiting += [resource(managed, NAMESPACE, "bookinfo")]
    assert len(waiting) >= 7
    for item in waiting:
        assert membership in item["dependsOn"], item["name"]


def test_namespaces_carry_the_default_injection_label_the_managed_mesh_serves(managed):
    assert manifest(managed, "Namespace", "istio-system")["metadata"]["labels"] == {"istio-injection": "enabled"}
    assert manifest(managed, "Namespace", "bookinfo")["metadata"]["labels"] == {"istio-injection": "enabled"}


def test_bookinfo_and_the_routing_are_those_of_the_stacks_own_istio(managed):
    """The same objects, but for istio-system's injection label."""
    without_jaeger = rendered(("jaeger=false",))
    assert [m for m in managed.manifests if m["metadata"]["name"] != "istio-system"] == [
        m for m in without_jaeger.manifests if m["metadata"]["name"] != "istio-system"
    ]


def test_the_capacity_counts_googles_in_cluster_components_instead_of_istiod(managed):
    """mdp-controller 50m/128Mi once, istio-cni-node 100m/100Mi on each of the 4 nodes, no istiod (10m/100Mi)."""
    own = rendered(("jaeger=false",)).plan["outputs"]["capacity"]["requested"]
    requested = managed.plan["outputs"]["capacity"]["requested"]
    assert millicores(requested["cpu"]) - millicores(own["cpu"]) == 50 + 4 * 100 - 10
    assert mebibytes(requested["memory"]) - mebibytes(own["memory"]) == 128 + 4 * 100 - 100
    assert managed.plan["outputs"]["capacity"]["fits"] is True


def test_the_add_ons_that_look_for_istiod_say_so(managed):
    assert managed.warnings == [
        "grafana: with mesh=managed no istiod runs in the cluster, so its istio-control-plane dashboard stays empty",
        "kiali: with mesh=managed no istiod runs in the cluster; Kiali's control-plane views report it missing",
    ]


@pytest.mark.parametrize("preset", PRESETS, ids=[preset.stem for preset in PRESETS])
def test_every_scenario_previews_under_the_managed_mesh_with_the_same_routing(preset):
    own = rendered(("jaeger=false",), str(preset))
    under_managed = rendered(MANAGED, str(preset))
    assert under_managed.plan["outputs"]["routing"] == own.plan["outputs"]["routing"]
    assert [m for m in under_managed.manifests if m["kind"] != "Namespace"] == [
        m for m in own.manifests if m["kind"] != "Namespace"
    ]


REFUSED = [
    (
        ("target=existing", "kubeContext=kind-demo"),
        "mesh: managed needs target=gke: Cloud Service Mesh is enabled on a GKE cluster the stack registers to its"
        " fleet, not on target=existing; allowed with target=existing: istio",
    ),
    (
        ("routingApi=gateway-api",),
        "routingApi: gateway-api does not fit mesh=managed: the managed control plane with Istio's APIs does not"
        " support the Kubernetes Gateway API; allowed with mesh=managed: routingApi=istio",
    ),
    (
        ("dataplane=ambient",),
        "dataplane: ambient does not fit mesh=managed: the managed control plane serves sidecars; Google's"
        " sidecarless mesh is GKE's ambient networking, another product; allowed with mesh=managed: dataplane=sidecar",
    ),
    (
        ("jaeger=true",),
        "jaeger: true does not fit mesh=managed: its traces go to the mesh config's `jaeger` extension provider, which"
        " the stack sets through istiod's chart, and the managed mesh installs no istiod; allowed with mesh=managed:"
        " jaeger=false",
    ),
    (
        ("authorization=true",),
        "authorization: true does not fit mesh=managed: its policies name principals in Istio's trust domain"
        " cluster.local, and the managed mesh's identities are in the project's workload pool"
        " (PROJECT_ID.svc.id.goog); allowed with mesh=managed: authorization=false",
    ),
    (
        ("helmValues.istiod.pilot.env.X=1",),
        "helmValues: no release 'istiod' with mesh=managed, where Google runs the control plane; allowed with"
        " mesh=managed: an object of release name (istio-ingressgateway, istio-egressgateway, prometheus, grafana,"
        " kiali) to an object of Helm values",
    ),
    (("mesh=Managed",), "mesh: unknown value 'Managed'; allowed: istio, managed"),
]


@pytest.mark.parametrize(("assignments", "message"), REFUSED, ids=[case[0][0] for case in REFUSED])
def test_what_the_managed_mesh_does_not_support_is_refused_in_one_line_before_anything(
    assignments, message, tmp_path, capsys
):
    out = tmp_path / "out"
    pairs = ("mesh=managed", "jaeger=false", *assignments)
    status = render.main([*(arg for pair in pairs for arg in ("--set", pair)), "--out", str(out)])
    captured = capsys.readouterr()
    assert (status, captured.err, captured.out) == (2, f"error: {message}\n", "")
    assert not out.exists()


def test_mtls_strict_is_the_same_mesh_wide_peer_authentication():
    strict = rendered((*MANAGED, "mtlsMode=STRICT"))
    policy = manifest(strict, "PeerAuthentication", "default", "istio-system")
    assert policy["spec"] == {"mtls": {"mode": "STRICT"}}


def test_a_cluster_in_a_fleet_is_replaced_old_one_first_when_its_registration_changes():
    """Switching a running stack to mesh=managed replaces its cluster rather than run both control planes in it."""
    options = fleet_options(True)
    assert (options.replace_on_changes, options.delete_before_replace) == (["fleet"], True)
    assert (fleet_options(False).replace_on_changes, fleet_options(False).delete_before_replace) == (None, None)
