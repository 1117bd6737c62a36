"""Declaring the stack's Kubernetes objects from their models: hardened workloads (Deployment, Service,
ServiceAccount) in an injected namespace, and Istio's custom resources."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypedDict

import pulumi
import pulumi_kubernetes as k8s

from components.hardening import POD_SECURITY_CONTEXT, container_security_context, readiness_probe, requirements
from model.crd import CustomObject
from model.versions import mirrored
from model.workloads import AppSet, ServiceSpec, Workload


class Declared(TypedDict):
    """A child's name and options, unpacked into its constructor: `Service(**children.child("x"), ...)`."""

    resource_name: str
    opts: pulumi.ResourceOptions


@dataclass(frozen=True)
class Children:
    """How a component declares its children: parented to it, so they take the Kubernetes provider it was given
    (`providers=`), and named `<prefix>-<name>` (the component's own name as the prefix), so the children of two
    components cannot collide. A child whose name changed that way, or that moved here from `formerly_under`,
    keeps its former name and parent as an alias: an existing stack keeps the resource instead of replacing it."""

    parent: pulumi.Resource
    prefix: str
    formerly_under: pulumi.Resource | None = None

    def name(self, name: str) -> str:
        prefixed = name == self.prefix or name.startswith(f"{self.prefix}-")
        return name if prefixed else f"{self.prefix}-{name}"

    def child(self, name: str, *after: pulumi.Input[pulumi.Resource]) -> Declared:
        """The child called `name` before it was prefixed, created after `after`: its name and options."""
        moved = self.name(name) != name or self.formerly_under is not None
        former = pulumi.Alias(name=name, parent=self.formerly_under) if self.formerly_under else pulumi.Alias(name=name)
        opts = pulumi.ResourceOptions(parent=self.parent, depends_on=list(after), aliases=[former] if moved else None)
        return {"resource_name": self.name(name), "opts": opts}


def deployment(
    workload: Workload, namespace: str, children: Children, *after: pulumi.Resource
) -> k8s.apps.v1.Deployment:
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
        resources=requirements(workload.size),
        security_context=container_security_context(workload.read_only_root, workload.run_as_user),
        readiness_probe=(
            readiness_probe(workload.readiness_path, workload.ports[0]) if workload.readiness_path else None
        ),
        volume_mounts=[
            k8s.core.v1.VolumeMountArgs(name=volume, mount_path=path) for volume, path in workload.scratch_mounts
        ]
        or None,
    )
    local = f"{namespace}-{workload.name}"
    return k8s.apps.v1.Deployment(
        **children.child(local, *after),
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
    )


# pulumi-kubernetes waits for a Service's endpoints and then 10 s after their last change, which made every switch
# that adds a namespace of samples take 12 s. What that wait shows is shown otherwise: each Deployment's own await
# (its pods Ready), a unit test that every Service selects a Deployment's pods on one of their ports
# (tests/test_services.py), and the end-to-end run's check that every Service has ready endpoints.
SKIP_SERVICE_AWAIT = {"pulumi.com/skipAwait": "true"}


def service(spec: ServiceSpec, namespace: str, children: Children, *after: pulumi.Resource) -> k8s.core.v1.Service:
    """A ClusterIP Service selecting every version of its app, or one version; the provider does not wait for its
    endpoints (SKIP_SERVICE_AWAIT)."""
    labels = {"app": spec.app, "service": spec.name}
    return k8s.core.v1.Service(
        **children.child(f"{namespace}-{spec.name}", *after),
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=spec.name, namespace=namespace, labels=labels, annotations=SKIP_SERVICE_AWAIT
        ),
        spec=k8s.core.v1.ServiceSpecArgs(
            ports=[
                k8s.core.v1.ServicePortArgs(name=port.name, port=port.port, target_port=port.target_port)
                for port in spec.ports
            ],
            selector=spec.selector,
        ),
    )


def service_account(
    name: str, account: str, namespace: str, children: Children, *after: pulumi.Resource
) -> k8s.core.v1.ServiceAccount:
    return k8s.core.v1.ServiceAccount(
        **children.child(f"{namespace}-{name}", *after),
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=namespace, labels={"account": account}),
    )


def mesh_namespace(
    name: str, labels: dict[str, str], children: Children, *after: pulumi.Resource
) -> k8s.core.v1.Namespace:
    """A namespace of the mesh: its pods get an Istio sidecar, or join the ambient data plane, as `labels` say."""
    return k8s.core.v1.Namespace(
        **children.child(name, *after), metadata=k8s.meta.v1.ObjectMetaArgs(name=name, labels=labels)
    )


def declare_app_set(
    apps: AppSet, istiod: pulumi.Resource, children: Children, image_registry: str | None
) -> k8s.core.v1.Namespace:
    """The namespace and everything in it, images from `image_registry` if set; the namespace waits for istiod,
    whose webhook injects the sidecars (pods created before it would run without one)."""
    namespace = mesh_namespace(apps.namespace, apps.namespace_labels, children, istiod)
    declare_workloads(apps, namespace, children, image_registry)
    return namespace


def declare_workloads(
    apps: AppSet, namespace: k8s.core.v1.Namespace, children: Children, image_registry: str | None
) -> None:
    """Everything of `apps` in its namespace, declared already: ServiceAccounts, Services and Deployments."""
    for name, account in apps.service_accounts:
        service_account(name, account, apps.namespace, children, namespace)
    for spec in apps.services:
        service(spec, apps.namespace, children, namespace)
    for workload in apps.workloads:
        image = mirrored(workload.image, image_registry)
        deployment(replace(workload, image=image), apps.namespace, children, namespace)


def declare(
    obj: CustomObject, children: Children, *after: pulumi.Input[pulumi.Resource]
) -> k8s.apiextensions.CustomResource:
    """Turns a typed custom object into a Pulumi custom resource, named `<kind>-<namespace>-<name>`; one that moved
    namespace keeps its former names as aliases (the engine then replaces the object there by this one)."""
    manifest = obj.manifest()
    declared = children.child(f"{obj.KIND.lower()}-{obj.namespace}-{obj.name}", *after)
    formerly = [pulumi.Alias(name=children.name(f"{obj.KIND.lower()}-{ns}-{obj.name}")) for ns in obj.former_namespaces]
    opts = pulumi.ResourceOptions.merge(declared["opts"], pulumi.ResourceOptions(aliases=formerly or None))
    return k8s.apiextensions.CustomResource(
        declared["resource_name"],
        opts=opts,
        api_version=manifest["apiVersion"],
        kind=manifest["kind"],
        metadata=k8s.meta.v1.ObjectMetaArgs(**manifest["metadata"]),
        spec=manifest["spec"],
    )
