"""The Pulumi SDK internals the project relies on, checked by name against the installed SDK, so that an upgrade
that moves or removes one fails here with its name rather than somewhere inside a render."""

from __future__ import annotations

import ast
import importlib

import pytest

from tools.preview.stack_config import ROOT

# (module, name): what uses it. Everything tools/preview/sdk.py imports, and what the program itself reads.
SURFACE = {
    ("pulumi.runtime.proto.alias_pb2", "Alias"): "a resource's former names, recorded in plan.json",
    ("pulumi.runtime.mocks", "MockCallArgs"): "the preview's synthetic cloud answers provider functions",
    ("pulumi.runtime.mocks", "MockMonitor"): "the preview records every registration through it",
    ("pulumi.runtime.mocks", "MockResourceArgs"): "the preview's synthetic cloud answers resources",
    ("pulumi.runtime.mocks", "Mocks"): "the preview's synthetic cloud",
    ("pulumi.runtime.mocks", "set_mocks"): "the preview installs its monitor",
    ("pulumi.runtime.proto.provider_pb2", "InvokeResponse"): "the monitor's Invoke answer",
    ("pulumi.runtime.proto.resource_pb2", "ReadResourceRequest"): "a read the monitor records",
    ("pulumi.runtime.proto.resource_pb2", "ReadResourceResponse"): "the monitor's ReadResource answer",
    ("pulumi.runtime.proto.resource_pb2", "RegisterResourceRequest"): "a registration the monitor records",
    ("pulumi.runtime.proto.resource_pb2", "RegisterResourceResponse"): "the monitor's RegisterResource answer",
    ("pulumi.runtime.proto.resource_pb2", "ResourceInvokeRequest"): "a provider function call",
    (
        "pulumi.runtime.proto.resource_pb2",
        "TransformRequest",
    ): "a ConfigFile's child handed to the program's transforms",
    ("pulumi.runtime.proto.resource_pb2", "TransformResourceOptions"): "a transformed child's options",
    ("pulumi.runtime.proto.resource_pb2", "TransformResponse"): "what the program's transform returned",
    ("pulumi.runtime._callbacks", "_CallbackServicer"): "the program's registered transforms, run as the engine would",
    ("pulumi.runtime", "rpc"): "the signatures of secrets and resource references in property values",
    ("pulumi.runtime.rpc", "UNKNOWN"): "an input that no mock output resolved",
    ("pulumi.runtime.rpc", "_special_sig_key"): "the key of a property value's signature",
    ("pulumi.runtime.rpc", "_special_secret_sig"): "a secret's signature, masked in plan.json",
    ("pulumi.runtime.rpc", "_special_resource_sig"): "a resource reference's signature, kept as its URN",
    ("pulumi.runtime.settings", "get_root_resource"): "the stack whose outputs the preview resolves",
    ("pulumi.runtime.settings", "SETTINGS"): "the RPCs and outputs a failed program left, cleared before the next",
    ("pulumi.runtime.settings", "set_root_resource"): "a fresh stack for each render in one process",
    ("pulumi.runtime.stack", "Stack"): "the stack resource and its outputs",
    ("pulumi.runtime.stack", "run_pulumi_func"): "runs the program as the engine would",
    ("pulumi.runtime.config", "set_all_config"): "hands the assembled configuration to the program",
    ("pulumi.runtime.config", "CONFIG"): "components.config.configured_keys: every key handed to the program",
    ("pulumi.runtime", "get_config_env"): "components.config.configured_keys: keys handed through the environment",
}


@pytest.mark.parametrize(("module", "name"), sorted(SURFACE), ids=[f"{m}.{n}" for m, n in sorted(SURFACE)])
def test_the_sdk_still_has_it(module, name):
    assert hasattr(importlib.import_module(module), name), (
        f"the installed Pulumi SDK has no {module}.{name}, which {SURFACE[module, name]} needs"
    )


def test_the_preview_takes_the_sdk_internals_from_its_one_module_only():
    """Only tools/preview/sdk.py imports from `pulumi.runtime`, and only names listed here."""
    imported = set()
    for path in sorted(ROOT.glob("tools/**/*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                runtime = [alias.name for alias in node.names if alias.name.startswith("pulumi.runtime")]
                assert not runtime, f"{path.relative_to(ROOT)} imports {runtime}"
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi.runtime"):
                assert path.name == "sdk.py", f"{path.relative_to(ROOT)} imports from {node.module}"
                imported |= {(node.module, alias.name) for alias in node.names}
            if isinstance(node, ast.Attribute) and ast.unparse(node).startswith("pulumi.runtime."):
                assert path.name == "sdk.py", f"{path.relative_to(ROOT)} uses {ast.unparse(node)}"
    assert imported <= set(SURFACE)
