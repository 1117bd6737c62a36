"""The layout's layers (docs/architecture.md): each package imports only the layers below it."""

from __future__ import annotations

import ast

import pytest

from tools.preview.stack_config import ROOT

# Package -> the project's packages it may import (besides itself).
ALLOWED = {
    "model": set(),
    "scenarios": {"model"},
    "components": {"model", "scenarios"},
    "tools": {"model", "scenarios", "components"},
}
PROJECT = {"model", "scenarios", "components", "tools", "e2e", "benchmarks", "policy", "tests"}


def imported_packages(path) -> set[str]:
    """The project's top-level packages that `path` imports, type-only imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
    return found & PROJECT


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        upward = imported_packages(path) - ALLOWED[package] - {package}
        assert not upward, f"{path.relative_to(ROOT)} imports {sorted(upward)}"
