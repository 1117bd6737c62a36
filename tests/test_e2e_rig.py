"""The end-to-end rig's own logic, offline: what it compares, predicts and starts (the run itself is `make e2e`)."""

from __future__ import annotations

import io
import tarfile
from types import SimpleNamespace

import pytest
import yaml

from e2e import charts, checks, cluster, istiod, mesh_checks, readme, upgrade
from e2e.cluster import unmet_conditions
from e2e.engine import DEFAULT_PROVIDER, Changes
from e2e.run import WITHOUT_ADDONS, as_engine, config_of, run_configs
from e2e.stages import ISTIOD_SERVING, NOT_ISTIOD, with_istiod
from model.capacity import SYSTEM_DAEMONSETS, SYSTEM_PER_CLUSTER, allocatable, requested
from model.settings import SECOND_CLUSTER_RELEASES
from tests.conftest import rendered
from tools.preview.offline import SECRET
from tools.preview.stack_config import ROOT


@pytest.mark.parametrize(
    ("sent", "live", "problems"),
    [
        ({"a": 1}, {"a": 1, "b": 2}, []),
        ({"a": {"b": "x"}}, {"a": {"b": "y"}}, [".a.b: sent 'x', found 'y'"]),
        ({"a": [1, 2]}, {"a": [1]}, [".a: expected 2 items, found [1]"]),
        ({"a": "1024Mi"}, {"a": "1Gi"}, []),
        ({"cpu": "0.5"}, {"cpu": "500m"}, []),
        ({"a": "10m"}, {"a": "11m"}, [".a: sent '10m', found '11m'"]),
        ({"data": {"k": "[secret]"}}, {"data": {"k": "c2VjcmV0"}}, []),
        ({"a": None}, {}, []),
        ({"a": 1}, {}, [".a: missing"]),
    ],
)
def test_live_objects_hold_what_was_sent(sent, live, problems):
    assert checks.differences(sent, live) == problems


def test_expected_changes_of_a_scenario_switch_are_the_scenarios_objects_only():
    """Its workloads and routes; the samples' namespace was there before and stays after."""
    before, after = rendered(("scenario=round-robin",)), rendered(("scenario=mirroring",))
    expected = checks.expected_changes(before, after)
    assert expected["delete"] == set() and expected["change"] == set()
    assert {urn.split("::")[-1] for urn in expected["create"]} == {
        "samples-mirroring-curl",
        "samples-mirroring-httpbin",
        "samples-mirroring-curl-v1",
        "samples-mirroring-httpbin-v1",
        "samples-mirroring-httpbin-v2",
        "scenario-destinationrule-mirroring-httpbin",
        "scenario-virtualservice-mirroring-httpbin",
    }
    assert checks.expected_changes(after, before) == {"create": set(), "delete": expected["create"], "change": set()}


def test_engine_names_and_configuration():
    assert as_engine("urn:pulumi:dev::istio-demo::a::b") == "urn:pulumi:e2e::istio-demo::a::b"
    assert config_of(("scenario=all-v1", "reviewsWeights=v1=80,v2=20")) == {
        "istio-demo:scenario": "all-v1",
        "istio-demo:reviewsWeights": "v1=80,v2=20",
    }


def test_control_plane_binds_loopback_with_rbac_and_every_admission_plugin():
    configuration = cluster.configuration()
    options = configuration["options"]
    assert (options["bindAddress"], options["kubeAuthorization"], options["kubeAdmission"]) == ("127.0.0.1", True, True)
    assert "componentsPatches" not in configuration  # the webhook plugins stay on: the run's istiod answers them
    assert all(options[key].startswith("/") for key in options if key.endswith("Binary"))


ISTIOD_CONTAINER = {
    "name": "discovery",
    "args": ["discovery", "--monitoringAddr=:15014", "--log_output_level=default:info", "--domain", "cluster.local"],
    "env": [
        {"name": "REVISION", "value": "default"},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "GOMAXPROCS", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
    ],
}


@pytest.mark.parametrize("offset", [0, istiod.SECOND_OFFSET])
def test_the_local_istiod_keeps_the_charts_flags_with_every_listener_on_loopback(offset):
    assert istiod.arguments(ISTIOD_CONTAINER, offset) == [
        "discovery",
        "--log_output_level=default:info",
        "--domain",
        "cluster.local",
        f"--httpAddr=127.0.0.1:{15080 + offset}",
        f"--httpsAddr=127.0.0.1:{15017 + offset}",
        f"--grpcAddr=127.0.0.1:{15010 + offset}",
        f"--secureGRPCAddr=127.0.0.1:{15012 + offset}",
        f"--monitoringAddr=127.0.0.1:{15014 + offset}",
        "--ctrlz_address=127.0.0.1",
        f"--ctrlz_port={9876 + offset}",
    ]


