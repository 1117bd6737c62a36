"""The parts of the Pulumi Python SDK that the offline preview drives and that are not its public API, in one place.

The SDK is pinned exactly (requirements.txt). tests/test_sdk_surface.py checks each name imported here against the
installed SDK and names the one an upgrade moved or removed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from google.protobuf.message import Message
from pulumi.runtime import rpc
from pulumi.runtime._callbacks import _CallbackServicer
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
    TransformRequest,
    TransformResourceOptions,
    TransformResponse,
)
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.settings import SETTINGS, get_root_resource, set_root_resource
from pulumi.runtime.stack import Stack, run_pulumi_func

# How the engine's property values mark a secret or a resource reference: {SIGNATURE_KEY: SECRET_SIGNATURE, ...}.
SIGNATURE_KEY = rpc._special_sig_key
SECRET_SIGNATURE = rpc._special_secret_sig
RESOURCE_SIGNATURE = rpc._special_resource_sig


async def _serialised(callback: Callable[[bytes], Awaitable[Message]], request: bytes) -> bytes:
    return (await callback(request)).SerializeToString()


def run_callback(token: str, request: bytes) -> TransformResponse:
    """Runs a transform the program registered (the callback behind `token`) on its event loop, from the mock
    monitor's worker thread, as the engine would call it over the callback service."""
    for servicer in _CallbackServicer._servicers:
        callback = servicer._callbacks.get(token)
        if callback is not None:
            serialised = asyncio.run_coroutine_threadsafe(_serialised(callback, request), servicer._loop).result()
            return TransformResponse.FromString(serialised)
    raise KeyError(f"no callback registered as {token}")


def clear_outstanding() -> None:
    """Forgets the RPCs and outputs a failed program left (as the SDK's own test decorator does before a test)."""
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()


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
    "TransformRequest",
    "TransformResourceOptions",
    "TransformResponse",
    "clear_outstanding",
    "get_root_resource",
    "run_callback",
    "run_pulumi_func",
    "set_all_config",
    "set_mocks",
    "set_root_resource",
]
