"""The end-to-end rig's own logic, offline: what it compares, predicts and starts (the run itself is `make e2e`)."""

from __future__ import annotations

import io
import tarfile

import pytest
import yaml

from e2e import charts, checks, cluster, upgrade
from e2e.cluster import unmet_conditions
from e2e.engine import Changes
from e2e.run import as_engine, config_of
from model.capacity import SYSTEM_DAEMONSETS, SYSTEM_PER_CLUSTER, allocatable, requested
from tests.conftest import rendered
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
    before, after = rendered(("scenario=round-robin",)), rendered(("scenario=mirroring",))
    expected = checks.expected_changes(before, after)
    assert expected["delete"] == set() and expected["change"] == set()
    assert {urn.split("::")[-1] for urn in expected["create"]} == {
        "samples",
        "samples-mirroring",
        "samples-mirroring-curl",
        "samples-mirroring-httpbin",
        "samples-mirroring-curl-v1",
        "samples-mirroring-httpbin-v1",
        "samples-mirroring-httpbin-v2",
        "scenario-destinationrule-mirroring-httpbin",
        "scenario-virtualservice-mirroring-httpbin",
    }


def test_engine_names_and_configuration():
    assert as_engine("urn:pulumi:dev::istio-demo::a::b") == "urn:pulumi:e2e::istio-demo::a::b"
    assert config_of(("scenario=all-v1", "reviewsWeights=v1=80,v2=20")) == {
        "istio-demo:scenario": "all-v1",
        "istio-demo:reviewsWeights": "v1=80,v2=20",
    }


def test_control_plane_binds_loopback_with_rbac_and_admission_but_no_webhooks():
    configuration = cluster.configuration()
    options = configuration["options"]
    assert (options["bindAddress"], options["kubeAuthorization"], options["kubeAdmission"]) == ("127.0.0.1", True, True)
    assert configuration["componentsPatches"] == [
        {
            "name": "kube-apiserver",
            "extraArgs": [
                {"key": "disable-admission-plugins", "value": "MutatingAdmissionWebhook,ValidatingAdmissionWebhook"}
            ],
        }
    ]
    assert all(options[key].startswith("/") for key in options if key.endswith("Binary"))


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
