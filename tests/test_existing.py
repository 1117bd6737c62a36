"""target=existing: the same Kubernetes objects on a cluster the stack did not create, through one named context."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from model.kubeconfig import kubeconfig_files, missing_context
from model.versions import mirrored
from tests.conftest import rendered
from tests.expected_scenarios import PRESET_WARNINGS
from tests.plan import K8S_PROVIDER, RELEASE, resource, resources
from tests.test_presets import STACKS
from tools import render as render_tool
from tools.preview.rendering import render
from tools.preview.stack_config import ROOT

EXISTING = ("target=existing", "kubeContext=kind-istio")
PROVIDER_URN = (
    "urn:pulumi:dev::istio-demo::istio-demo:existing:ExistingCluster$pulumi:providers:kubernetes::cluster-k8s"
)


def existing(*overrides: str):
    return rendered((*EXISTING, *overrides))


def without_platform_and_ingress_type(releases: list[dict]) -> dict[str, dict]:
    """Release inputs by name, less the two values that differ between the targets."""
    result = {}
    for release in releases:
        inputs = {**release["inputs"], "values": dict(release["inputs"]["values"])}
        values = inputs["values"]
        if inputs["name"] == "istiod":
            values.pop("global", None)
        if inputs["name"] == "istio-ingressgateway":
            values["service"] = {**values["service"], "type": None}
        result[inputs["name"]] = inputs
    return result


def test_existing_plan_declares_no_gcp_resource_and_no_gcp_provider():
    types = {r["type"] for r in existing().plan["resources"]}
    assert {t for t in types if t.startswith("gcp:") or t == "pulumi:providers:gcp"} == set()
    assert "istio-demo:gke:GkeCluster" not in types


def test_the_one_provider_is_built_from_the_named_context():
    providers = resources(existing(), K8S_PROVIDER)
    assert [(p["urn"], p["inputs"]) for p in providers] == [
        (PROVIDER_URN, {"context": "kind-istio", "clusterIdentifier": "kind-istio"})
    ]
    with_file = resource(existing("kubeconfig=/home/me/.kube/kind"), K8S_PROVIDER, "cluster-k8s")
    assert with_file["inputs"] == {
        "kubeconfig": "/home/me/.kube/kind",
        "context": "kind-istio",
        "clusterIdentifier": "kind-istio",
    }


def test_every_kubernetes_resource_uses_the_existing_clusters_provider():
    for item in existing().plan["resources"]:
        if item["type"].startswith("kubernetes:"):
            assert item["provider"] == PROVIDER_URN, item["name"]


def test_kubernetes_objects_equal_the_gke_plans(default):
    assert existing().manifests == default.manifests
    assert without_platform_and_ingress_type(resources(existing(), RELEASE)) == without_platform_and_ingress_type(
        resources(default, RELEASE)
    )


@pytest.mark.parametrize(
    ("overrides", "platform", "service_type"),
    [
        ((), None, "NodePort"),
        (("platform=minikube",), "minikube", "NodePort"),
        (("platform=k3d", "ingressServiceType=LoadBalancer"), "k3d", "LoadBalancer"),
        (("ingressServiceType=ClusterIP",), None, "ClusterIP"),
    ],
)
def test_platform_and_ingress_service_type_per_target(overrides, platform, service_type):
    plan = existing(*overrides)
    assert resource(plan, RELEASE, "istiod")["inputs"]["values"].get("global", {}).get("platform") == platform
    assert resource(plan, RELEASE, "istio-ingressgateway")["inputs"]["values"]["service"]["type"] == service_type


def test_gke_keeps_its_platform_and_load_balancer(default):
    assert resource(default, RELEASE, "istiod")["inputs"]["values"]["global"] == {"platform": "gke"}
    assert resource(default, RELEASE, "istio-ingressgateway")["inputs"]["values"]["service"]["type"] == "LoadBalancer"
    assert (
        resource(rendered(("ingressServiceType=NodePort",)), RELEASE, "istio-ingressgateway")["inputs"]["values"][
            "service"
        ]["type"]
        == "NodePort"
    )


def test_without_a_load_balancer_the_outputs_say_how_to_port_forward():
    outputs = existing().plan["outputs"]
    assert outputs["productpagePortForward"] == (
        "kubectl --context kind-istio -n istio-system port-forward svc/istio-ingressgateway 8080:80"
    )
    assert outputs["productpageUrl"] == "http://localhost:8080/productpage"
    assert "ingressIp" not in outputs and "kubeconfig" not in outputs
    assert [r for r in existing().plan["resources"] if r.get("read")] == []


def test_the_port_forward_command_uses_the_stacks_own_kubeconfig_file():
    outputs = existing("kubeconfig=/home/me/my clusters/config").plan["outputs"]
    assert outputs["productpagePortForward"] == (
        "kubectl --kubeconfig '/home/me/my clusters/config' --context kind-istio -n istio-system port-forward"
        " svc/istio-ingressgateway 8080:80"
    )


def test_behind_a_load_balancer_the_outputs_give_its_address():
    outputs = existing("ingressServiceType=LoadBalancer").plan["outputs"]
    assert outputs["productpageUrl"] == "http://203.0.113.10/productpage"
    assert "productpagePortForward" not in outputs


def test_capacity_reports_the_requests_and_an_unknown_allocatable(default):
    capacity = existing().plan["outputs"]["capacity"]
    assert capacity == {
        "requested": {"cpu": "410m", "memory": "2260Mi"},
        "allocatable": "unknown on an existing cluster (compare with `kubectl describe nodes`)",
    }
    assert "fits" not in capacity


@pytest.mark.parametrize(
    ("overrides", "warnings"),
    [
        (
            ("nodeCount=3", "spotNodes=true"),
            [
                "nodeCount: ignored, target=existing does not use it (it applies to target=gke)",
                "spotNodes: ignored, target=existing does not use it (it applies to target=gke)",
            ],
        ),
        (("gcp:zone=europe-west4-b",), []),
    ],
)
def test_gke_only_keys_are_ignored_with_a_warning_on_an_existing_cluster(overrides, warnings):
    assert existing(*overrides).warnings == warnings


def test_existing_only_keys_are_ignored_with_a_warning_on_gke():
    assert rendered(("kubeContext=kind-istio",)).warnings == [
        "kubeContext: ignored, target=gke does not use it (it applies to target=existing)"
    ]


@pytest.mark.parametrize(
    ("mirror", "source"),
    [
        (
            "https://charts.example.com/istio/",
            {"chart": "base", "version": "1.30.3", "repositoryOpts": {"repo": "https://charts.example.com/istio"}},
        ),
        (
            "oci://europe-docker.pkg.dev/p/charts",
            {"chart": "oci://europe-docker.pkg.dev/p/charts/base", "version": "1.30.3"},
        ),
        ("/srv/charts", {"chart": "/srv/charts/base-1.30.3.tgz"}),
    ],
)
def test_chart_mirror_serves_every_release(mirror, source):
    plan = existing(f"chartMirror={mirror}")
    base = resource(plan, RELEASE, "istio-base")["inputs"]
    assert {key: base[key] for key in ("chart", "version", "repositoryOpts") if key in base} == source
    for release in resources(plan, RELEASE):
        assert mirror.rstrip("/") in str(release["inputs"]["chart"]) + str(release["inputs"].get("repositoryOpts"))


@pytest.mark.parametrize(
    ("image", "moved"),
    [
        ("docker.io/istio", "mirror.example.com/m/istio"),
        (
            "registry.istio.io/release/examples-bookinfo-details-v1:1.20.3",
            "mirror.example.com/m/release/examples-bookinfo-details-v1:1.20.3",
        ),
        ("localhost:5000/a/b:1", "mirror.example.com/m/a/b:1"),
        ("busybox:1.36", "mirror.example.com/m/busybox:1.36"),
        ("library/busybox", "mirror.example.com/m/library/busybox"),
    ],
)
def test_mirrored_image_keeps_path_and_tag(image, moved):
    assert mirrored(image, "mirror.example.com/m") == moved
    assert mirrored(image, None) == image


def test_image_registry_moves_every_image_the_stack_runs():
    registry = "mirror.example.com/m"
    plan = existing(f"imageRegistry={registry}", "scenario=circuit-breaking")
    for obj in plan.manifests:
        for container in obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            assert container["image"].startswith(f"{registry}/"), container["image"]
    values = {r["inputs"]["name"]: r["inputs"]["values"] for r in resources(plan, RELEASE)}
    assert values["istiod"]["global"]["hub"] == f"{registry}/istio"
    assert values["prometheus"]["server"]["image"]["repository"] == f"{registry}/prom/prometheus"
    assert values["prometheus"]["configmapReload"]["prometheus"]["image"]["repository"] == (
        f"{registry}/prometheus-operator/prometheus-config-reloader"
    )
    assert values["grafana"]["global"] == {"imageRegistry": registry}
    assert values["kiali"]["deployment"]["image_name"] == f"{registry}/kiali/kiali"


@pytest.mark.parametrize("name", sorted(path.stem for path in STACKS.glob("*.yaml")))
def test_presets_render_on_an_existing_cluster(name):
    rendering = rendered(EXISTING, str(STACKS / f"{name}.yaml"))
    assert rendering.plan["outputs"]["scenario"] == name
    assert rendering.warnings == PRESET_WARNINGS.get(name, [])


def test_the_example_kind_stack_needs_no_gcp_setting():
    rendering = render("kind")
    assert "gcp:zone" not in rendering.plan["config"]
    assert resource(rendering, K8S_PROVIDER, "cluster-k8s")["inputs"]["context"] == "kind-istio"
    assert rendering.warnings == []


KUBECONFIG = """apiVersion: v1
kind: Config
contexts:
- name: kind-istio
  context: {cluster: kind-istio, user: kind-istio}
