"""Every tool the end-to-end run builds from the Go module proxy, pinned here and nowhere else.

The Python SDKs the program runs with are pinned exactly in requirements.txt; the Kubernetes provider
plugin is registered under the version the installed `pulumi-kubernetes` SDK asks for, and the Pulumi
CLI must not be older than the installed `pulumi` SDK (both checked when the toolchain is set up).
"""

from __future__ import annotations

# The Pulumi engine and CLI (a served tag; the Python SDK on PyPI is 3.272.0).
PULUMI = "v3.274.1"
# pulumi-kubernetes' provider: the only version the proxy serves, a January 2026 commit of the main branch,
# not a release. Its go.mod points sdk/v4 at a sibling directory; it builds against this served sdk/v4.
PULUMI_KUBERNETES_PROVIDER = "v4.0.0-20260115033456-f47bc2d6f199"
PULUMI_KUBERNETES_PROVIDER_SDK = "v4.24.0"
# kube-apiserver, kube-controller-manager, kube-scheduler and kubectl: the minor the schemas are pinned to
# (model/versions.py KUBERNETES_SCHEMA_VERSION).
KUBERNETES = "v1.35.4"
# The etcd line Kubernetes 1.35 is built and tested with.
ETCD = "v3.6.16"
# kwok (simulated nodes and pods) and kwokctl (starts the control plane from local binaries).
KWOK = "v0.8.0"
# Istio's source (the release-1.30 branch) is pinned once, in tools/upstream.py ISTIO_MODULE: the reference data
# comes from it, the run packages its charts and builds istioctl from it.
# Four of the branch's own dependency pins are not served; these served versions build.
ISTIO_REPLACEMENTS = {
    "istio.io/api": "v1.30.8",
    "istio.io/client-go": "v1.30.8",
    "github.com/envoyproxy/go-control-plane/envoy": "v1.37.1-0.20260713214202-ca8ce173c36f",
    "github.com/envoyproxy/go-control-plane/contrib": "v1.36.1-0.20260713214202-ca8ce173c36f",
}
# The upgrade check: the run creates a stack with the program as it was at this commit of the project, then
# `up`s it with the checkout under test, which must replace and delete nothing. The last commit before the
# components' children were renamed (prefixed with their component's name, aliased to their former names) and
# Jaeger became a component of its own.
UPGRADE_FROM = "9324dfad38d6e2744f0de9f0aa50e2ce7ce768da"
