"""Jaeger 2 all-in-one, as Istio 1.30.3's samples/addons/jaeger.yaml runs it (no upstream chart: typed resources),
and the mesh-wide Telemetry that sends it every span."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.aliases import formerly_typed
from components.declare import Children, declare
from components.hardening import POD_SECURITY_CONTEXT, container_security_context, requirements
from model import istio_policy as istio
from model.mesh import ISTIO_NAMESPACE, TRACING_PROVIDER
from model.versions import JAEGER_IMAGE, mirrored
from model.workloads import NO_SIDECAR, Size

# Jaeger v2 all-in-one (one Go process) keeps traces in Badger on an emptyDir: Badger holds memtables and a
# block cache in memory besides the Go heap, and every stored trace grows them; 100% sampling fills it fast.
JAEGER = Size(cpu="10m", memory="128Mi", cpu_limit="500m", memory_limit="1Gi")
JAEGER_BASE_PATH = "/jaeger"
JAEGER_QUERY_GRPC_URL = f"http://tracing.{ISTIO_NAMESPACE}:16685{JAEGER_BASE_PATH}"

TRACING_SAMPLING_PERCENTAGE = 100


def jaeger_config() -> dict[str, Any]:
    """Jaeger v2 all-in-one with Badger storage on the pod's volume, as samples/addons/jaeger.yaml configures it:
    OTLP (4317 gRPC, 4318 HTTP), Jaeger and Zipkin receivers; the query UI under /jaeger; health on 13133."""
    return {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query", "remote_sampling", "healthcheckv2", "expvar", "zpages"],
            "pipelines": {
                "traces": {
                    "receivers": ["otlp", "jaeger", "zipkin"],
                    "processors": ["batch"],
                    "exporters": ["jaeger_storage_exporter"],
                }
            },
            "telemetry": {
                "resource": {"service.name": "jaeger"},
                "metrics": {
                    "level": "detailed",
                    "readers": [{"pull": {"exporter": {"prometheus": {"host": "0.0.0.0", "port": 8888}}}}],
                },
                "logs": {"level": "info"},
            },
        },
        "extensions": {
            "jaeger_query": {"base_path": JAEGER_BASE_PATH, "storage": {"traces": "badger_storage"}},
            "jaeger_storage": {
                "backends": {
                    "badger_storage": {
                        "badger": {
                            "ephemeral": False,
                            "directories": {"keys": "/badger/key", "values": "/badger/data/"},
                        }
                    }
                }
            },
            "remote_sampling": {
                "file": {"path": None, "default_sampling_probability": 1, "reload_interval": "1s"},
                "http": {"endpoint": "0.0.0.0:5778"},
                "grpc": {"endpoint": "0.0.0.0:5779"},
            },
            "healthcheckv2": {"use_v2": True, "http": {"endpoint": "0.0.0.0:13133"}, "grpc": None},
            "expvar": {"endpoint": "0.0.0.0:27777"},
            "zpages": {"endpoint": "0.0.0.0:27778"},
        },
        "receivers": {
            "otlp": {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}, "http": {"endpoint": "0.0.0.0:4318"}}},
            "jaeger": {
                "protocols": {
                    "grpc": {"endpoint": "0.0.0.0:14250"},
                    "thrift_http": {"endpoint": "0.0.0.0:14268"},
                    "thrift_binary": {"endpoint": "0.0.0.0:6832"},
                    "thrift_compact": {"endpoint": "0.0.0.0:6831"},
                }
            },
            "zipkin": {"endpoint": "0.0.0.0:9411"},
        },
        "processors": {"batch": None},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": "badger_storage"}},
    }


JAEGER_LABELS = {"app": "jaeger"}
JAEGER_CONFIG_DIR = "/jaeger-configuration"
JAEGER_HEALTH = k8s.core.v1.HTTPGetActionArgs(path="/status", port=13133)
# Each Jaeger Service: its labels and its (port name, port, target port)s, as samples/addons/jaeger.yaml has them.
JAEGER_SERVICES: dict[str, tuple[dict[str, str], tuple[tuple[str, int, int], ...]]] = {
    "tracing": (JAEGER_LABELS, (("http-query", 80, 16686), ("grpc-query", 16685, 16685))),
    # Jaeger speaks Zipkin's API; a `zipkin` Service lets a mesh configured for Zipkin send here.
    "zipkin": ({"name": "zipkin"}, (("http-query", 9411, 9411),)),
    "jaeger-collector": (
        JAEGER_LABELS,
        (
            ("jaeger-collector-http", 14268, 14268),
            ("jaeger-collector-grpc", 14250, 14250),
            ("http-zipkin", 9411, 9411),
            ("grpc-otel", 4317, 4317),
            ("http-otel", 4318, 4318),
        ),
    ),
}


def jaeger_config_text() -> str:
    return yaml.safe_dump(jaeger_config(), sort_keys=False)


def jaeger_config_map(children: Children, *after: pulumi.Resource) -> k8s.core.v1.ConfigMap:
    return k8s.core.v1.ConfigMap(
        **children.child(f"{ISTIO_NAMESPACE}-jaeger", *after),
        metadata=k8s.meta.v1.ObjectMetaArgs(name="jaeger", namespace=ISTIO_NAMESPACE, labels=JAEGER_LABELS),
        data={"config.yaml": jaeger_config_text()},
    )


def jaeger_deployment(
    image_registry: str | None, children: Children, *after: pulumi.Resource
) -> k8s.apps.v1.Deployment:
    """Jaeger all-in-one, one replica; the config's hash on the pod template rolls it when the config changes."""
    config_hash = hashlib.sha256(jaeger_config_text().encode()).hexdigest()
    container = k8s.core.v1.ContainerArgs(
        name="jaeger",
        image=mirrored(JAEGER_IMAGE, image_registry),
        image_pull_policy="IfNotPresent",
        args=["--config", f"{JAEGER_CONFIG_DIR}/config.yaml"],
        liveness_probe=k8s.core.v1.ProbeArgs(http_get=JAEGER_HEALTH),
        readiness_probe=k8s.core.v1.ProbeArgs(http_get=JAEGER_HEALTH),
        volume_mounts=[
            k8s.core.v1.VolumeMountArgs(name="data", mount_path="/badger"),
            k8s.core.v1.VolumeMountArgs(name="jaeger-configuration", mount_path=JAEGER_CONFIG_DIR),
        ],
        resources=requirements(JAEGER),
        security_context=container_security_context(),
    )
    return k8s.apps.v1.Deployment(
        **children.child(f"{ISTIO_NAMESPACE}-jaeger", *after),
        metadata=k8s.meta.v1.ObjectMetaArgs(name="jaeger", namespace=ISTIO_NAMESPACE, labels=JAEGER_LABELS),
        spec=k8s.apps.v1.DeploymentSpecArgs(
            replicas=1,
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=JAEGER_LABELS),
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    labels={**JAEGER_LABELS, **NO_SIDECAR},
                    annotations={
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": "8888",
                        "checksum/config": config_hash,
                    },
                ),
                spec=k8s.core.v1.PodSpecArgs(
                    automount_service_account_token=False,
                    security_context=POD_SECURITY_CONTEXT,
                    containers=[container],
                    volumes=[
                        k8s.core.v1.VolumeArgs(name="data", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()),
                        k8s.core.v1.VolumeArgs(
                            name="jaeger-configuration",
                            config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(name="jaeger"),
                        ),
                    ],
                ),
            ),
        ),
    )


