"""Pinned versions of everything the stack pulls, each in this one place.

The Istio version itself is the `istioVersion` config key (default in Pulumi.yaml); the image tags and
add-on chart versions below are the ones Istio 1.30.3's samples pin.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    """A Helm chart at a pinned version, in the repository that publishes it."""

    name: str
    version: str
    repository: str


# The Istio release whose samples, add-ons and reference data the stack pins (Pulumi.yaml's istioVersion defaults to it).
ISTIO_RELEASE = "1.30.3"
ISTIO_CHART_REPOSITORY = "https://istio-release.storage.googleapis.com/charts"
# Where Istio's release images live (the charts' released `global.hub`): istiod, and the proxy it injects.
ISTIO_HUB = "docker.io/istio"


def mirrored(image: str, registry: str | None) -> str:
    """`image` (or a hub such as docker.io/istio) pulled from `registry` instead, keeping its path and tag:
    docker.io/istio/pilot:1.30.3 -> REGISTRY/istio/pilot:1.30.3. Unchanged when there is no registry."""
    if registry is None:
        return image
    host, _, path = image.partition("/")
    has_host = path and ("." in host or ":" in host or host == "localhost")
    return f"{registry}/{path if has_host else image}"


BOOKINFO_VERSION = "1.20.3"
BOOKINFO_IMAGE_REPOSITORY = "registry.istio.io/release"


def bookinfo_image(service: str, version: str) -> str:
    """Upstream Bookinfo image of one service version, e.g. examples-bookinfo-reviews-v2."""
    return f"{BOOKINFO_IMAGE_REPOSITORY}/examples-bookinfo-{service}-{version}:{BOOKINFO_VERSION}"


# Sample workloads of the non-Bookinfo scenarios, tagged as Istio 1.30.3's samples tag them
# (samples/httpbin, samples/httpbin/sample-client/fortio-deploy.yaml, samples/curl, samples/tcp-echo).
HTTPBIN_IMAGE = "docker.io/mccutchen/go-httpbin:v2.15.0"
FORTIO_IMAGE = "docker.io/fortio/fortio:latest_release"
CURL_IMAGE = "docker.io/curlimages/curl:8.16.0"
TCP_ECHO_IMAGE = "registry.istio.io/release/tcp-echo-server:1.3"

# The observability add-ons of Istio 1.30.3's samples/addons.
PROMETHEUS_CHART = Chart("prometheus", "28.13.0", "https://prometheus-community.github.io/helm-charts")
GRAFANA_CHART = Chart("grafana", "9.2.2", "https://grafana.github.io/helm-charts")
KIALI_CHART = Chart("kiali-server", "2.26.0", "https://kiali.org/helm-charts")
JAEGER_IMAGE = "docker.io/jaegertracing/jaeger:2.14.0"
# The add-on images whose repository the stack sets (the charts' tags stay theirs); Grafana's chart moves
# its own images with `global.imageRegistry`.
PROMETHEUS_IMAGE = "docker.io/prom/prometheus"
PROMETHEUS_CONFIG_RELOADER_IMAGE = "ghcr.io/prometheus-operator/prometheus-config-reloader"
KIALI_IMAGE = "quay.io/kiali/kiali"

# Istio's Grafana dashboards exactly as Istio 1.30.3 ships them: the JSON files of its release tag
# (manifests/addons/dashboards/, which samples/addons/grafana.yaml embeds). grafana.com's copies have a
# revision counter of their own per dashboard, which no Istio release names.
ISTIO_DASHBOARDS_URL = f"https://raw.githubusercontent.com/istio/istio/{ISTIO_RELEASE}/manifests/addons/dashboards"

# The Kubernetes minor version GKE's REGULAR channel runs (default for new clusters, 2026):
# manifests are validated against this version's OpenAPI schema.
# The Gateway API release Istio 1.30.3 supports, and where its CRDs are published: `config/crd` of the release
# tag, `standard/` (TCPRoute only in `experimental/`). The offline render and the end-to-end run read the same
# files from the Go module sigs.k8s.io/gateway-api at this version.
GATEWAY_API_VERSION = "v1.5.1"
GATEWAY_API_MODULE = "sigs.k8s.io/gateway-api"
GATEWAY_API_CRDS_URL = f"https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/{GATEWAY_API_VERSION}/config/crd"
GATEWAY_API_STANDARD_CRDS = (
    "gatewayclasses",
    "gateways",
    "httproutes",
    "grpcroutes",
    "referencegrants",
    "backendtlspolicies",
    "listenersets",
    "tlsroutes",
)
GATEWAY_API_EXPERIMENTAL_CRDS = ("tcproutes",)
GATEWAY_API_CRD_NAMES = tuple(
    f"{name}.gateway.networking.k8s.io" for name in (*GATEWAY_API_STANDARD_CRDS, *GATEWAY_API_EXPERIMENTAL_CRDS)
)
GATEWAY_API_CRD_FILES = tuple(
    f"{channel}/gateway.networking.k8s.io_{name}.yaml"
    for channel, names in (("standard", GATEWAY_API_STANDARD_CRDS), ("experimental", GATEWAY_API_EXPERIMENTAL_CRDS))
    for name in names
)

KUBERNETES_SCHEMA_VERSION = "1.35.0"

# The Kubernetes minors Istio 1.30 supports: 1.32 to 1.36 (Istio's supported-releases table; the release-1.30
# branch's istioctl refuses clusters below 1.32, istioctl/pkg/install/k8sversion/version.go MinK8SVersion).
ISTIO_KUBERNETES_MINORS = (32, 36)
# GKE installs the Gateway API's standard channel at v1.5.0 on clusters from this version, v1.4.0 from 1.34.1-gke.1822000
# (GKE's "GatewayClass capabilities" page, bundle versions for new clusters and upgrades); the stack's Gateway API
# objects are written for v1.5.
GKE_GATEWAY_API_V1_5 = "1.35.2-gke.1842000"