def test_the_local_istiod_gets_the_charts_environment_and_a_certificate_for_localhost(tmp_path):
    assert istiod.environment(ISTIOD_CONTAINER, tmp_path / "kubeconfig") == {
        "REVISION": "default",
        "POD_NAME": istiod.POD_NAME,
        "POD_NAMESPACE": "istio-system",
        "ISTIOD_CUSTOM_HOST": "localhost",
        "KUBECONFIG": str(tmp_path / "kubeconfig"),
        "ENABLE_DEBUG_ENDPOINT_AUTH": "false",
    }


@pytest.mark.parametrize("offset", [0, istiod.SECOND_OFFSET])
def test_the_stack_points_istios_webhooks_at_the_local_istiod(offset):
    url = f"https://localhost:{15017 + offset}"
    assert {
        "istiod": {"istiodRemote": {"injectionURL": f"{url}/inject"}, "base": {"validationURL": f"{url}/validate"}},
        "istio-base": {"base": {"validationURL": f"{url}/validate"}},
    } == istiod.helm_values(offset)
    assert set(istiod.HELM_VALUES) <= set(SECOND_CLUSTER_RELEASES)


# kwok's pod-ready stage as its module writes it, cut to what the run's stages are made from
POD_READY = {
    "metadata": {"name": "pod-ready"},
    "spec": {
        "selector": {"matchExpressions": [{"key": ".status.phase", "operator": "In", "values": ["Pending"]}]},
        "next": {
            "statusTemplate": "conditions: []\ninitContainerStatuses: []\n{{ $hostIPs := NodeIPWith }}\npodIP: x\n"
        },
    },
}


def test_kwok_keeps_istiods_pod_unready_until_the_run_marks_it_serving():
    stages = {
        stage["metadata"]["name"]: stage
        for stage in with_istiod([{"metadata": {"name": "node-initialize"}}, POD_READY])
    }
    assert list(stages) == ["node-initialize", "pod-ready", "istiod-pod-running", "istiod-pod-ready"]
    assert stages["pod-ready"]["spec"]["selector"]["matchExpressions"][-1] == NOT_ISTIOD
    assert stages["istiod-pod-ready"]["spec"]["selector"]["matchAnnotations"] == {ISTIOD_SERVING: "true"}
    running = stages["istiod-pod-running"]["spec"]["next"]["statusTemplate"]
    assert 'status: "False"\n  type: Ready' in running and running.endswith("{{ $hostIPs := NodeIPWith }}\npodIP: x\n")
    assert "podIP" not in stages["istiod-pod-ready"]["spec"]["next"]["statusTemplate"]


def pod(containers: list[dict], init: list[dict] | None = None) -> dict:
    return {"spec": {"containers": containers, "initContainers": init or []}}


@pytest.mark.parametrize(
    ("given", "proxy"),
    [
        (pod([{"name": "app"}, {"name": "istio-proxy", "image": "proxyv2"}]), "proxyv2"),
        (pod([{"name": "app"}], [{"name": "istio-proxy", "image": "native", "restartPolicy": "Always"}]), "native"),
        (pod([{"name": "app"}], [{"name": "istio-init"}]), None),
    ],
)
def test_a_pods_proxy_is_a_container_or_a_native_sidecar(given, proxy):
    found = mesh_checks.proxy_of(given)
    assert (found or {}).get("image") == proxy


def condition(kind: str, status: str) -> dict:
    return {"type": kind, "status": status}


ROUTE = {"kind": "HTTPRoute", "metadata": {"name": "reviews", "namespace": "bookinfo"}}


@pytest.mark.parametrize(
    ("status", "problems"),
    [
        ({}, ["HTTPRoute bookinfo/reviews: no parent status from Istio's controller"]),
        (
            {"parents": [{"parentRef": {"name": "reviews"}, "conditions": [condition("Accepted", "True")]}]},
            ["HTTPRoute bookinfo/reviews: parent reviews ResolvedRefs=None"],
        ),
        (
            {
                "parents": [
                    {
                        "parentRef": {"name": "reviews"},
                        "conditions": [condition("Accepted", "True"), condition("ResolvedRefs", "False")],
                    }
                ]
            },
            ["HTTPRoute bookinfo/reviews: parent reviews ResolvedRefs=False"],
        ),
        (
            {
                "parents": [
                    {
                        "parentRef": {"name": "reviews"},
                        "conditions": [condition("Accepted", "True"), condition("ResolvedRefs", "True")],
                    }
                ]
            },
            [],
        ),
    ],
)
def test_a_route_is_proven_only_by_accepted_and_resolved_parents(status, problems):
    assert mesh_checks.route_problems({**ROUTE, "status": status}) == problems


