"""Pinned versions of everything the stack pulls, each in this one place.

The Istio version itself is the `istioVersion` config key (default in Pulumi.yaml); the image tags
below are the ones Istio 1.30.3's samples pin.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    """A Helm chart at a pinned version, in the repository that publishes it."""

    name: str
    version: str
    repository: str


ISTIO_CHART_REPOSITORY = "https://istio-release.storage.googleapis.com/charts"

BOOKINFO_VERSION = "1.20.3"
BOOKINFO_IMAGE_REPOSITORY = "registry.istio.io/release"


def bookinfo_image(service: str, version: str) -> str:
    """Upstream Bookinfo image of one service version, e.g. examples-bookinfo-reviews-v2."""
    return f"{BOOKINFO_IMAGE_REPOSITORY}/examples-bookinfo-{service}-{version}:{BOOKINFO_VERSION}"


# The Kubernetes minor version GKE's REGULAR channel runs (default for new clusters, 2026):
# manifests are validated against this version's OpenAPI schema.
KUBERNETES_SCHEMA_VERSION = "1.35.0"
