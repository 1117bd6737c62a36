"""istio-demo: a GKE cluster, Istio's demo profile, Bookinfo and one traffic-management scenario."""

import pulumi

from components.bookinfo import Bookinfo, BookinfoArgs
from components.capacity import capacity_report
from components.gke import GkeCluster, GkeClusterArgs
from components.istio import IstioMesh, IstioMeshArgs
from components.scenarios.catalog import CATALOG
from components.security import MeshSecurity, MeshSecurityArgs
from components.settings import load_settings
from components.traffic import TrafficScenario, TrafficScenarioArgs

settings = load_settings(pulumi.Config(), pulumi.Config("gcp"), tuple(CATALOG))
plan = CATALOG[settings.scenario]()

cluster = GkeCluster("gke", GkeClusterArgs(settings.cluster))
mesh = IstioMesh("istio", IstioMeshArgs(settings.mesh, cluster.provider))
bookinfo = Bookinfo("bookinfo", BookinfoArgs(cluster.provider, mesh.istiod))
MeshSecurity("security", MeshSecurityArgs(settings.security, cluster.provider, mesh.istiod, bookinfo.namespace))
TrafficScenario(
    "scenario",
    TrafficScenarioArgs(plan, cluster.provider, mesh.istiod, bookinfo.namespace),
)

pulumi.export("ingressIp", mesh.ingress_ip)
pulumi.export("productpageUrl", mesh.ingress_ip.apply(lambda ip: f"http://{ip}/productpage"))
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("scenario", settings.scenario)
pulumi.export("routing", list(plan.routing))
pulumi.export(
    "capacity",
    capacity_report(
        [*mesh.scheduled, *bookinfo.scheduled], settings.cluster.node_count, settings.cluster.machine_type
    ),
)