def test_the_run_configurations_share_one_target_and_the_upgrade_one_is_what_the_earlier_program_knows():
    target = ("target=existing", "helmValues={}", "chartMirror=http://127.0.0.1:1")
    configs = run_configs(target)
    assert configs["all-v1"] == (*target, "scenario=all-v1")
    assert configs["ambient/all-v1+secure"][:6] == (
        *target,
        "dataplane=ambient",
        "platform=none",
        "routingApi=gateway-api",
    )
    assert configs["upgrade"] == (*target, *WITHOUT_ADDONS)
    kind = ("target=existing", "kubeContext=kind-istio", "ingressServiceType=NodePort", "platform=none", *target[1:])
    assert configs["readme/round-robin"] == kind
    assert configs["readme/fault-delay"] == (
        *kind,
        "scenario=fault-delay",
        "user=jason",
        "faultDelay=7s",
        "faultPercentage=100",
        "faultTarget=user",
    )
    assert len(configs) == 14 * 2 * 3 + 2 + 3


def test_simulated_nodes_are_n1_standard_1_after_gkes_reservations():
    node = cluster.node(0)
    assert node["status"]["allocatable"] == {"cpu": "940m", "memory": "2780Mi", "pods": "110"}
    assert allocatable("n1-standard-1") == (940, 2780)
    assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"


def test_gke_system_stand_ins_request_what_capacity_counts():
    """The stand-ins' requests add up to capacity.py's GKE share on four nodes, pod by pod."""
    total_cpu = total_memory = 0
    for obj in cluster.gke_system_objects():
        container = obj["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
        replicas = cluster.NODE_COUNT if obj["kind"] == "DaemonSet" else obj["spec"]["replicas"]
        total_cpu += replicas * int(container["cpu"].removesuffix("m"))
        total_memory += replicas * int(container["memory"].removesuffix("Mi"))
    assert (total_cpu, total_memory) == requested([], cluster.NODE_COUNT)
    assert len(cluster.gke_system_objects()) == len(SYSTEM_DAEMONSETS) + len(SYSTEM_PER_CLUSTER)


def test_packaged_chart_carries_the_pinned_version_and_the_release_hub(tmp_path):
    source = tmp_path / "istiod"
    (source / "templates").mkdir(parents=True)
    (source / "Chart.yaml").write_text("apiVersion: v2\nname: istiod\nversion: 1.0.0\nappVersion: 1.0.0\n")
    (source / "values.yaml").write_text(
        "_internal_defaults_do_not_set:\n  global:\n    hub: registry.istio.io/testing\n    tag: latest\n"
    )
    (source / "templates" / "a.yaml").write_text("kind: ConfigMap\n")
    archive = charts.package(source, "istiod", "1.30.3", tmp_path)
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        chart = yaml.safe_load(tar.extractfile("istiod/Chart.yaml").read())
        values = yaml.safe_load(io.BytesIO(tar.extractfile("istiod/values.yaml").read()))
    assert names == ["istiod/Chart.yaml", "istiod/templates/a.yaml", "istiod/values.yaml"]
    assert (chart["version"], chart["appVersion"]) == ("1.30.3", "1.30.3")
    assert values["_internal_defaults_do_not_set"]["global"] == {"hub": "docker.io/istio", "tag": "1.30.3"}


def test_the_upgrade_check_refuses_replacements_and_deletions_only():
    changes = Changes(create={"urn:new"}, update={"urn:changed"}, delete={"urn:gone"}, replace={"urn:replaced"})
    assert upgrade.kept(changes) == ["replace urn:replaced", "delete urn:gone"]
    assert upgrade.kept(Changes(create={"urn:new-component"})) == []


def test_the_upgrade_check_says_when_the_earlier_commit_is_not_in_the_clone(tmp_path):
    with pytest.raises(upgrade.UpgradeError, match=r"is not in this clone .*a full clone, not a shallow one"):
        upgrade.base_tree(ROOT, "0" * 40, tmp_path / "base")


def test_a_stand_in_that_does_not_run_says_why():
    pod = {
        "status": {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/4 nodes are available",
                }
            ],
        }
    }
    assert unmet_conditions(pod) == "PodScheduled: Unschedulable 0/4 nodes are available"
    assert unmet_conditions({"status": {"phase": "Pending"}}) == "Pending"


@pytest.mark.parametrize("name", sorted(readme.COMMANDS))
def test_the_readme_step_runs_the_commands_the_docs_print(name):
    """Every command of the README step is printed, verbatim, in the file it is said to come from (for the
    workflow, as the pulumi/actions inputs that make it: the policy pack and the diff)."""
    where, command = readme.COMMANDS[name]
    text = (ROOT / where).read_text()
    if where.endswith(".yml") and command.startswith("pulumi preview"):
        assert all(line in text for line in ("command: preview", "policyPacks: policy", "diff: true"))
    else:
        assert command in text


