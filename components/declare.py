"""Declaring the stack's Kubernetes objects from their models: hardened workloads (Deployment, Service,
ServiceAccount) in an injected namespace, and Istio's custom resources."""

from __future__ import annotations

from dataclasses import replace

import pulumi
import pulumi_kubernetes as k8s

from model.istio_objects import IstioObject, logical_name
from model.versions import mirrored
from model.workloads import (
    POD_SECURITY_CONTEXT,
    AppSet,
    Port,
    Workload,
    container_security_context,
    readiness_probe,
)


def child(parent: pulumi.Resource, *after: pulumi.Resource) -> pulumi.ResourceOptions:
    """A component's child: parented to it, so it takes the Kubernetes provider the component was given
    (`providers=`), and created after `after`."""
    return pulumi.ResourceOptions(parent=parent, depends_on=list(after))


def deployment(workload: Workload, namespace: str, opts: pulumi.ResourceOptions) -> k8s.apps.v1.Deployment:
    """A one-replica hardened Deployment of `workload`, with emptyDir volumes for the paths it writes to.

    The pod mounts no service account token: the app never calls the Kubernetes API, and Istio's
    sidecar brings its own projected `istio-token`, so the mesh identity keeps working."""
    container = k8s.core.v1.ContainerArgs(
        name=workload.app,
        image=workload.image,
        image_pull_policy="IfNotPresent",
        command=list(workload.command) or None,
        args=list(workload.args) or None,
        env=[k8s.core.v1.EnvVarArgs(name=name, value=value) for name, value in workload.env] or None,
        ports=[k8s.core.v1.ContainerPortArgs(container_port=port) for port in workload.ports],
        resources=workload.size.requirements(),
        security_context=container_security_context(workload.read_only_root, workload.run_as_user),
        readiness_probe=(
            readiness_probe(workload.readiness_path, workload.ports[0]) if workload.readiness_path else None
        ),
        volume_mounts=[
            k8s.core.v1.VolumeMountArgs(name=volume, mount_path=path) for volume, path in workload.scratch_mounts
        ]
        or None,
    )
    return k8s.apps.v1.Deployment(
        f"{namespace}-{workload.name}",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=workload.name, namespace=namespace, labels=workload.labels),
        spec=k8s.apps.v1.DeploymentSpecArgs(
            replicas=1,
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=workload.labels),
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    labels=workload.labels, annotations=workload.pod_annotations or None
                ),
                spec=k8s.core.v1.PodSpecArgs(
                    service_account_name=workload.service_account,
                    automount_service_account_token=False,
                    security_context=POD_SECURITY_CONTEXT,
                    containers=[container],
                    volumes=[
                        k8s.core.v1.VolumeArgs(name=volume, empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs())
                        for volume, _ in workload.scratch_mounts
                    ]
                    or None,
                ),
            ),
        ),
        opts=opts,
    )


def service(app: str, ports: tuple[Port, ...], namespace: str, opts: pulumi.ResourceOptions) -> k8s.core.v1.Service:
    """A ClusterIP Service selecting every version of `app`."""
    return k8s.core.v1.Service(
        f"{namespace}-{app}",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=app, namespace=namespace, labels={"app": app, "service": app}),
        spec=k8s.core.v1.ServiceSpecArgs(
            ports=[
                k8s.core.v1.ServicePortArgs(name=port.name, port=port.port, target_port=port.target_port)
                for port in ports
            ],
            selector={"app": app},
        ),
        opts=opts,
    )


def service_account(
    name: str, account: str, namespace: str, opts: pulumi.ResourceOptions
) -> k8s.core.v1.ServiceAccount:
    return k8s.core.v1.ServiceAccount(
        f"{namespace}-{name}",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=namespace, labels={"account": account}),
        opts=opts,
    )


def injected_namespace(name: str, opts: pulumi.ResourceOptions) -> k8s.core.v1.Namespace:
    """A namespace whose pods get an Istio sidecar."""
    return k8s.core.v1.Namespace(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, labels={"istio-injection": "enabled"}),
        opts=opts,
    )


def declare_app_set(
    apps: AppSet, istiod: pulumi.Resource, parent: pulumi.Resource, image_registry: str | None
) -> k8s.core.v1.Namespace:
    """The namespace and everything in it, images from `image_registry` if set; the namespace waits for istiod,
    whose webhook injects the sidecars (pods created before it would run without one)."""
    namespace = injected_namespace(apps.namespace, child(parent, istiod))
    in_namespace = child(parent, namespace)
    for name, account in apps.service_accounts:
        service_account(name, account, apps.namespace, in_namespace)
    for spec in apps.services:
        service(spec.app, spec.ports, apps.namespace, in_namespace)
    for workload in apps.workloads:
        deployment(replace(workload, image=mirrored(workload.image, image_registry)), apps.namespace, in_namespace)
    return namespace


def declare(obj: IstioObject, opts: pulumi.ResourceOptions) -> k8s.apiextensions.CustomResource:
    """Turns a built Istio object into a Pulumi custom resource."""
    body = {key: value for key, value in obj.items() if key not in ("apiVersion", "kind", "metadata")}
    return k8s.apiextensions.CustomResource(
        logical_name(obj),
        api_version=obj["apiVersion"],
        kind=obj["kind"],
        metadata=k8s.meta.v1.ObjectMetaArgs(**obj["metadata"]),
        opts=opts,
        **body,
    )
