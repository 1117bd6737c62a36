"""Every component's type token is `istio-demo:<area>:<Name>`: its area the module that defines it (underscores as
hyphens), its name the class's."""

from __future__ import annotations

import ast

import pytest

from tools.preview.stack_config import ROOT


def declared_tokens(source: str) -> dict[str, str]:
    """The type token each ComponentResource class of `source` passes to `super().__init__`, by class name."""
    tokens = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef) or "pulumi.ComponentResource" not in map(ast.unparse, node.bases):
            continue
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call)
                and ast.unparse(call.func) == "super().__init__"
                and isinstance(call.args[0], ast.Constant)
            ):
                tokens[node.name] = call.args[0].value
    return tokens


@pytest.mark.parametrize(
    ("source", "tokens"),
    [
        (
            'class A(pulumi.ComponentResource):\n    def __init__(self):\n        super().__init__("p:m:A", "a")',
            {"A": "p:m:A"},
        ),
        ('class B(Base):\n    def __init__(self):\n        super().__init__("p:m:B", "b")', {}),
        ("class C(pulumi.ComponentResource):\n    pass", {}),
    ],
)
def test_tokens_are_read_off_the_component_classes(source, tokens):
    assert declared_tokens(source) == tokens


def test_every_component_is_named_after_its_module():
    found = {
        (path.stem, name): token
        for path in sorted((ROOT / "components").glob("*.py"))
        for name, token in declared_tokens(path.read_text()).items()
    }
    assert len(found) == 14
    assert {
        key: token for key, token in found.items() if token != f"istio-demo:{key[0].replace('_', '-')}:{key[1]}"
    } == {}
