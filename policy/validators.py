"""The policy pack's checks as plain functions over resource properties (no Pulumi SDK needed).

Each check takes the resource type token and its properties as Pulumi hands them to a policy (camelCase
names, as in plan.json) and returns the violations it finds, as messages. Properties arrive wrapped in
read-only mappings and sequences, so the checks test for `Mapping`/`Sequence`, never `dict`/`list`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Props = Mapping[str, Any]  # a resource's inputs as the engine hands them to a policy

RELEASE = "kubernetes:helm.sh/v3:Release"
SERVICE = "kubernetes:core/v1:Service"
POD_TEMPLATES = ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet")
ISTIO_NETWORKING = "kubernetes:networking.istio.io/"
GATEWAY_API_ROUTES = ("HTTPRoute", "TCPRoute")

INGRESS_GATEWAY = ("istio-system", "istio-ingressgateway")
PUBLIC_SERVICE_TYPES = ("LoadBalancer", "NodePort")
DASHBOARDS = ("grafana", "kiali")


def field(value: Any, *path: str) -> Any:
    """`value[path[0]][path[1]]...`, or None as soon as a step is missing or not a mapping."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def items(value: Any) -> list[Any]:
    """The elements of a list property; [] for a missing one."""
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


def is_istio(resource_type: str, kind: str) -> bool:
    return resource_type.startswith(ISTIO_NETWORKING) and resource_type.endswith(f":{kind}")


def is_gateway_api_route(resource_type: str) -> bool:
    return resource_type.startswith("kubernetes:gateway.networking.k8s.io/") and resource_type.endswith(
        tuple(f":{kind}" for kind in GATEWAY_API_ROUTES)
    )


def release_name(props: Props) -> str:
    return str(props.get("name") or "")


# --- VirtualService route weights -------------------------------------------------------------------------


def route_weights(resource_type: str, props: Props) -> list[str]:
    """Every HTTP, TCP and TLS route of a VirtualService, and every rule of a Gateway API route, that splits
    traffic gives weights summing to 100 (the Gateway API's are relative; the stack writes them as percentages)."""
    if is_gateway_api_route(resource_type):
        return backend_weights(props)
    if not is_istio(resource_type, "VirtualService"):
        return []
    problems = []
    for protocol in ("http", "tcp", "tls"):
        for index, rule in enumerate(items(field(props, "spec", protocol))):
            destinations = items(field(rule, "route"))
            weighted = len(destinations) > 1 or any(field(d, "weight") is not None for d in destinations)
            total = sum(field(d, "weight") or 0 for d in destinations)
            if weighted and total != 100:
                name = field(rule, "name") or index
                problems.append(f"{protocol} route {name}: destination weights sum to {total}, not 100")
    return problems


def backend_weights(props: Props) -> list[str]:
    problems = []
    for index, rule in enumerate(items(field(props, "spec", "rules"))):
        backends = items(field(rule, "backendRefs"))
        weighted = len(backends) > 1 or any(field(b, "weight") is not None for b in backends)
        total = sum(field(b, "weight") or 0 for b in backends)
        if weighted and total != 100:
            problems.append(f"rule {field(rule, 'name') or index}: backend weights sum to {total}, not 100")
    return problems


# --- subsets named by routes exist in the host's DestinationRule ------------------------------------------


def service_key(host: str, namespace: str) -> str:
    """A host as `name.namespace` for Kubernetes services however it is written; other hosts as they are."""
    suffix = ".svc.cluster.local"
    if host.endswith(suffix):
        return host[: -len(suffix)]
    return f"{host}.{namespace}" if "." not in host else host


def routed_destinations(spec: Any) -> Iterable[Props]:
    """Every destination a VirtualService sends (or mirrors) traffic to."""
    for protocol in ("http", "tcp", "tls"):
        for rule in items(field(spec, protocol)):
            for route in items(field(rule, "route")):
                yield field(route, "destination")
            if field(rule, "mirror") is not None:
                yield field(rule, "mirror")
            for mirror in items(field(rule, "mirrors")):
                yield field(mirror, "destination")


def missing_subsets(resources: Iterable[tuple[str, str, Props]]) -> list[tuple[str, str]]:
    """(urn, message) for each route destination whose subset no DestinationRule of its host defines.

    `resources` are (urn, type, props) of the whole stack."""
    resources = list(resources)
    defined: dict[str, set[str]] = {}
    for _, resource_type, props in resources:
        if is_istio(resource_type, "DestinationRule"):
            namespace = field(props, "metadata", "namespace") or "default"
            key = service_key(str(field(props, "spec", "host")), namespace)
            names = {field(subset, "name") for subset in items(field(props, "spec", "subsets"))}
            defined.setdefault(key, set()).update(names)
    problems = []
    for urn, resource_type, props in resources:
        if not is_istio(resource_type, "VirtualService"):
            continue
        namespace = field(props, "metadata", "namespace") or "default"
        for destination in routed_destinations(field(props, "spec")):
            subset = field(destination, "subset")
            host = str(field(destination, "host"))
            if subset and subset not in defined.get(service_key(host, namespace), set()):
                problems.append((urn, f"route to {host} names subset {subset!r}, which no DestinationRule defines"))
    return problems


