"""The sample workloads the non-Bookinfo scenarios need, as plain data (the SampleWorkloads component declares them)."""

from __future__ import annotations

from model.versions import CURL_IMAGE, FORTIO_IMAGE, HTTPBIN_IMAGE, TCP_ECHO_IMAGE
from model.workloads import AppSet, Port, ServiceSpec, Size, Workload

HTTPBIN_PORT = 8000
HTTPBIN_HOST = "httpbin.example.com"  # the host httpbin-ingress serves at the ingress gateway
# A non-root user for images that would otherwise run as root (distroless and scratch images):
# distroless' own `nonroot` uid. curl's image runs as curl_user, uid 100.
NON_ROOT = 65532
CURL_USER = 100
TCP_ECHO_PORT = 9000
# httpbin's versions (mirroring runs both), and tcp-echo's with the prefix each puts before the echo.
HTTPBIN_VERSIONS = ("v1", "v2")
TCP_ECHO_PREFIXES = {"v1": "one", "v2": "two"}

# Makes Envoy serve the circuit-breaker statistics the task reads (upstream fortio-deploy.yaml's annotation).
FORTIO_PROXY_CONFIG = (
    "proxyStatsMatcher:\n"
    "  inclusionPrefixes:\n"
    '  - "cluster.outbound"\n'
    '  - "cluster_manager"\n'
    '  - "listener_manager"\n'
    '  - "server"\n'
    '  - "cluster.xds-grpc"'
)

# What each sample image starts: curl's `sleep infinity` and tcp-echo's static Go binary (TINY); go-httpbin, one
# Go server (~10-20 MiB); fortio, one Go process that opens a few connections for the circuit-breaking test.
TINY = Size(cpu="5m", memory="16Mi", cpu_limit="100m", memory_limit="64Mi")
HTTPBIN = Size(cpu="10m", memory="32Mi", cpu_limit="200m", memory_limit="128Mi")
LOAD_GENERATOR = Size(cpu="20m", memory="32Mi", cpu_limit="500m", memory_limit="256Mi")


HTTPBIN_SERVICE = ServiceSpec("httpbin", (Port("http", HTTPBIN_PORT, 8080),))


def httpbin(version: str) -> Workload:
    return Workload(
        app="httpbin",
        version=version,
        image=HTTPBIN_IMAGE,
        ports=(8080,),
        size=HTTPBIN,
        service_account="httpbin",
        readiness_path="/status/200",
        run_as_user=NON_ROOT,
    )


def fortio() -> Workload:
    """The load generator of the circuit-breaking task, exposing Envoy's circuit-breaker statistics."""
    return Workload(
        app="fortio",
        version="v1",
        image=FORTIO_IMAGE,
        ports=(8080, 8079),
        size=LOAD_GENERATOR,
        service_account="fortio",
        readiness_path=None,
        pod_annotations={"proxy.istio.io/config": FORTIO_PROXY_CONFIG},
        scratch_mounts=(("data", "/var/lib/fortio"), ("tmp", "/tmp")),
        run_as_user=NON_ROOT,
    )


def curl() -> Workload:
    """A client to `kubectl exec` into: it only sleeps."""
    return Workload(
        app="curl",
        version="v1",
        image=CURL_IMAGE,
        ports=(80,),
        size=TINY,
        service_account="curl",
        readiness_path=None,
        command=("/bin/sleep", "infinity"),
        run_as_user=CURL_USER,
    )


def tcp_echo(version: str, prefix: str) -> Workload:
    """Echoes each line back on 9000 and 9001, prefixed with `prefix` so the version is visible."""
    return Workload(
        app="tcp-echo",
        version=version,
        image=TCP_ECHO_IMAGE,
        ports=(TCP_ECHO_PORT, 9001),
        size=TINY,
        service_account=None,
        readiness_path=None,
        args=("9000,9001,9002", prefix),
        run_as_user=NON_ROOT,
    )


def circuit_breaking_samples(namespace: str) -> AppSet:
    return AppSet(
        namespace=namespace,
        workloads=(httpbin("v1"), fortio()),
        services=(HTTPBIN_SERVICE, ServiceSpec("fortio", (Port("http", 8080),))),
        service_accounts=(("httpbin", "httpbin"), ("fortio", "fortio")),
    )


def mirroring_samples(namespace: str) -> AppSet:
    return AppSet(
        namespace=namespace,
        workloads=(*(httpbin(version) for version in HTTPBIN_VERSIONS), curl()),
        services=(HTTPBIN_SERVICE, ServiceSpec("curl", (Port("http", 80),))),
        service_accounts=(("httpbin", "httpbin"), ("curl", "curl")),
    )


def tcp_echo_samples(namespace: str) -> AppSet:
    return AppSet(
        namespace=namespace,
        workloads=tuple(tcp_echo(version, prefix) for version, prefix in TCP_ECHO_PREFIXES.items()),
        services=(ServiceSpec("tcp-echo", (Port("tcp", TCP_ECHO_PORT), Port("tcp-other", 9001))),),
        service_accounts=(),
    )


def httpbin_samples(namespace: str) -> AppSet:
    return AppSet(
        namespace=namespace,
        workloads=(httpbin("v1"),),
        services=(HTTPBIN_SERVICE,),
        service_accounts=(("httpbin", "httpbin"),),
    )


def curl_samples(namespace: str) -> AppSet:
    return AppSet(
        namespace=namespace,
        workloads=(curl(),),
        services=(ServiceSpec("curl", (Port("http", 80),)),),
        service_accounts=(("curl", "curl"),),
    )
