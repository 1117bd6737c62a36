"""The observability add-ons of Istio's demo setup, in istio-system: Prometheus, Grafana, Kiali and Jaeger.

Set up as Istio 1.30.3's samples/addons set them up (its manifests/addons values), with two departures
a team running this for real expects: Grafana has no anonymous admin (a generated password, kept in a
Secret) and Kiali asks for a token. Every add-on pod runs without a sidecar and requests little enough
that the default stack fits 4 x n1-standard-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components import helm
from components.declare import Children
from components.jaeger import JAEGER, JAEGER_BASE_PATH, JAEGER_QUERY_GRPC_URL, Jaeger, JaegerArgs
from model.mesh import ISTIO_NAMESPACE
from model.settings import AddonSettings, TargetSettings
from model.versions import (
    GRAFANA_CHART,
    ISTIO_DASHBOARDS_URL,
    KIALI_CHART,
    KIALI_IMAGE,
    PROMETHEUS_CHART,
    PROMETHEUS_CONFIG_RELOADER_IMAGE,
    PROMETHEUS_IMAGE,
    Chart,
    mirrored,
)
from model.workloads import NO_SIDECAR, Scheduled, Size

# Requests near what each add-on uses idle in the demo (upstream sets none but Jaeger's 10m CPU).
PROMETHEUS = Size(cpu="50m", memory="256Mi", cpu_limit="500m", memory_limit="1Gi")
CONFIG_RELOADER = Size(cpu="10m", memory="16Mi", cpu_limit="100m", memory_limit="64Mi")
# Grafana 12 (chart 9.2.2), one Go server with its bundled plugins and a SQLite database: ~100-150 MiB idle,
# more while dashboards query; Grafana documents 512 MB as its minimum.
GRAFANA = Size(cpu="20m", memory="128Mi", cpu_limit="500m", memory_limit="512Mi")
KIALI = Size(cpu="10m", memory="64Mi", cpu_limit="500m", memory_limit="1Gi")

# Where the add-ons reach each other inside the cluster.
PROMETHEUS_PORT = 9090
GRAFANA_PORT = 3000
PROMETHEUS_URL = f"http://prometheus.{ISTIO_NAMESPACE}:{PROMETHEUS_PORT}"
GRAFANA_URL = f"http://grafana.{ISTIO_NAMESPACE}:{GRAFANA_PORT}"


GRAFANA_ADMIN_SECRET = "grafana-admin"
GRAFANA_ADMIN_USER = "admin"
GRAFANA_DATASOURCE = "Prometheus"
GRAFANA_DASHBOARD_FOLDER = "istio"
# Every dashboard file of Istio 1.30.3's manifests/addons/dashboards/, downloaded by the chart's init container.
ISTIO_DASHBOARDS = {
    "istio-mesh": "istio-mesh-dashboard.gen.json",
    "istio-service": "istio-service-dashboard.json",
    "istio-workload": "istio-workload-dashboard.json",
    "istio-control-plane": "pilot-dashboard.gen.json",
    "istio-performance": "istio-performance-dashboard.json",
    "istio-extension": "istio-extension-dashboard.json",
    "istio-ztunnel": "ztunnel-dashboard.gen.json",
}


@dataclass(frozen=True)
class Dashboard:
    """An add-on's web UI, opened on localhost through `kubectl port-forward`."""

    service: str
    service_port: int
    local_port: int
    path: str = ""
    login: str | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.local_port}{self.path}"

    def output(self) -> dict[str, str]:
        """The stack output: the port-forward command, the URL to open, and how to log in if one must."""
        forward = f"kubectl -n {ISTIO_NAMESPACE} port-forward svc/{self.service} {self.local_port}:{self.service_port}"
        result = {"portForward": forward, "url": self.url}
        if self.login:
            result["login"] = self.login
        return result


PROMETHEUS_UI = Dashboard("prometheus", PROMETHEUS_PORT, PROMETHEUS_PORT)
GRAFANA_UI = Dashboard(
    "grafana",
    GRAFANA_PORT,
    GRAFANA_PORT,
    login=f"user {GRAFANA_ADMIN_USER}, password from `pulumi stack output --show-secrets grafanaAdminPassword`",
)
KIALI_UI = Dashboard(
    "kiali", 20001, 20001, path="/kiali", login=f"token from `kubectl -n {ISTIO_NAMESPACE} create token kiali`"
)
JAEGER_UI = Dashboard("tracing", 80, 16686, path=JAEGER_BASE_PATH)


