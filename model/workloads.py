"""Typed building blocks shared by every workload the stack schedules: sizes, probes, hardened deployments."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from model.mesh import WAYPOINT, WAYPOINT_REQUESTS, namespace_labels

DATAPLANE_ANNOTATION = "istio-demo/dataplane"  # on ambient pods only, so the default stack is unchanged

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


@dataclass(frozen=True)
class ServiceSpec:
    """A Service for every version of `app`, or, with `version`, for that version alone (named `<app>-<version>`,
    as Bookinfo's bookinfo-versions.yaml does for the Gateway API's routes)."""

    app: str
    ports: tuple[Port, ...]
    version: str | None = None

    @property
    def name(self) -> str:
        return f"{self.app}-{self.version}" if self.version else self.app

    @property
    def selector(self) -> dict[str, str]:
        return {"app": self.app, "version": self.version} if self.version else {"app": self.app}


@dataclass(frozen=True)
class AppSet:
    """Workloads with their Services and ServiceAccounts ((name, account label) pairs), in one namespace of the
    mesh: with sidecars, or in the ambient data plane (with a waypoint, if `waypoint`)."""

    namespace: str
    workloads: tuple[Workload, ...]
    services: tuple[ServiceSpec, ...]
    service_accounts: tuple[tuple[str, str], ...]
    ambient: bool = False
    waypoint: bool = False

    def in_ambient(self, waypoint: bool) -> AppSet:
        """This set in the ambient data plane. Its pods carry the data plane in an annotation, so switching it
        rolls them: a pod keeps or lacks its sidecar until it is restarted."""
        annotated = tuple(
            replace(w, pod_annotations={**w.pod_annotations, DATAPLANE_ANNOTATION: "ambient"}) for w in self.workloads
        )
        return replace(self, workloads=annotated, ambient=True, waypoint=waypoint)

    @property
    def namespace_labels(self) -> dict[str, str]:
        return namespace_labels(self.ambient, self.waypoint)

    def with_version_services(self, *apps: str) -> AppSet:
        """This set plus a Service per version of each of `apps`, for routes that name versions by Service."""
        by_app = {spec.app: spec for spec in self.services if spec.version is None}
        versions = [(w.app, w.version) for w in self.workloads if w.app in apps]
        extra = tuple(ServiceSpec(app, by_app[app].ports, version) for app, version in versions)
        return replace(self, services=self.services + extra)

    def scheduled(self) -> list[Scheduled]:
        """The pods: each workload (with its sidecar, unless ambient) and the namespace's waypoint, if any."""
        waypoints = (
            [Scheduled(f"{self.namespace}-{WAYPOINT}", WAYPOINT_REQUESTS["cpu"], WAYPOINT_REQUESTS["memory"])]
            if self.waypoint
            else []
        )
        return [workload.scheduled(sidecar=not self.ambient) for workload in self.workloads] + waypoints
