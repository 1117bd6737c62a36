"""The mesh as the scenarios, the components and the tools see it: Istio's namespace, its gateways (names,
ports, selectors) and the demo profile's requests."""

from __future__ import annotations

import shlex

ISTIO_NAMESPACE = "istio-system"
INGRESS_GATEWAY = "istio-ingressgateway"
EGRESS_GATEWAY = "istio-egressgateway"

# The demo profile's resource requests (manifests/helm-profiles/demo.yaml).
ISTIOD_REQUESTS = {"cpu": "10m", "memory": "100Mi"}
GATEWAY_REQUESTS = {"cpu": "10m", "memory": "40Mi"}
GATEWAY_LIMITS = {"cpu": "2000m", "memory": "1024Mi"}

# The demo profile's ingress ports. The gateway chart maps 80->80 by default, but Bookinfo's
# Gateway listens on 8080, so the Service must map 80->8080 and 443->8443.
INGRESS_PORTS = [
    {"name": "status-port", "port": 15021, "targetPort": 15021, "protocol": "TCP"},
    {"name": "http2", "port": 80, "targetPort": 8080, "protocol": "TCP"},
    {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"},
    {"name": "tcp", "port": 31400, "targetPort": 31400, "protocol": "TCP"},
    {"name": "tls", "port": 15443, "targetPort": 15443, "protocol": "TCP"},
]
EGRESS_PORTS = [
    {"name": "http2", "port": 80, "targetPort": 8080, "protocol": "TCP"},
    {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"},
]


# The gateway chart labels its pods `istio: <release name without "istio-">`; Gateways select them so.
INGRESS_SELECTOR = {"istio": "ingressgateway"}
EGRESS_SELECTOR = {"istio": "egressgateway"}
# Ports Gateways listen on: the ingress pod's targetPorts (HTTP reaches 8080 through the Service's 80;
# TCP 31400 is the same on both sides). The egress Gateway names its Service port 80, which Istio maps
# to the pod's 8080.
INGRESS_HTTP_PORT = 8080
INGRESS_TCP_PORT = 31400
EGRESS_HTTP_PORT = 80


# Where `kubectl port-forward` puts the ingress gateway when it has no external address.
PORT_FORWARD_LOCAL_PORT = 8080


def port_forward_command(kube_context: str | None, kubeconfig: str | None = None) -> str:
    """The command that makes the ingress gateway's port 80 reachable on localhost, through the kubeconfig file
    and context the stack uses."""
    where = f"--kubeconfig {shlex.quote(kubeconfig)} " if kubeconfig else ""
    where += f"--context {kube_context} " if kube_context else ""
    return f"kubectl {where}-n {ISTIO_NAMESPACE} port-forward svc/{INGRESS_GATEWAY} {PORT_FORWARD_LOCAL_PORT}:80"


# The ambient data plane (Istio's ambient profile, with the demo profile's small requests on top: the demo
# profile's `cni`, `ztunnel` and `global.waypoint` resources, manifests/helm-profiles/demo.yaml).
ZTUNNEL = "ztunnel"
ISTIO_CNI = "istio-cni"
ZTUNNEL_REQUESTS = {"cpu": "10m", "memory": "40Mi"}
CNI_REQUESTS = {"cpu": "10m", "memory": "40Mi"}
WAYPOINT_REQUESTS = {"cpu": "10m", "memory": "40Mi"}
TRACING_PROVIDER = "jaeger"  # the demo profile's extension provider: OTLP to jaeger-collector:4317
# The demo profile's mesh settings the ambient profile lacks, kept on top of it: access logs and the tracing
# provider (manifests/helm-profiles/demo.yaml).
DEMO_MESH_CONFIG = {
    "accessLogFile": "/dev/stdout",
    "extensionProviders": [
        {
            "name": TRACING_PROVIDER,
            "opentelemetry": {"port": 4317, "service": f"jaeger-collector.{ISTIO_NAMESPACE}.svc.cluster.local"},
        }
    ],
}
WAYPOINT = "waypoint"  # the waypoint Gateway of a namespace; Istio names its Deployment and account after it
WAYPOINT_PORT = 15008  # the HBONE port of a waypoint's `mesh` listener


def namespace_labels(ambient: bool, waypoint: bool = False) -> dict[str, str]:
    """An application namespace's labels: sidecar injection, or the ambient data plane (and, with `waypoint`,
    its waypoint for the namespace's services, the ingress gateway's traffic included)."""
    if not ambient:
        return {"istio-injection": "enabled"}
    labels = {"istio.io/dataplane-mode": "ambient"}
    if waypoint:
        labels |= {"istio.io/use-waypoint": WAYPOINT, "istio.io/ingress-use-waypoint": "true"}
    return labels