def prometheus_values(image_registry: str | None) -> dict[str, Any]:
    """Istio's values-prometheus.yaml: the server alone, no volume, Service prometheus:9090, 15s scrapes.

    The chart's default scrape configs are the mesh's: its `kubernetes-pods` job follows the
    prometheus.io/* annotations that Istio's metrics merging puts on every injected pod and on istiod.
    """
    return {
        "alertmanager": {"enabled": False},
        "prometheus-pushgateway": {"enabled": False},
        "kube-state-metrics": {"enabled": False},
        "prometheus-node-exporter": {"enabled": False},
        "server": {
            "fullnameOverride": "prometheus",
            "podLabels": NO_SIDECAR,
            "persistentVolume": {"enabled": False},
            "service": {"servicePort": PROMETHEUS_PORT},
            "readinessProbeInitialDelay": 0,
            "global": {"scrape_interval": "15s"},
            "image": {"repository": mirrored(PROMETHEUS_IMAGE, image_registry)},
            "resources": PROMETHEUS.values(),
        },
        "configmapReload": {
            "prometheus": {
                "image": {"repository": mirrored(PROMETHEUS_CONFIG_RELOADER_IMAGE, image_registry)},
                "resources": CONFIG_RELOADER.values(),
            }
        },
    }


def istio_dashboards() -> dict[str, dict[str, Any]]:
    """The chart's `dashboards` entries: each one of Istio's files at its release tag, by URL.

    The chart's download script runs `set -euf` and `curl -skf ... > file`: a failed download fails the init
    container, so Grafana does not start and the release's wait (atomic) fails visibly. No `datasource` entry: it
    would pipe curl through sed without pipefail, and a failed download would silently leave an empty file
    (grafana/helm-charts#200). Istio's dashboards choose their Prometheus through their own `datasource` variable.
    """
    return {name: {"url": f"{ISTIO_DASHBOARDS_URL}/{file}"} for name, file in ISTIO_DASHBOARDS.items()}


def grafana_values(admin_secret: str, image_registry: str | None) -> dict[str, Any]:
    """Istio's values-grafana.yaml with a real login: admin credentials from `admin_secret`, no anonymous access.
    The chart's `global.imageRegistry` moves all of its images (Grafana's and the dashboard downloader's)."""
    return {
        **({"global": {"imageRegistry": image_registry}} if image_registry else {}),
        "rbac": {"create": False, "pspEnabled": False},
        "testFramework": {"enabled": False},
        "podLabels": NO_SIDECAR,
        "admin": {"existingSecret": admin_secret, "userKey": "admin-user", "passwordKey": "admin-password"},
        "grafana.ini": {"auth.anonymous": {"enabled": False}},
        "service": {"port": GRAFANA_PORT},
        "resources": GRAFANA.values(),
        "datasources": {
            "datasources.yaml": {
                "apiVersion": 1,
                "datasources": [
                    {
                        "name": GRAFANA_DATASOURCE,
                        "type": "prometheus",
                        "orgId": 1,
                        "url": PROMETHEUS_URL,
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
                        "name": GRAFANA_DASHBOARD_FOLDER,
                        "orgId": 1,
                        "folder": GRAFANA_DASHBOARD_FOLDER,
                        "type": "file",
                        "disableDeletion": False,
                        "options": {"path": f"/var/lib/grafana/dashboards/{GRAFANA_DASHBOARD_FOLDER}"},
                    }
                ],
            }
        },
        "dashboards": {GRAFANA_DASHBOARD_FOLDER: istio_dashboards()},
    }


KIALI_ROLLOUT = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


def kiali_values(grafana: bool, jaeger: bool, image_registry: str | None) -> dict[str, Any]:
    """Istio's values-kiali.yaml with token login, wired to the in-cluster Prometheus and, when present,
    Grafana and Jaeger (external URLs are the port-forwarded ones, for Kiali's links)."""
    return {
        "auth": {"strategy": "token"},
        "deployment": {
            "pod_labels": NO_SIDECAR,
            "ingress": {"enabled": False},
            "image_pull_policy": "IfNotPresent",
            "network_policy": {"enabled": False},
            "resources": KIALI.values(),
            # The chart's own strategy lets its one pod be unavailable, so Helm's wait (and so the atomic install)
            # would call a Kiali that never becomes ready deployed; a new pod must be ready before the old goes.
            "strategy": KIALI_ROLLOUT,
            **({"image_name": mirrored(KIALI_IMAGE, image_registry)} if image_registry else {}),
        },
        "external_services": {
            "prometheus": {"url": PROMETHEUS_URL},
            "grafana": (
                {
                    "enabled": True,
                    "internal_url": GRAFANA_URL,
                    "external_url": GRAFANA_UI.url,
                    # Grafana has no anonymous access; Kiali reads the admin credentials from their Secret
                    # (the chart mounts `secret:<name>:<key>` references into the pod).
                    "auth": {
                        "type": "basic",
                        "username": f"secret:{GRAFANA_ADMIN_SECRET}:admin-user",
                        "password": f"secret:{GRAFANA_ADMIN_SECRET}:admin-password",
                    },
                }
                if grafana
                else {"enabled": False}
            ),
            "tracing": (
                {
                    "enabled": True,
                    "provider": "jaeger",
                    "internal_url": JAEGER_QUERY_GRPC_URL,
                    "use_grpc": True,
                    "external_url": JAEGER_UI.url,
                }
                if jaeger
                else {"enabled": False}
            ),
        },
    }