def test_the_readme_stack_gets_only_what_points_it_at_the_run():
    target = ("target=existing", "ingressServiceType=LoadBalancer", "kubeContext=kwok-e2e", 'helmValues={"a":{"b":1}}')
    assert readme.rig_settings(target) == ("kubeContext=kwok-e2e", 'helmValues={"a":{"b":1}}')


@pytest.mark.parametrize(
    ("output", "problems"),
    [
        ("Policy Packs run:\n + reviews\nResources:\n    + 1 to create\n", []),
        (" + reviews\n    + 1 to create\n", ["the preview ran no policy pack"]),
        (
            "Policy Packs run:\n",
            ["the preview does not show urn:a::reviews", "the preview's summary does not say `+ 1 to create`"],
        ),
    ],
)
def test_the_pull_request_preview_is_held_to_the_predicted_changes(output, problems):
    expected = {"create": {"urn:a::reviews"}, "delete": set(), "change": set()}
    assert readme.preview_problems(output, expected) == problems


def test_a_secrets_string_data_is_compared_as_the_api_server_stores_it():
    sent = {"kind": "Secret", "stringData": {"admin-user": "admin", "admin-password": SECRET}, "type": "Opaque"}
    live = {"kind": "Secret", "data": {"admin-user": "YWRtaW4=", "admin-password": "c2VjcmV0"}, "type": "Opaque"}
    assert checks.differences(checks.as_stored(sent), live) == []
    assert checks.differences(checks.as_stored({**sent, "stringData": {"admin-user": "root"}}), live) == [
        ".data.admin-user: sent 'cm9vdA==', found 'YWRtaW4='"
    ]


@pytest.mark.parametrize(
    ("state", "problems"),
    [
        ({"Accepted": "True", "Programmed": "True"}, []),
        ({"Accepted": "True", "Programmed": "False"}, ["Gateway istio-system/bookinfo-gateway: Programmed=False"]),
        (
            {},
            [
                "Gateway istio-system/bookinfo-gateway: Accepted=None",
                "Gateway istio-system/bookinfo-gateway: Programmed=None",
            ],
        ),
    ],
)
def test_a_gateway_is_proven_once_istio_accepted_and_programmed_it(state, problems):
    gateway = {
        "metadata": {"name": "bookinfo-gateway", "namespace": "istio-system"},
        "status": {"conditions": [condition(kind, status) for kind, status in state.items()]},
    }
    assert mesh_checks.gateway_problems(gateway) == problems


@pytest.mark.parametrize(
    ("urn", "default"),
    [
        ("urn:pulumi:e2e::istio-demo::pulumi:providers:random::default_4_21_4", True),
        ("urn:pulumi:e2e::istio-demo::pulumi:providers:random::default", True),
        ("urn:pulumi:e2e::istio-demo::istio-demo:existing:ExistingCluster$pulumi:providers:kubernetes::k8s", False),
    ],
)
def test_the_engines_default_providers_are_not_the_stacks_changes(urn, default):
    assert bool(DEFAULT_PROVIDER.search(urn)) is default


class SlicesOnly:
    """A cluster that holds only the EndpointSlices given."""

    def __init__(self, slices: list[dict]) -> None:
        self.slices = slices

    def get_json(self, *args: str) -> dict:
        assert args == ("endpointslices", "--all-namespaces")
        return {"items": self.slices}


def endpoint_slice(service: str, *ready: bool | None) -> dict:
    labels = {"kubernetes.io/service-name": service}
    endpoints = [{"conditions": {} if r is None else {"ready": r}} for r in ready]
    return {"metadata": {"namespace": "bookinfo", "labels": labels}, "endpoints": endpoints or None}


@pytest.mark.parametrize(
    ("slices", "problems"),
    [
        ([endpoint_slice("reviews", True, False)], []),
        ([endpoint_slice("reviews", False), endpoint_slice("reviews", True)], []),
        ([endpoint_slice("reviews", False, None)], ["Service bookinfo/reviews: no ready endpoint"]),
        ([endpoint_slice("reviews")], ["Service bookinfo/reviews: no ready endpoint"]),
        ([endpoint_slice("ratings", True)], ["Service bookinfo/reviews: no ready endpoint"]),
        ([], ["Service bookinfo/reviews: no ready endpoint"]),
    ],
)
def test_a_service_is_served_once_a_slice_has_a_ready_endpoint(slices, problems):
    reviews = {"kind": "Service", "metadata": {"namespace": "bookinfo", "name": "reviews"}, "spec": {"selector": {}}}
    selected = {**reviews, "spec": {"selector": {"app": "reviews"}}}
    rendering = SimpleNamespace(manifests=[selected, {**reviews, "metadata": {"namespace": "x", "name": "y"}}])
    assert checks.services_without_endpoints(SlicesOnly(slices), rendering) == problems
