"""Typed building blocks shared by every workload the stack schedules: sizes, probes, hardened deployments."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pulumi
import pulumi_kubernetes as k8s

from components.versions import mirrored

# The pod label that keeps Istio's injector away: for the add-ons, which watch the mesh from outside it.
NO_SIDECAR = {"sidecar.istio.io/inject": "false"}


@dataclass(frozen=True)
class Size:
    """Requests and limits of one container, in Kubernetes quantities."""

    cpu: str
    memory: str
    cpu_limit: str
    memory_limit: str

    def values(self) -> dict[str, dict[str, str]]:
        """As Kubernetes (and Helm charts' `resources` values) spell it: requests and limits."""
        return {
            "requests": {"cpu": self.cpu, "memory": self.memory},
            "limits": {"cpu": self.cpu_limit, "memory": self.memory_limit},
        }

    def requirements(self) -> k8s.core.v1.ResourceRequirementsArgs:
        values = self.values()
        return k8s.core.v1.ResourceRequirementsArgs(requests=values["requests"], limits=values["limits"])


@dataclass(frozen=True)
class Scheduled:
    """What one workload asks the scheduler for, for the capacity check."""

    name: str
    cpu: str
    memory: str
    replicas: int = 1
    sidecar: bool = False


@dataclass(frozen=True)
class Port:
    """One Service port; the target port defaults to the same number."""

    name: str
    port: int
    target_port: int | None = None


@dataclass(frozen=True)
class Workload:
    """One Deployment of one version of an app, with its single container.

    Every workload runs hardened: as non-root, without privilege escalation or capabilities, under the
    runtime's default seccomp profile, without a Kubernetes API token, and (unless `read_only_root` is
    off) on a read-only root filesystem with an emptyDir for each path in `scratch_mounts`. Set
    `run_as_user` for an image whose USER is a name or root: the kubelet can only prove a numeric
    user is not root.
    """

    app: str
    version: str
    image: str
    ports: tuple[int, ...]
    size: Size
    service_account: str | None
    readiness_path: str | None = "/health"
    env: tuple[tuple[str, str], ...] = ()
    scratch_mounts: tuple[tuple[str, str], ...] = ()
    pod_annotations: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    run_as_user: int | None = None
    read_only_root: bool = True

    @property
    def name(self) -> str:
        return f"{self.app}-{self.version}"

    @property
    def labels(self) -> dict[str, str]:
        return {"app": self.app, "version": self.version}

    def scheduled(self, sidecar: bool) -> Scheduled:
        return Scheduled(self.name, self.size.cpu, self.size.memory, sidecar=sidecar)


def readiness_probe(path: str, port: int) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port=port),
        initial_delay_seconds=5,
        period_seconds=10,
        timeout_seconds=3,
        failure_threshold=6,
    )


# Pod level, so it also covers the injected istio-proxy (which sets its own user 1337). istio-init needs
# root and NET_ADMIN for iptables; Istio's injection template sets runAsNonRoot: false on that container.
POD_SECURITY_CONTEXT = k8s.core.v1.PodSecurityContextArgs(
    run_as_non_root=True,
    seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
)


def container_security_context(
    read_only_root: bool = True, run_as_user: int | None = None
) -> k8s.core.v1.SecurityContextArgs:
    """No privilege escalation, no capabilities, a read-only root filesystem unless the image must write."""
    return k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=False,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        read_only_root_filesystem=read_only_root,
        run_as_user=run_as_user,
    )


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


@dataclass(frozen=True)
class ServiceSpec:
    app: str
    ports: tuple[Port, ...]


@dataclass(frozen=True)
class AppSet:
    """Workloads with their Services and ServiceAccounts ((name, account label) pairs), in one injected namespace."""

    namespace: str
    workloads: tuple[Workload, ...]
    services: tuple[ServiceSpec, ...]
    service_accounts: tuple[tuple[str, str], ...]

    def scheduled(self) -> list[Scheduled]:
        return [workload.scheduled(sidecar=True) for workload in self.workloads]


def declare_app_set(
    apps: AppSet,
    provider: k8s.Provider,
    istiod: pulumi.Resource,
    parent: pulumi.Resource,
    image_registry: str | None,
) -> k8s.core.v1.Namespace:
    """The namespace and everything in it, images from `image_registry` if set; the namespace waits for istiod,
    whose webhook injects the sidecars (pods created before it would run without one)."""
    namespace = injected_namespace(
        apps.namespace, pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[istiod])
    )
    in_namespace = pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[namespace])
    for name, account in apps.service_accounts:
        service_account(name, account, apps.namespace, in_namespace)
    for spec in apps.services:
        service(spec.app, spec.ports, apps.namespace, in_namespace)
    for workload in apps.workloads:
        deployment(replace(workload, image=mirrored(workload.image, image_registry)), apps.namespace, in_namespace)
    return namespace