- name: minikube
  context: {cluster: minikube, user: minikube}
"""


@pytest.mark.parametrize(
    ("context", "files", "problem"),
    [
        ("kind-istio", ["config"], None),
        ("kind-isito", ["config"], "'kind-isito' is not a context of {0}/config (it has: kind-istio, minikube)"),
        ("kind-istio", ["missing"], None),  # no file at all: the provider says so itself
        ("kind-istio", ["missing", "config"], None),
        ("other", ["empty"], "'other' is not a context of {0}/empty (it has: none)"),
    ],
)
def test_a_kube_context_the_kubeconfig_does_not_have_is_named_with_the_ones_it_has(context, files, problem, tmp_path):
    (tmp_path / "config").write_text(KUBECONFIG)
    (tmp_path / "empty").write_text("")
    environ = {"KUBECONFIG": os.pathsep.join(str(tmp_path / name) for name in files)}
    expected = None if problem is None else problem.format(tmp_path).replace(f"{tmp_path}/missing, ", "")
    found = missing_context(context, None, environ)
    assert found == (None if problem is None else expected)


def test_the_stacks_kubeconfig_setting_wins_over_kubeconfig_and_home():
    assert kubeconfig_files("~/kind", {"KUBECONFIG": "/a:/b"}) == [Path.home() / "kind"]
    assert kubeconfig_files(None, {"KUBECONFIG": f"/a{os.pathsep}/b"}) == [Path("/a"), Path("/b")]
    assert kubeconfig_files(None, {"HOME": "/home/me"}) == [Path("/home/me/.kube/config")]


def test_a_kube_context_missing_from_the_stacks_kubeconfig_is_refused_before_anything_is_declared(tmp_path, capsys):
    (tmp_path / "config").write_text(KUBECONFIG)
    arguments = ["--set", "target=existing", "--set", "kubeContext=nowhere", "--set", f"kubeconfig={tmp_path}/config"]
    status = render_tool.main([*arguments, "--out", str(tmp_path / "out")])
    assert status == 2
    assert capsys.readouterr().err.startswith(
        f"error: kubeContext: 'nowhere' is not a context of {tmp_path}/config (it has: kind-istio, minikube); "
        "set kubeContext to one of them, or kubeconfig to the file that has it"
    )
    assert not (tmp_path / "out").exists()


# Loaded on the first attribute read of a gcp module (pulumi_gcp's modules are lazy): about 1 s on 2 cores, once per
# evaluation, twice per `pulumi up`.
GCP_SUBMODULE = "pulumi_gcp.container._inputs"
LOADED_GCP = """
import sys
from tools.preview.rendering import render
render("dev", None, tuple(sys.argv[1:]))
print(" ".join(sorted(name for name in sys.modules if name.count(".") > 1 and name.startswith("pulumi_gcp."))))
"""


@pytest.mark.parametrize(("overrides", "loaded"), [(EXISTING, ""), ((), GCP_SUBMODULE)], ids=["existing", "gke"])
def test_an_existing_cluster_stack_loads_none_of_pulumi_gcps_modules(overrides, loaded):
    """The program reads no gcp type unless it declares a GKE cluster: importing it loads no gcp module's contents."""
    environment = {**os.environ, "HOME": str(ROOT / "tests" / "data" / "no-home")}
    environment.pop("KUBECONFIG", None)
    command = [sys.executable, "-c", LOADED_GCP, *overrides]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env=environment)
    assert (loaded in done.stdout.split()) if loaded else done.stdout.strip() == ""
