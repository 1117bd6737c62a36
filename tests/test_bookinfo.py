"""Bookinfo: upstream's objects, plus the requests, limits, probes and hardening upstream lacks; its routing."""

from __future__ import annotations

import pytest
import yaml

from components.declare import SKIP_SERVICE_AWAIT
from model.bookinfo_app import LIBERTY_OUTPUT_DIR
from tests.compare import additions, without_namespace
from tests.plan import kinds, manifest

PROBE = {
    "httpGet": {"path": "/health", "port": 9080},
    "initialDelaySeconds": 5,
    "periodSeconds": 10,
    "timeoutSeconds": 3,
    "failureThreshold": 6,
}
SIZES = {
    "details": ({"cpu": "20m", "memory": "32Mi"}, {"cpu": "200m", "memory": "128Mi"}),
    "ratings": ({"cpu": "20m", "memory": "64Mi"}, {"cpu": "200m", "memory": "256Mi"}),
    "reviews": ({"cpu": "50m", "memory": "256Mi"}, {"cpu": "500m", "memory": "1Gi"}),
    "productpage": ({"cpu": "30m", "memory": "384Mi"}, {"cpu": "300m", "memory": "768Mi"}),
}


def upstream_objects(upstream, relative: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all((upstream / relative).read_text()) if doc]


@pytest.fixture(scope="module")
def upstream_bookinfo(upstream):
    return upstream_objects(upstream, "samples/bookinfo/platform/kube/bookinfo.yaml")


def test_same_objects_as_upstream(default, upstream_bookinfo):
    for kind in ("ServiceAccount", "Service", "Deployment"):
        ours = sorted(kinds(default, kind, "bookinfo"))
        theirs = sorted(doc["metadata"]["name"] for doc in upstream_bookinfo if doc["kind"] == kind)
        assert ours == theirs, kind


def corrected(theirs: dict) -> dict:
    """Upstream's object with the one fact we correct: reviews' output volume is mounted at Open Liberty's
    WLP_OUTPUT_DIR, not at the WebSphere Liberty image's /opt/ibm/wlp/output that upstream's manifest still names."""
    if theirs["kind"] != "Deployment" or theirs["metadata"]["labels"]["app"] != "reviews":
        return theirs
    [container] = theirs["spec"]["template"]["spec"]["containers"]
    mounts = [
        {**mount, "mountPath": LIBERTY_OUTPUT_DIR} if mount["name"] == "wlp-output" else mount
        for mount in container["volumeMounts"]
    ]
    assert mounts != container["volumeMounts"], "upstream mounts wlp-output elsewhere now: drop the correction"
    spec = {**theirs["spec"]["template"]["spec"], "containers": [{**container, "volumeMounts": mounts}]}
    return {**theirs, "spec": {**theirs["spec"], "template": {**theirs["spec"]["template"], "spec": spec}}}


def test_objects_match_upstream_and_add_only_sizes_probes_and_hardening(default, upstream_bookinfo):
    for theirs in map(corrected, upstream_bookinfo):
        ours = manifest(default, theirs["kind"], theirs["metadata"]["name"], "bookinfo")
        added = additions(without_namespace(ours), theirs)
        if theirs["kind"] == "Deployment":
            app = theirs["metadata"]["labels"]["app"]
            container = f"spec.template.spec.containers[{app}]"
            assert added == [
                "spec.template.spec.automountServiceAccountToken",
                "spec.template.spec.securityContext",
                f"{container}.readinessProbe",
                f"{container}.resources",
                f"{container}.securityContext",
            ], theirs["metadata"]["name"]
        elif theirs["kind"] == "Service":
            assert added == ["metadata.annotations"], theirs["metadata"]["name"]
            assert ours["metadata"]["annotations"] == SKIP_SERVICE_AWAIT
        else:
            assert added == [], theirs["metadata"]["name"]


POD_SECURITY = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def container_security(read_only_root: bool) -> dict:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": read_only_root,
    }


# Every image's USER is numeric (details, ratings, productpage 1000; reviews 1001: istio/istio
# samples/bookinfo/src/*/Dockerfile), so runAsNonRoot alone lets the kubelet prove it and no runAsUser is set.
# Reviews' Open Liberty writes into its image at start (see model/bookinfo_app.py) and its output to /opt/ol/wlp/output
# (its WLP_OUTPUT_DIR; upstream mounts the WebSphere image's /opt/ibm/wlp/output), the others only to /tmp.
HARDENING = {
    "details-v1": (True, {}),
    "ratings-v1": (True, {}),
    "reviews-v1": (False, {"tmp": "/tmp", "wlp-output": "/opt/ol/wlp/output"}),
    "reviews-v2": (False, {"tmp": "/tmp", "wlp-output": "/opt/ol/wlp/output"}),
    "reviews-v3": (False, {"tmp": "/tmp", "wlp-output": "/opt/ol/wlp/output"}),
    "productpage-v1": (True, {"tmp": "/tmp"}),
}


@pytest.mark.parametrize("name", sorted(HARDENING))
def test_deployment_hardening(default, name):
    read_only_root, scratch = HARDENING[name]
    pod = manifest(default, "Deployment", name, "bookinfo")["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"] == POD_SECURITY
    assert container["securityContext"] == container_security(read_only_root)
    assert {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])} == scratch
    assert {v["name"]: v for v in pod.get("volumes", [])} == {v: {"name": v, "emptyDir": {}} for v in scratch}


@pytest.mark.parametrize(
    "name", ["details-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3", "productpage-v1"]
)
def test_deployment_sizes_and_probes(default, name):
    container = manifest(default, "Deployment", name, "bookinfo")["spec"]["template"]["spec"]["containers"][0]
    requests, limits = SIZES[name.split("-")[0]]
    assert container["resources"] == {"requests": requests, "limits": limits}
    assert container["readinessProbe"] == PROBE


def test_namespace_has_sidecar_injection(default):
    assert manifest(default, "Namespace", "bookinfo")["metadata"]["labels"] == {"istio-injection": "enabled"}


def test_gateway_and_virtual_service_are_upstreams(default, upstream):
    for theirs in upstream_objects(upstream, "samples/bookinfo/networking/bookinfo-gateway.yaml"):
        ours = manifest(default, theirs["kind"], theirs["metadata"]["name"], "bookinfo")
        assert ours["apiVersion"] == theirs["apiVersion"] == "networking.istio.io/v1"
        assert ours["spec"] == theirs["spec"]


def test_destination_rules_name_a_subset_for_every_deployed_version(default):
    rules = kinds(default, "DestinationRule", "bookinfo")
    assert {name: rule["spec"] for name, rule in rules.items()} == {
        "productpage": {"host": "productpage", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]},
        "details": {"host": "details", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]},
        "ratings": {"host": "ratings", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]},
        "reviews": {
            "host": "reviews",
            "subsets": [{"name": v, "labels": {"version": v}} for v in ("v1", "v2", "v3")],
        },
    }


def test_round_robin_leaves_reviews_without_a_route(default):
    routed_hosts = [
        host for obj in default.manifests if obj["kind"] == "VirtualService" for host in obj["spec"]["hosts"]
    ]
    assert routed_hosts == ["*"]
    assert default.plan["outputs"]["routing"] == ["reviews: no route rule -> round robin over v1, v2, v3"]
