"""The observability add-ons: Prometheus, Grafana, Kiali and Jaeger in istio-system, wired together as the demo setup."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml
from pulumi.runtime import mocks

from model.capacity import mebibytes, millicores
from tests.conftest import rendered
from tests.plan import DEPLOYMENT, RELEASE, manifest, resource, urn_of
from tools.preview.offline import SECRET, SyntheticCloud, synthetic_password
from tools.preview.schemas import violations

ADDONS = "istio-demo:addons:ObservabilityAddons"
SECRET_TYPE = "kubernetes:core/v1:Secret"
PASSWORD_TYPE = "random:index/randomPassword:RandomPassword"
SERVICE = "kubernetes:core/v1:Service"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
TELEMETRY = "kubernetes:telemetry.istio.io/v1:Telemetry"
JAEGER = "istio-demo:jaeger:Jaeger"
NO_SIDECAR = {"sidecar.istio.io/inject": "false"}


def addon_resources(rendering) -> list[dict]:
    """Every resource of the add-ons component, those of its Jaeger component included."""
    parents = {urn_of(rendering, ADDONS, "addons")}
    parents |= {r["urn"] for r in rendering.plan["resources"] if r["type"] == JAEGER and r["parent"] in parents}
    return [r for r in rendering.plan["resources"] if r["parent"] in parents]


def values(rendering, release: str) -> dict:
    return resource(rendering, RELEASE, release)["inputs"]["values"]


# --- Helm releases: chart, version, repository, namespace, dependencies -------------------------------

RELEASES = [
    ("prometheus", "prometheus", "28.13.0", "https://prometheus-community.github.io/helm-charts"),
    ("grafana", "grafana", "9.2.2", "https://grafana.github.io/helm-charts"),
    ("kiali", "kiali-server", "2.26.0", "https://kiali.org/helm-charts"),
]


@pytest.mark.parametrize(("release", "chart", "version", "repository"), RELEASES, ids=[r[0] for r in RELEASES])
def test_release_installs_the_pinned_chart_in_istio_system(default, release, chart, version, repository):
    inputs = resource(default, RELEASE, release)["inputs"]
    assert (inputs["name"], inputs["chart"], inputs["version"], inputs["repositoryOpts"]) == (
        release,
        chart,
        version,
        {"repo": repository},
    )
    assert inputs["namespace"] == "istio-system"
    assert (inputs["cleanupOnFail"], inputs["timeout"]) == (True, 600)


# No add-on waits for another: none needs another to become ready (docs/benchmarks.md, the first up).
DEPENDENCIES = [
    ("prometheus", [("kubernetes:core/v1:Namespace", "istio-system")]),
    ("grafana", [(SECRET_TYPE, "addons-istio-system-grafana-admin")]),
    ("kiali", [(RELEASE, "istiod")]),
]


@pytest.mark.parametrize(("release", "after"), DEPENDENCIES, ids=[d[0] for d in DEPENDENCIES])
def test_release_waits_only_for_what_it_cannot_start_without(default, release, after):
    assert resource(default, RELEASE, release)["dependsOn"] == sorted(urn_of(default, *dep) for dep in after)


# What each add-on declares (type, logical name).
PROMETHEUS_SET = {(RELEASE, "addons-prometheus")}
GRAFANA_SET = {
    (RELEASE, "addons-grafana"),
    (SECRET_TYPE, "addons-istio-system-grafana-admin"),
    (PASSWORD_TYPE, "addons-grafana-admin-password"),
}
KIALI_SET = {(RELEASE, "addons-kiali")}
JAEGER_SET = {
    (JAEGER, "addons-jaeger"),
    (CONFIG_MAP, "addons-jaeger-istio-system-jaeger"),
    (DEPLOYMENT, "addons-jaeger-istio-system-jaeger"),
    (SERVICE, "addons-jaeger-istio-system-tracing"),
    (SERVICE, "addons-jaeger-istio-system-zipkin"),
    (SERVICE, "addons-jaeger-istio-system-jaeger-collector"),
    (TELEMETRY, "addons-jaeger-telemetry-istio-system-mesh-default"),
}


def test_every_addon_resource_is_a_child_of_the_component_using_the_cluster_provider(default):
    provider = urn_of(default, "pulumi:providers:kubernetes", "gke-k8s")
    children = addon_resources(default)
    assert {(r["type"], r["name"]) for r in children} == PROMETHEUS_SET | GRAFANA_SET | KIALI_SET | JAEGER_SET
    assert {r["provider"] for r in children if r["type"] not in (PASSWORD_TYPE, JAEGER)} == {provider}


# --- The values that wire the add-ons together --------------------------------------------------------

RESOURCES = {
    "prometheus": {"requests": {"cpu": "50m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "1Gi"}},
    "reloader": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
    "grafana": {"requests": {"cpu": "20m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}},
    "kiali": {"requests": {"cpu": "10m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "1Gi"}},
}


def test_prometheus_is_the_server_alone_scraping_the_mesh_as_istio_sets_it_up(default):
    assert values(default, "prometheus") == {
        "alertmanager": {"enabled": False},
        "prometheus-pushgateway": {"enabled": False},
        "kube-state-metrics": {"enabled": False},
        "prometheus-node-exporter": {"enabled": False},
        "server": {
            "fullnameOverride": "prometheus",
            "podLabels": NO_SIDECAR,
            "persistentVolume": {"enabled": False},
            "service": {"servicePort": 9090},
            "readinessProbeInitialDelay": 0,
            "global": {"scrape_interval": "15s"},
            "image": {"repository": "docker.io/prom/prometheus"},
            "resources": RESOURCES["prometheus"],
        },
        "configmapReload": {
            "prometheus": {
                "image": {"repository": "ghcr.io/prometheus-operator/prometheus-config-reloader"},
                "resources": RESOURCES["reloader"],
            }
        },
    }


def test_grafana_reads_prometheus_shows_istio_dashboards_and_has_no_anonymous_admin(default):
    istio = "https://raw.githubusercontent.com/istio/istio/1.30.3/manifests/addons/dashboards"
    assert values(default, "grafana") == {
        "rbac": {"create": False, "pspEnabled": False},
        "testFramework": {"enabled": False},
        "podLabels": NO_SIDECAR,
        "admin": {"existingSecret": "grafana-admin", "userKey": "admin-user", "passwordKey": "admin-password"},
        "grafana.ini": {"auth.anonymous": {"enabled": False}},
        "service": {"port": 3000},
        "resources": RESOURCES["grafana"],
        "datasources": {
            "datasources.yaml": {
                "apiVersion": 1,
                "datasources": [
                    {
                        "name": "Prometheus",
                        "type": "prometheus",
                        "orgId": 1,
                        "url": "http://prometheus.istio-system:9090",
                        "access": "proxy",
                        "isDefault": True,
                        "jsonData": {"timeInterval": "15s"},
                        "editable": True,
                    }
                ],
            }
        },
        "dashboardProviders": {
            "dashboardproviders.yaml": {
                "apiVersion": 1,
                "providers": [
                    {
                        "name": "istio",
                        "orgId": 1,
                        "folder": "istio",
                        "type": "file",
                        "disableDeletion": False,
                        "options": {"path": "/var/lib/grafana/dashboards/istio"},
                    }
                ],
            }
        },
        "dashboards": {
            "istio": {
                "istio-mesh": {"url": f"{istio}/istio-mesh-dashboard.gen.json"},
                "istio-service": {"url": f"{istio}/istio-service-dashboard.json"},
                "istio-workload": {"url": f"{istio}/istio-workload-dashboard.json"},
                "istio-control-plane": {"url": f"{istio}/pilot-dashboard.gen.json"},
                "istio-performance": {"url": f"{istio}/istio-performance-dashboard.json"},
                "istio-extension": {"url": f"{istio}/istio-extension-dashboard.json"},
                "istio-ztunnel": {"url": f"{istio}/ztunnel-dashboard.gen.json"},
            }
        },
    }


def test_grafanas_dashboards_are_istios_files_at_its_release_tag_and_fail_visibly(default):
    """Each dashboard by URL at tag 1.30.3, with nothing that would pipe the download (a silent empty file)."""
    dashboards = values(default, "grafana")["dashboards"]["istio"]
    for dashboard in dashboards.values():
        assert set(dashboard) == {"url"}
        assert dashboard["url"].startswith(
            "https://raw.githubusercontent.com/istio/istio/1.30.3/manifests/addons/dashboards/"
        )


GRAFANA_LINK = {
    "enabled": True,
    "internal_url": "http://grafana.istio-system:3000",
    "external_url": "http://localhost:3000",
    "auth": {
        "type": "basic",
        "username": "secret:grafana-admin:admin-user",
        "password": "secret:grafana-admin:admin-password",
    },
}
JAEGER_LINK = {
    "enabled": True,
    "provider": "jaeger",
    "internal_url": "http://tracing.istio-system:16685/jaeger",
    "use_grpc": True,
    "external_url": "http://localhost:16686/jaeger",
}
KIALI_LINKS = [
    ((), GRAFANA_LINK, JAEGER_LINK),
    (("grafana=false",), {"enabled": False}, JAEGER_LINK),
    (("jaeger=false",), GRAFANA_LINK, {"enabled": False}),
    (("grafana=false", "jaeger=false"), {"enabled": False}, {"enabled": False}),
]


@pytest.mark.parametrize(
    ("overrides", "grafana", "tracing"), KIALI_LINKS, ids=[" ".join(k[0]) or "all" for k in KIALI_LINKS]
)
def test_kiali_asks_for_a_token_and_links_prometheus_grafana_and_jaeger_when_installed(overrides, grafana, tracing):
    assert values(rendered(overrides), "kiali") == {
        "auth": {"strategy": "token"},
        "deployment": {
            "pod_labels": NO_SIDECAR,
            "ingress": {"enabled": False},
            "image_pull_policy": "IfNotPresent",
            "network_policy": {"enabled": False},
            "resources": RESOURCES["kiali"],
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        },
        "external_services": {
            "prometheus": {"url": "http://prometheus.istio-system:9090"},
            "grafana": grafana,
            "tracing": tracing,
        },
    }


# --- Grafana's admin password: generated once, a secret everywhere --------------------------------------


def test_grafana_admin_credentials_are_a_secret_the_chart_reads(default):
    secret = manifest(default, "Secret", "grafana-admin", "istio-system")
    assert secret == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "grafana-admin", "namespace": "istio-system", "labels": {"app": "grafana"}},
        "type": "Opaque",
        "stringData": {"admin-user": SECRET, "admin-password": SECRET},
    }
    assert resource(default, SECRET_TYPE, "addons-istio-system-grafana-admin")["dependsOn"] == sorted(
        [
            urn_of(default, PASSWORD_TYPE, "addons-grafana-admin-password"),
            urn_of(default, "kubernetes:core/v1:Namespace", "istio-system"),
        ]
    )
    assert resource(default, PASSWORD_TYPE, "addons-grafana-admin-password")["inputs"] == {
        "length": 24,
        "special": False,
    }


def test_the_mocks_synthesise_the_password_deterministically():
    """Same name, same password in every run (so plans are identical); the length asked for is honoured."""

    def password(name: str) -> str:
        args = mocks.MockResourceArgs(PASSWORD_TYPE, name, {"length": 24})
        return SyntheticCloud().new_resource(args)[1]["result"]

    assert password("grafana-admin-password") == password("grafana-admin-password")
    assert password("grafana-admin-password") != password("another-password")
    assert len(password("grafana-admin-password")) == 24


def test_the_password_never_appears_in_plain_text(default):
    password = synthetic_password("addons-grafana-admin-password", 24)
    assert default.plan["outputs"]["grafanaAdminPassword"] == SECRET
    assert password not in json.dumps(default.plan)
    assert password not in yaml.safe_dump_all(default.manifests)


# --- Jaeger, as samples/addons/jaeger.yaml, and the Telemetry that traces to it -----------------------


def upstream_jaeger(upstream) -> dict[tuple[str, str], dict]:
    documents = yaml.safe_load_all((upstream / "samples" / "addons" / "jaeger.yaml").read_text())
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in documents if doc}


def test_jaeger_runs_istios_all_in_one_configuration(default, upstream):
    ours = manifest(default, "ConfigMap", "jaeger", "istio-system")
    theirs = upstream_jaeger(upstream)["ConfigMap", "jaeger"]
    assert yaml.safe_load(ours["data"]["config.yaml"]) == yaml.safe_load(theirs["data"]["config.yaml"])
    assert ours["metadata"]["labels"] == {"app": "jaeger"}


def test_jaeger_deployment_is_the_upstream_pod_without_sidecar_rolled_on_config_change(default):
    config = manifest(default, "ConfigMap", "jaeger", "istio-system")["data"]["config.yaml"]
    health = {"httpGet": {"path": "/status", "port": 13133}}
    assert manifest(default, "Deployment", "jaeger", "istio-system")["spec"] == {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "jaeger"}},
        "template": {
            "metadata": {
                "labels": {"app": "jaeger", **NO_SIDECAR},
                "annotations": {
                    "prometheus.io/scrape": "true",
                    "prometheus.io/port": "8888",
                    "checksum/config": hashlib.sha256(config.encode()).hexdigest(),
                },
            },
            "spec": {
                "containers": [
                    {
                        "name": "jaeger",
                        "image": "docker.io/jaegertracing/jaeger:2.14.0",
                        "imagePullPolicy": "IfNotPresent",
                        "args": ["--config", "/jaeger-configuration/config.yaml"],
                        "livenessProbe": health,
                        "readinessProbe": health,
                        "volumeMounts": [
                            {"name": "data", "mountPath": "/badger"},
                            {"name": "jaeger-configuration", "mountPath": "/jaeger-configuration"},
                        ],
                        "resources": {
                            "requests": {"cpu": "10m", "memory": "128Mi"},
                            "limits": {"cpu": "500m", "memory": "1Gi"},
                        },
                        "securityContext": {
                            "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]},
                            "readOnlyRootFilesystem": True,
                        },
                    }
                ],
                "automountServiceAccountToken": False,
                "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                "volumes": [
                    {"name": "data", "emptyDir": {}},
                    {"name": "jaeger-configuration", "configMap": {"name": "jaeger"}},
                ],
            },
        },
    }


def test_jaeger_deployment_waits_for_its_namespace_and_config(default):
    assert resource(default, DEPLOYMENT, "addons-jaeger-istio-system-jaeger")["dependsOn"] == sorted(
        [
            urn_of(default, CONFIG_MAP, "addons-jaeger-istio-system-jaeger"),
            urn_of(default, "kubernetes:core/v1:Namespace", "istio-system"),
        ]
    )


def ports(service: dict) -> list[tuple[str, int, int]]:
    return [(p["name"], p["port"], p.get("targetPort", p["port"])) for p in service["spec"]["ports"]]


@pytest.mark.parametrize("name", ["tracing", "zipkin", "jaeger-collector"])
def test_jaeger_services_match_upstream(default, upstream, name):
    ours = manifest(default, "Service", name, "istio-system")
    theirs = upstream_jaeger(upstream)["Service", name]
    assert ports(ours) == ports(theirs)
    assert {p["protocol"] for p in ours["spec"]["ports"]} == {"TCP"}
    assert ours["metadata"]["labels"] == theirs["metadata"]["labels"]
    assert (ours["spec"]["type"], ours["spec"]["selector"]) == ("ClusterIP", {"app": "jaeger"})


def test_collector_takes_otlp_where_the_demo_profiles_jaeger_provider_sends_it(default, upstream):
    demo = yaml.safe_load((upstream / "manifests" / "helm-profiles" / "demo.yaml").read_text())
    provider = next(p for p in demo["meshConfig"]["extensionProviders"] if p["name"] == "jaeger")
    collector = manifest(default, "Service", "jaeger-collector", "istio-system")
    assert provider["opentelemetry"] == {"port": 4317, "service": "jaeger-collector.istio-system.svc.cluster.local"}
    assert ("grpc-otel", 4317, 4317) in ports(collector)


def test_telemetry_traces_every_request_to_jaeger(default):
    assert manifest(default, "Telemetry", "mesh-default", "istio-system") == {
        "apiVersion": "telemetry.istio.io/v1",
        "kind": "Telemetry",
        "metadata": {"name": "mesh-default", "namespace": "istio-system"},
        "spec": {"tracing": [{"providers": [{"name": "jaeger"}], "randomSamplingPercentage": 100}]},
    }
    collector_and_istiod = [
        (SERVICE, f"addons-jaeger-istio-system-{s}") for s in ("tracing", "zipkin", "jaeger-collector")
    ]
    assert resource(default, TELEMETRY, "addons-jaeger-telemetry-istio-system-mesh-default")["dependsOn"] == sorted(
        urn_of(default, *dep) for dep in [*collector_and_istiod, (RELEASE, "istiod")]
    )


def test_every_addon_object_is_schema_valid(default):
    objects = [r["inputs"] for r in addon_resources(default) if r["type"] not in (RELEASE, PASSWORD_TYPE, JAEGER)]
    assert len(objects) == 7
    assert {obj["kind"] + "/" + obj["metadata"]["name"]: violations(obj) for obj in objects} == {
        obj["kind"] + "/" + obj["metadata"]["name"]: [] for obj in objects
    }


# --- Toggles ------------------------------------------------------------------------------------------

TOGGLES = [
    (("kiali=false",), KIALI_SET, {"prometheus", "grafana", "jaeger"}),
    (("grafana=false",), GRAFANA_SET, {"prometheus", "kiali", "jaeger"}),
    (("jaeger=false",), JAEGER_SET, {"prometheus", "grafana", "kiali"}),
    (("kiali=false", "grafana=false", "prometheus=false"), PROMETHEUS_SET | GRAFANA_SET | KIALI_SET, {"jaeger"}),
    (
        ("kiali=false", "grafana=false", "prometheus=false", "jaeger=false"),
        PROMETHEUS_SET | GRAFANA_SET | KIALI_SET | JAEGER_SET,
        set(),
    ),
]


def every_resource(rendering) -> set[tuple[str, str]]:
    return {(r["type"], r["name"]) for r in rendering.plan["resources"]}


@pytest.mark.parametrize(("overrides", "removed", "dashboards"), TOGGLES, ids=[" ".join(t[0]) for t in TOGGLES])
def test_turning_an_addon_off_removes_exactly_its_resources_and_dashboard(default, overrides, removed, dashboards):
    toggled = rendered(overrides)
    assert every_resource(default) - every_resource(toggled) == removed
    assert every_resource(toggled) <= every_resource(default)
    assert set(toggled.plan["outputs"]["dashboards"]) == dashboards
    assert ("grafanaAdminPassword" in toggled.plan["outputs"]) == ("grafana" in dashboards)


def test_turning_kiali_off_leaves_every_other_resource_as_it_was(default):
    toggled = {r["urn"]: r for r in rendered(("kiali=false",)).plan["resources"]}
    unchanged = {r["urn"]: r for r in default.plan["resources"] if r["urn"] in toggled}
    assert unchanged == toggled


# --- Outputs ------------------------------------------------------------------------------------------


def test_each_dashboard_has_its_port_forward_and_url(default):
    assert default.plan["outputs"]["dashboards"] == {
        "prometheus": {
            "portForward": "kubectl -n istio-system port-forward svc/prometheus 9090:9090",
            "url": "http://localhost:9090",
        },
        "grafana": {
            "portForward": "kubectl -n istio-system port-forward svc/grafana 3000:3000",
            "url": "http://localhost:3000",
            "login": "user admin, password from `pulumi stack output --show-secrets grafanaAdminPassword`",
        },
        "kiali": {
            "portForward": "kubectl -n istio-system port-forward svc/kiali 20001:20001",
            "url": "http://localhost:20001/kiali",
            "login": "token from `kubectl -n istio-system create token kiali`",
        },
        "jaeger": {
            "portForward": "kubectl -n istio-system port-forward svc/tracing 16686:80",
            "url": "http://localhost:16686/jaeger",
        },
    }


# --- Capacity -----------------------------------------------------------------------------------------


def requested(rendering) -> tuple[int, int]:
    figures = rendering.plan["outputs"]["capacity"]["requested"]
    return millicores(figures["cpu"]), mebibytes(figures["memory"])


# What each add-on's pods request (millicores, MiB): Prometheus counts its config reloader too.
CAPACITY = [
    (("kiali=false",), (10, 64)),
    (("grafana=false",), (20, 128)),
    (("jaeger=false",), (10, 128)),
    (("kiali=false", "grafana=false", "prometheus=false"), (90, 464)),
    (("kiali=false", "grafana=false", "prometheus=false", "jaeger=false"), (100, 592)),
]


@pytest.mark.parametrize(("overrides", "share"), CAPACITY, ids=[" ".join(c[0]) for c in CAPACITY])
def test_addon_requests_count_in_the_capacity_sum(default, overrides, share):
    with_addon, without = requested(default), requested(rendered(overrides))
    assert (with_addon[0] - without[0], with_addon[1] - without[1]) == share


def test_default_stack_with_every_addon_still_fits_four_n1_standard_1(default):
    """The exact figures are tests/test_capacity.py's; here, that the add-ons leave room."""
    capacity = default.plan["outputs"]["capacity"]
    assert (capacity["machineType"], capacity["fits"]) == ("n1-standard-1", True)
    assert capacity["cpuPercent"] <= 90 and capacity["memoryPercent"] <= 90
