"""What the Kubernetes provider does with a ConfigFile under `pulumi up`, done offline: it reads the file and
declares each object in it as a child of the ConfigFile, named as the provider names them, through the transforms
the program gave. The Gateway API release's files are read from a local copy of the release, never fetched."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from model.versions import GATEWAY_API_CRDS_URL, GATEWAY_API_MODULE, GATEWAY_API_VERSION
from model.yaml_safe import SAFE_LOADER  # the nine CRDs are ~1 MB
from tools.gomod import GoModuleError, gateway_api_crd_dir
from tools.preview.stack_config import ROOT, UsageError

CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile"
OFFLINE = "or set gatewayApiCrds to a directory holding the release's config/crd, or to `cluster`"


def shared_release_dir() -> Path:
    """../shared/upstream/gateway-api/<version>/config/crd, where a checkout beside the shared folder finds it."""
    return ROOT.parent / "shared" / "upstream" / "gateway-api" / GATEWAY_API_VERSION / "config" / "crd"


@functools.cache
def release_dir() -> Path:
    """A local copy of the release's config/crd: the shared folder's, else its Go module (fetched once)."""
    shared = shared_release_dir()
    if shared.is_dir():
        return shared
    try:
        return gateway_api_crd_dir()
    except GoModuleError as error:
        raise UsageError(
            f"gatewayApiCrds: the offline preview reads the Gateway API {GATEWAY_API_VERSION} CRDs from the Go module"
            f" {GATEWAY_API_MODULE} ({error}); install Go 1.25 or newer, {OFFLINE}"
        ) from None


def local_copy(location: str) -> Path:
    """Where the preview reads a file the provider would read: a path as it is, the release's URL from the copy."""
    if location.startswith(f"{GATEWAY_API_CRDS_URL}/"):
        return release_dir() / location.removeprefix(f"{GATEWAY_API_CRDS_URL}/")
    if location.startswith("/"):
        return Path(location)
    raise UsageError(f"gatewayApiCrds: the offline preview fetches nothing, so it cannot read {location}; {OFFLINE}")


def objects(location: str) -> list[dict[str, Any]]:
    """The Kubernetes objects of one file, as the provider parses them."""
    path = local_copy(location)
    try:
        documents = list(yaml.load_all(path.read_text(), Loader=SAFE_LOADER))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"gatewayApiCrds: cannot read {path}: {error}; {OFFLINE}") from None
    found = [document for document in documents if isinstance(document, dict) and document.get("kind")]
    for document in found:
        document.pop("status", None)
    return found


def child_type(obj: dict[str, Any]) -> str:
    """The provider's resource type of a Kubernetes object: `kubernetes:<group>/<version>:<kind>`."""
    group, _, version = obj["apiVersion"].rpartition("/")
    return f"kubernetes:{group or 'core'}/{version}:{obj['kind']}"


def child_name(prefix: str, obj: dict[str, Any]) -> str:
    """`<prefix>:<namespace>/<name>`, or `<prefix>:<name>` for a cluster-scoped object (yaml/v2's register)."""
    metadata = obj["metadata"]
    name = f"{metadata['namespace']}/{metadata['name']}" if metadata.get("namespace") else metadata["name"]
    return f"{prefix}:{name}"
