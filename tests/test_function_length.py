"""No function in the project is longer than MAX_LINES, from its `def` to its last line, docstring included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools.preview.stack_config import ROOT

MAX_LINES = 60
PACKAGES = ("benchmarks", "components", "e2e", "model", "policy", "scenarios", "tests", "tools")


def long_functions(source: str, limit: int = MAX_LINES) -> dict[str, int]:
    """The functions (methods and nested functions too) of `source` longer than `limit` lines, by qualified name."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                if not isinstance(child, ast.ClassDef) and length > limit:
                    found[name] = length
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def body(lines: int, depth: int = 1) -> str:
    """`lines` statements indented `depth` levels."""
    return "".join(f"{'    ' * depth}x{line} = {line}\n" for line in range(lines))


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (f"def short():\n{body(59)}", {}),
        (f"def long():\n{body(60)}", {"long": 61}),
        (f"@decorated\ndef short():\n{body(59)}", {}),
        (f"class C:\n    def method(self):\n{body(59, 2)}", {}),
        (f"class C:\n    async def method(self):\n{body(60, 2)}", {"C.method": 61}),
        (f"def outer():\n    def inner():\n{body(60, 2)}", {"outer": 62, "outer.inner": 61}),
        (f"if True:\n    def guarded():\n{body(60, 2)}", {"guarded": 61}),
    ],
)
def test_long_functions_are_found_by_qualified_name(source, found):
    assert long_functions(source) == found


def project_files() -> list[Path]:
    return [ROOT / "__main__.py", *sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))]


def test_no_function_is_longer_than_the_limit():
    found = {
        (str(path.relative_to(ROOT)), name): length
        for path in project_files()
        for name, length in long_functions(path.read_text()).items()
    }
    assert sorted(found) == []
