"""What the end-to-end run checks of the observability add-ons after an `up`: their charts as the API server holds
them, wired to each other as the stack means, and every pod placed by the scheduler against the capacity output.

No container runs here, so what can be checked is the configuration each add-on would start with: Grafana's data
source and the Istio dashboards its init container downloads, Kiali's links to the other add-ons, Prometheus' scrape
jobs against Istio's own samples/addons. The downloads and the queries themselves are not run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from components.addons import GRAFANA_DATASOURCE, ISTIO_DASHBOARDS, PROMETHEUS_URL
from e2e.checks import quantity
from e2e.cluster import Cluster
from model.mesh import ISTIO_NAMESPACE
from model.versions import ISTIO_DASHBOARDS_URL

DASHBOARDS_IN_SOURCE = Path("manifests") / "addons" / "dashboards"  # in Istio's module, as at its release tag


def config_map(cluster: Cluster, name: str) -> dict[str, str]:
    data: dict[str, str] = cluster.get_json("configmap", name, "-n", ISTIO_NAMESPACE).get("data", {})
    return data


def service_ports(cluster: Cluster) -> dict[str, set[int]]:
    """istio-system's Services by name, with their ports."""
    items = cluster.get_json("services", "-n", ISTIO_NAMESPACE)["items"]
    return {s["metadata"]["name"]: {p["port"] for p in s["spec"].get("ports", [])} for s in items}


def reaches(url: str, services: dict[str, set[int]]) -> bool:
    """Whether an in-cluster URL (`http://service.namespace:port/...`) names a Service of istio-system and its port."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").split(".")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    in_namespace = len(host) == 1 or host[1] == ISTIO_NAMESPACE
    return in_namespace and port in services.get(host[0], set())


def grafana(cluster: Cluster, istio_source: Path) -> list[str]:
    """Grafana's data source is the Prometheus that runs; each Istio dashboard is downloaded from Istio's release into
    the folder the provider reads, and asks for its data through a `prometheus` data source variable."""
    data = config_map(cluster, "grafana")
    problems = []
    sources = yaml.safe_load(data.get("datasources.yaml", "{}")).get("datasources", [])
    default = [s for s in sources if s.get("isDefault")]
    if [(s["name"], s["type"], s["url"]) for s in default] != [(GRAFANA_DATASOURCE, "prometheus", PROMETHEUS_URL)]:
        problems.append(f"grafana: default data source {default}, not {GRAFANA_DATASOURCE} at {PROMETHEUS_URL}")
    if not reaches(PROMETHEUS_URL, service_ports(cluster)):
        problems.append(f"grafana: no Service answers its data source's {PROMETHEUS_URL}")
    script = data.get("download_dashboards.sh", "")
    providers = yaml.safe_load(data.get("dashboardproviders.yaml", "{}")).get("providers", [])
    folders = {p["options"]["path"] for p in providers}
    for name, file in ISTIO_DASHBOARDS.items():
        if f"{ISTIO_DASHBOARDS_URL}/{file}" not in script:
            problems.append(f"grafana: dashboard {name} ({file}) is not downloaded")
        if not any(f"{folder}/{name}.json" in script for folder in folders):
            problems.append(f"grafana: dashboard {name} is not written where a dashboard provider reads")
        dashboard = json.loads((istio_source / DASHBOARDS_IN_SOURCE / file).read_text())
        variables = dashboard.get("templating", {}).get("list", [])
        if not any(v.get("type") == "datasource" and v.get("query") == "prometheus" for v in variables):
            problems.append(f"grafana: dashboard {file} does not choose a prometheus data source")
    return problems


def kiali(cluster: Cluster) -> list[str]:
    """Kiali reads Prometheus, and links Grafana and Jaeger, through Services that exist with those ports."""
    config = yaml.safe_load(config_map(cluster, "kiali").get("config.yaml", "{}"))
    services = service_ports(cluster)
    external = config.get("external_services", {})
    urls = {
        "prometheus": external.get("prometheus", {}).get("url", ""),
        "grafana": external.get("grafana", {}).get("internal_url", ""),
        "tracing": external.get("tracing", {}).get("internal_url", ""),
    }
    return [
        f"kiali: {name} at {url!r}, which no Service answers"
        for name, url in urls.items()
        if not reaches(url, services)
    ]


def scrape_jobs(prometheus_yml: str) -> set[str]:
    return {job["job_name"] for job in (yaml.safe_load(prometheus_yml) or {}).get("scrape_configs", [])}


def prometheus(cluster: Cluster, istio_source: Path) -> list[str]:
    """Prometheus scrapes at least the jobs of Istio's own samples/addons/prometheus.yaml."""
    samples = yaml.safe_load_all((istio_source / "samples" / "addons" / "prometheus.yaml").read_text())
    theirs = next(d for d in samples if d and d["kind"] == "ConfigMap")["data"]["prometheus.yml"]
    ours = config_map(cluster, "prometheus").get("prometheus.yml", "")
    return [
        f"prometheus: no scrape job {job} (Istio's samples/addons have it)"
        for job in sorted(scrape_jobs(theirs) - scrape_jobs(ours))
    ]


def pod_requests(pod: dict[str, Any]) -> tuple[float, float]:
    """What the scheduler reserves for a pod (CPU cores, bytes): its containers and native sidecars, or its largest
    init container with the sidecars started before it, whichever is more (Kubernetes' effective requests)."""

    def of(container: dict[str, Any]) -> tuple[float, float]:
        requests = container.get("resources", {}).get("requests", {})
        return float(quantity(requests.get("cpu", "0")) or 0), float(quantity(requests.get("memory", "0")) or 0)

    sidecars = [0.0, 0.0]
    peak = [0.0, 0.0]
    for init in pod["spec"].get("initContainers", []):
        cpu, memory = of(init)
        if init.get("restartPolicy") == "Always":
            sidecars = [sidecars[0] + cpu, sidecars[1] + memory]
        else:
            peak = [max(peak[0], sidecars[0] + cpu), max(peak[1], sidecars[1] + memory)]
    main = [sum(of(c)[0] for c in pod["spec"]["containers"]), sum(of(c)[1] for c in pod["spec"]["containers"])]
    return max(peak[0], main[0] + sidecars[0]), max(peak[1], main[1] + sidecars[1])


def placed(cluster: Cluster) -> tuple[list[str], tuple[int, int]]:
    """Pods the scheduler has not placed (or that do not run), and the requests (millicores, MiB) of the stack's pods
    it did place (every namespace but kube-system, where GKE's stand-ins run)."""
    pods = cluster.get_json("pods", "--all-namespaces")["items"]
    waiting = [
        f"pod {p['metadata']['namespace']}/{p['metadata']['name']}: {p.get('status', {}).get('phase', 'no status')}"
        f" on {p['spec'].get('nodeName') or 'no node'}"
        for p in pods
        if p.get("status", {}).get("phase") != "Running" or not p["spec"].get("nodeName")
    ]
    ours = [pod_requests(p) for p in pods if p["metadata"]["namespace"] != "kube-system"]
    return waiting, (round(1000 * sum(c for c, _ in ours)), round(sum(m for _, m in ours) / 2**20))