@dataclass(frozen=True)
class ObservabilityAddonsArgs:
    settings: AddonSettings
    target: TargetSettings
    istiod: pulumi.Resource
    namespace: k8s.core.v1.Namespace


class ObservabilityAddons(pulumi.ComponentResource):
    """The enabled add-ons, their dashboards' port-forward commands, and what they ask the scheduler for."""

    dashboards: dict[str, dict[str, str]]
    grafana_admin_password: pulumi.Output[str] | None
    scheduled: list[Scheduled]

    def __init__(self, name: str, args: ObservabilityAddonsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:addons:ObservabilityAddons", name, None, opts)
        self._target = args.target
        self._children = Children(self, name)
        registry = args.target.image_registry
        settings = args.settings
        self.dashboards = {}
        self.grafana_admin_password = None
        self.scheduled = []

        # Each release waits only for what it cannot start without: Prometheus for its namespace, Grafana for its
        # admin Secret, Kiali for the control plane (its cache syncs Istio's CRDs before it serves, kiali/kiali#7506,
        # and it reads the mesh from istiod). Grafana and Kiali query Prometheus only when someone opens them, and
        # `up` returns only once every release is ready: an order between the add-ons would only lengthen it.
        if settings.prometheus:
            self._release("prometheus", PROMETHEUS_CHART, prometheus_values(registry), after=[args.namespace])
            self.dashboards["prometheus"] = PROMETHEUS_UI.output()
            self.scheduled += [
                Scheduled("prometheus", PROMETHEUS.cpu, PROMETHEUS.memory),
                Scheduled("prometheus-config-reloader", CONFIG_RELOADER.cpu, CONFIG_RELOADER.memory),
            ]
        if settings.grafana:
            admin = self._grafana_admin(args.namespace)
            self._release("grafana", GRAFANA_CHART, grafana_values(GRAFANA_ADMIN_SECRET, registry), after=[admin])
            self.dashboards["grafana"] = GRAFANA_UI.output()
            self.scheduled.append(Scheduled("grafana", GRAFANA.cpu, GRAFANA.memory))
        if settings.kiali:
            self._release(
                "kiali", KIALI_CHART, kiali_values(settings.grafana, settings.jaeger, registry), after=[args.istiod]
            )
            self.dashboards["kiali"] = KIALI_UI.output()
            self.scheduled.append(Scheduled("kiali", KIALI.cpu, KIALI.memory))
        if settings.jaeger:
            # A new resource (no former name to alias), parent of the objects that were this component's.
            Jaeger(
                self._children.name("jaeger"),
                JaegerArgs(args.namespace, args.istiod, registry, formerly_under=self),
                pulumi.ResourceOptions(parent=self),
            )
            self.dashboards["jaeger"] = JAEGER_UI.output()
            self.scheduled.append(Scheduled("jaeger", JAEGER.cpu, JAEGER.memory))

        self.register_outputs({"dashboards": self.dashboards})

    def _release(
        self, release: str, chart: Chart, values: dict[str, Any], after: list[pulumi.Resource]
    ) -> k8s.helm.v3.Release:
        return helm.release(release, chart, ISTIO_NAMESPACE, values, self._children, after, self._target)

    def _grafana_admin(self, namespace: k8s.core.v1.Namespace) -> k8s.core.v1.Secret:
        """A password generated once and kept in the state, and the Secret the chart reads it from."""
        password = random.RandomPassword(
            **self._children.child("grafana-admin-password"),
            args=random.RandomPasswordArgs(length=24, special=False),
        )
        self.grafana_admin_password = pulumi.Output.secret(password.result)
        return k8s.core.v1.Secret(
            **self._children.child(f"{ISTIO_NAMESPACE}-{GRAFANA_ADMIN_SECRET}", namespace),
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=GRAFANA_ADMIN_SECRET, namespace=ISTIO_NAMESPACE, labels={"app": "grafana"}
            ),
            type="Opaque",
            string_data={"admin-user": GRAFANA_ADMIN_USER, "admin-password": self.grafana_admin_password},
        )
