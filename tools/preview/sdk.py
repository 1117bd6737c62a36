"""The parts of the Pulumi Python SDK that the offline preview drives and that are not its public API, in one place.

The SDK is pinned exactly (requirements.txt). tests/test_sdk_surface.py checks each name imported here against the
installed SDK and names the one an upgrade moved or removed.
"""

from __future__ import annotations

from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.proto.alias_pb2 import Alias
from pulumi.runtime.proto.provider_pb2 import InvokeResponse
from pulumi.runtime.proto.resource_pb2 import (
    ReadResourceRequest,
    ReadResourceResponse,
    RegisterResourceRequest,
    RegisterResourceResponse,
    ResourceInvokeRequest,
)
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.settings import get_root_resource, set_root_resource
from pulumi.runtime.stack import Stack, run_pulumi_func

# How the engine's property values mark a secret or a resource reference: {SIGNATURE_KEY: SECRET_SIGNATURE, ...}.
SIGNATURE_KEY = rpc._special_sig_key
SECRET_SIGNATURE = rpc._special_secret_sig
RESOURCE_SIGNATURE = rpc._special_resource_sig

__all__ = [
    "RESOURCE_SIGNATURE",
    "SECRET_SIGNATURE",
    "SIGNATURE_KEY",
    "UNKNOWN",
    "Alias",
    "InvokeResponse",
    "MockCallArgs",
    "MockMonitor",
    "MockResourceArgs",
    "Mocks",
    "ReadResourceRequest",
    "ReadResourceResponse",
    "RegisterResourceRequest",
    "RegisterResourceResponse",
    "ResourceInvokeRequest",
    "Stack",
    "get_root_resource",
    "run_pulumi_func",
    "set_all_config",
    "set_mocks",
    "set_root_resource",
]