def jaeger_service(name: str, children: Children, *after: pulumi.Resource) -> k8s.core.v1.Service:
    labels, ports = JAEGER_SERVICES[name]
    return k8s.core.v1.Service(
        **children.child(f"{ISTIO_NAMESPACE}-{name}", *after),
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=ISTIO_NAMESPACE, labels=labels),
        spec=k8s.core.v1.ServiceSpecArgs(
            type="ClusterIP",
            ports=[
                k8s.core.v1.ServicePortArgs(name=port_name, port=port, target_port=target, protocol="TCP")
                for port_name, port, target in ports
            ],
            selector=JAEGER_LABELS,
        ),
    )


def mesh_tracing() -> istio.Telemetry:
    """The root-namespace Telemetry: every request traced to the demo profile's `jaeger` provider."""
    tracing = istio.Tracing((istio.Provider(TRACING_PROVIDER),), TRACING_SAMPLING_PERCENTAGE)
    return istio.Telemetry("mesh-default", ISTIO_NAMESPACE, tracing=(tracing,))


@dataclass(frozen=True)
class JaegerArgs:
    namespace: k8s.core.v1.Namespace
    istiod: pulumi.Resource
    image_registry: str | None
    # The add-ons component: these objects' parent before Jaeger was a component of its own (kept as an alias).
    formerly_under: pulumi.Resource


class Jaeger(pulumi.ComponentResource):
    """Jaeger all-in-one (its ConfigMap, Deployment and Services) and the mesh's Telemetry that sends every span to it."""

    def __init__(self, name: str, args: JaegerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("istio-demo:jaeger:Jaeger", name, None, formerly_typed("istio-demo:addons:Jaeger", opts))
        children = Children(self, name, formerly_under=args.formerly_under)
        config = jaeger_config_map(children, args.namespace)
        jaeger_deployment(args.image_registry, children, args.namespace, config)
        services = [jaeger_service(service, children, args.namespace) for service in JAEGER_SERVICES]
        declare(mesh_tracing(), children, args.istiod, *services)
        self.register_outputs({"services": list(JAEGER_SERVICES)})
