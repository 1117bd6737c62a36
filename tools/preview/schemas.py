"""Strict schema checks of rendered Kubernetes objects.

Built-in kinds go through `kubernetes-validate` (strict: unknown fields fail) at the Kubernetes version GKE's
REGULAR channel runs. Istio kinds go through the OpenAPI schema of Istio's own CRDs (crd-all.gen.yaml of the
pinned Istio release), the Gateway API's through its v1.5.1 CRDs (the files the stack installs), made strict the way the API server's strict field validation is: an object schema
that lists its properties and does not preserve unknown fields rejects any other field. The CRDs' CEL rules
(`x-kubernetes-validations`, e.g. durations of at least 1ms) are not evaluated here; the configuration
parser refuses the values they would, and the end-to-end run applies every object to a real API server, which
evaluates them all.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from model.project import load_project
from model.versions import GATEWAY_API_CRD_FILES, GATEWAY_API_CRDS_URL, KUBERNETES_SCHEMA_VERSION
from tools.preview import configfiles
from tools.preview.stack_config import ROOT

ISTIO_GROUPS = ("networking.istio.io", "security.istio.io", "telemetry.istio.io")
GATEWAY_API_GROUP = "gateway.networking.k8s.io"
VALUE_CHECKS = ("oneOf", "anyOf", "allOf", "not")


def shared_upstream_dir() -> Path:
    """../shared/upstream/istio/<the default istioVersion>, where a checkout beside the shared folder finds it."""
    return ROOT.parent / "shared" / "upstream" / "istio" / str(load_project().default("istioVersion"))


def upstream_dir() -> Path:
    """Istio's reference data: $ISTIO_UPSTREAM (`make test` sets it with tools.upstream), else the shared folder's."""
    return Path(os.environ.get("ISTIO_UPSTREAM", shared_upstream_dir()))


def strict(schema: Any) -> Any:
    """A copy of an OpenAPI v3 schema in which every closed object refuses unknown properties."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    # oneOf/anyOf/allOf/not only add value checks to a structural schema (Kubernetes forbids new fields in them),
    # so they are left open
    result = {key: value if key in VALUE_CHECKS else strict(value) for key, value in schema.items()}
    closed = (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    )
    if closed:
        result["additionalProperties"] = False
    return result


def crd_schemas(crds: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> strict schema of the whole object, for every served version of `crds`."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for crd in crds:
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served", True):
                continue
            schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
            schema["properties"].update(
                {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}
            )
            schemas[f"{group}/{version['name']}", kind] = strict(schema)
    return schemas


@functools.lru_cache(maxsize=1)
def istio_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """Istio's kinds, from the pinned CRDs."""
    path = upstream_dir() / "manifests" / "charts" / "base" / "files" / "crd-all.gen.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"Istio CRDs not found at {path}; set ISTIO_UPSTREAM to the reference data")
    return crd_schemas(list(yaml.safe_load_all(path.read_text())))


@functools.lru_cache(maxsize=1)
def gateway_api_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """The Gateway API's kinds, from the CRDs the stack installs (the release's files, from a local copy)."""
    return crd_schemas(
        [crd for file in GATEWAY_API_CRD_FILES for crd in configfiles.objects(f"{GATEWAY_API_CRDS_URL}/{file}")]
    )


def violations(obj: dict[str, Any]) -> list[str]:
    """Why `obj` would be refused under strict validation; empty when it is valid."""
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    group = api_version.split("/")[0]
    if group in (*ISTIO_GROUPS, GATEWAY_API_GROUP):
        schemas = gateway_api_schemas() if group == GATEWAY_API_GROUP else istio_schemas()
        schema = schemas.get((api_version, kind))
        if schema is None:
            return [f"no CRD serves {kind} at {api_version}"]
        validator = jsonschema.Draft7Validator(schema)
        return [
            f"{'.'.join(map(str, error.path)) or '<root>'}: {error.message}" for error in validator.iter_errors(obj)
        ]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_SCHEMA_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(map(str, error.path)) or '<root>'}: {error.message}"]
    return []