def missing_backends(resources: Iterable[tuple[str, str, Props]]) -> list[tuple[str, str]]:
    """(urn, message) for each Service a Gateway API route sends (or mirrors) traffic to that the stack does not
    declare, as a Service or as a gateway chart's release. `resources` are (urn, type, props) of the whole stack."""
    resources = list(resources)
    services = {
        (field(props, "metadata", "namespace") or "default", field(props, "metadata", "name"))
        for _, resource_type, props in resources
        if resource_type == SERVICE
    }
    services |= {  # Istio's gateway chart makes a Service named after its release
        (field(props, "namespace") or "default", release_name(props))
        for _, resource_type, props in resources
        if resource_type == RELEASE and field(props, "chart") == "gateway"
    }
    problems = []
    for urn, resource_type, props in resources:
        if not is_gateway_api_route(resource_type):
            continue
        namespace = field(props, "metadata", "namespace") or "default"
        for rule in items(field(props, "spec", "rules")):
            backends = items(field(rule, "backendRefs"))
            backends += [field(f, "requestMirror", "backendRef") for f in items(field(rule, "filters"))]
            for backend in backends:
                if (field(backend, "kind") or "Service") != "Service" or field(backend, "group"):
                    continue
                key = (field(backend, "namespace") or namespace, field(backend, "name"))
                if key not in services:
                    problems.append(
                        (urn, f"route to Service {'/'.join(map(str, key))}, which the stack does not declare")
                    )
    return problems


# --- only the ingress gateway is a LoadBalancer -----------------------------------------------------------


def load_balancers(resource_type: str, props: Props) -> list[str]:
    """Only the ingress gateway may be a LoadBalancer: Helm releases by `service.type`, typed Services by spec."""
    if resource_type == RELEASE:
        name = release_name(props)
        if field(props, "values", "service", "type") == "LoadBalancer" and name != INGRESS_GATEWAY[1]:
            return [f"Helm release {name} asks for a LoadBalancer Service; only {INGRESS_GATEWAY[1]} may"]
    if resource_type == SERVICE and field(props, "spec", "type") == "LoadBalancer":
        where = (field(props, "metadata", "namespace") or "default", field(props, "metadata", "name"))
        if where != INGRESS_GATEWAY:
            return [f"Service {where[0]}/{where[1]} is a LoadBalancer; only {'/'.join(INGRESS_GATEWAY)} may be"]
    return []


# --- settings that make `pulumi destroy` fail --------------------------------------------------------------


def blocks_destroy(resource_type: str, props: Props, protect: bool) -> list[str]:
    """Deletion protection on the cloud resource, or Pulumi's `protect` option: `pulumi destroy` would stop."""
    problems = []
    if props.get("deletionProtection") is True:
        problems.append(
            f"{resource_type} has deletionProtection on: `pulumi destroy` fails until it is set to false and applied"
        )
    if protect:
        problems.append(f"{resource_type} is protected: `pulumi destroy` fails until `protect` is removed")
    return problems


# --- no privileged or root containers ---------------------------------------------------------------------


def effective(context: Any, pod_context: Any, key: str) -> Any | None:
    """A container's security setting: its own, else the pod's."""
    own = field(context, key)
    return own if own is not None else field(pod_context, key)


def root_or_privileged(resource_type: str, props: Props) -> list[str]:
    """No container of a typed workload is privileged, runs as user 0 or lacks runAsNonRoot."""
    if resource_type not in POD_TEMPLATES:
        return []
    pod = field(props, "spec", "template", "spec")
    pod_context = field(pod, "securityContext")
    problems = []
    for container in items(field(pod, "initContainers")) + items(field(pod, "containers")):
        name = field(container, "name")
        context = field(container, "securityContext")
        if field(context, "privileged") is True:
            problems.append(f"container {name} is privileged")
        if effective(context, pod_context, "runAsUser") == 0:
            problems.append(f"container {name} runs as user 0 (root)")
        if effective(context, pod_context, "runAsNonRoot") is not True:
            problems.append(f"container {name} does not set runAsNonRoot: true")
    return problems


# --- Grafana and Kiali stay inside the cluster ------------------------------------------------------------


def is_dashboard(*names: Any) -> bool:
    return any(dashboard in str(name or "").lower() for name in names for dashboard in DASHBOARDS)


def exposed_dashboards(resource_type: str, props: Props) -> list[str]:
    """Grafana and Kiali (anonymous admin in the demo setup) get no LoadBalancer, NodePort or Ingress."""
    if resource_type == RELEASE and is_dashboard(release_name(props), props.get("chart")):
        exposures = {
            "service.type": field(props, "values", "service", "type"),
            "deployment.service_type": field(props, "values", "deployment", "service_type"),
        }
        problems = [
            f"Helm release {release_name(props)} sets {key}: {value}"
            for key, value in exposures.items()
            if value in PUBLIC_SERVICE_TYPES
        ]
        ingress = {
            "ingress.enabled": field(props, "values", "ingress", "enabled"),
            "deployment.ingress.enabled": field(props, "values", "deployment", "ingress", "enabled"),
        }
        problems += [
            f"Helm release {release_name(props)} sets {key}: true"
            for key, enabled in ingress.items()
            if enabled is True
        ]
        return problems
    if resource_type == SERVICE:
        name = field(props, "metadata", "name")
        labels = field(props, "metadata", "labels") or {}
        service_type = field(props, "spec", "type")
        if service_type in PUBLIC_SERVICE_TYPES and is_dashboard(
            name, field(labels, "app"), field(labels, "app.kubernetes.io/name")
        ):
            return [f"Service {name} exposes a dashboard as {service_type}"]
    return []
