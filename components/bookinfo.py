"""Istio's Bookinfo sample (1.20.3) declared: its namespace, workloads and ingress routing (the data is model.bookinfo_app)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.declare import Children, declare, declare_app_set
from model.bookinfo_app import APPS, NAMESPACE, VERSIONS, gateway_api_ingress_objects, ingress_objects
from model.gateway_api import waypoint
from model.multicluster import ONE_CLUSTER, Placement
from model.workloads import Scheduled


@dataclass(frozen=True)
class BookinfoArgs:
    istiod: pulumi.Resource
    image_registry: str | None = None
    gateway_api: bool = False  # route with the Gateway API: its ingress and a Service per version
    routing_after: Sequence[pulumi.Input[pulumi.Resource]] = ()  # what the routing objects wait for (the CRDs)
    ambient: bool = False  # the ambient data plane, Bookinfo's services behind the namespace's waypoint
    placement: Placement = ONE_CLUSTER  # with two clusters, the versions this one runs


class Bookinfo(pulumi.ComponentResource):
    """The bookinfo namespace (sidecar injection on), its four services, six deployments and ingress routing."""

    namespace: k8s.core.v1.Namespace
    scheduled: list[Scheduled]

    def __init__(self, name: str, args: BookinfoArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:bookinfo:Bookinfo", name, None, opts)
        children = Children(self, name)
        apps = APPS.with_version_services(*VERSIONS) if args.gateway_api else APPS
        apps = args.placement.of(apps.in_ambient(waypoint=True) if args.ambient else apps)
        self.namespace = declare_app_set(apps, args.istiod, children, args.image_registry)
        routing = gateway_api_ingress_objects() if args.gateway_api else ingress_objects()
        waypoints = [waypoint(NAMESPACE)] if args.ambient else []
        for obj in [*routing, *waypoints]:
            declare(obj, children, self.namespace, args.istiod, *args.routing_after)

        self.scheduled = apps.scheduled()
        self.register_outputs({"namespace": NAMESPACE})
