"""istio-demo: a GKE cluster, Istio's demo profile, Bookinfo and one traffic-management scenario."""

import pulumi

from components.addons import ObservabilityAddons, ObservabilityAddonsArgs
from components.bookinfo import Bookinfo, BookinfoArgs
from components.capacity import capacity_report
from components.gke import GkeCluster, GkeClusterArgs
from components.istio import IstioMesh, IstioMeshArgs
from components.samples import SampleWorkloads, SampleWorkloadsArgs
from components.scenarios.catalog import CATALOG
from components.security import MeshSecurity, MeshSecurityArgs
from components.settings import load_settings
from components.traffic import TrafficScenario, TrafficScenarioArgs

settings = load_settings(pulumi.Config(), pulumi.Config("gcp"), tuple(CATALOG))
for warning in settings.warnings:
    pulumi.log.warn(warning)
plan = CATALOG[settings.scenario](settings.parameters)

cluster = GkeCluster("gke", GkeClusterArgs(settings.cluster))
mesh = IstioMesh("istio", IstioMeshArgs(settings.mesh, cluster.provider))
addons = ObservabilityAddons(
    "addons", ObservabilityAddonsArgs(settings.addons, cluster.provider, mesh.istiod, mesh.namespace)
)
bookinfo = Bookinfo("bookinfo", BookinfoArgs(cluster.provider, mesh.istiod))
samples = (
    SampleWorkloads("samples", SampleWorkloadsArgs(plan.samples, cluster.provider, mesh.istiod)) if plan.samples else None
)
MeshSecurity("security", MeshSecurityArgs(settings.security, cluster.provider, mesh.istiod, bookinfo.namespace))
TrafficScenario(
    "scenario",
    TrafficScenarioArgs(
        plan, cluster.provider, mesh.istiod, [bookinfo.namespace] + ([samples.namespace] if samples else [])
    ),
)

pulumi.export("ingressIp", mesh.ingress_ip)
pulumi.export("productpageUrl", mesh.ingress_ip.apply(lambda ip: f"http://{ip}/productpage"))
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("scenario", settings.scenario)
pulumi.export("routing", list(plan.routing))
pulumi.export("dashboards", addons.dashboards)
if addons.grafana_admin_password is not None:
    pulumi.export("grafanaAdminPassword", addons.grafana_admin_password)
pulumi.export(
    "capacity",
    capacity_report(
        [*mesh.scheduled, *addons.scheduled, *bookinfo.scheduled, *(samples.scheduled if samples else [])],
        settings.cluster.node_count,
        settings.cluster.machine_type,
    ),
)
