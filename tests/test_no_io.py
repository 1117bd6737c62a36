"""The program's packages do no I/O of their own: none of them imports a module that runs processes, opens
sockets, speaks HTTP, touches the environment or moves files (the program reads the world through its providers and
its settings; reading Pulumi.yaml, the project's own declaration, is the one file it opens). One module is the
exception, by design: model/kubeconfig.py reads $KUBECONFIG and the kubeconfig file the provider will read, to refuse
a kubeContext that file does not have before anything is declared; and components/interruption.py ends the
program's own process when the engine interrupts it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools.preview.stack_config import ROOT

PROGRAM = ("components", "scenarios", "model")
IO_MODULES = {
    "aiohttp",
    "asyncio.subprocess",
    "ftplib",
    "grpc",
    "http",
    "httpx",
    "multiprocessing",
    "os",
    "pty",
    "requests",
    "shutil",
    "smtplib",
    "socket",
    "ssl",
    "subprocess",
    "tempfile",
    "urllib",
    "urllib3",
}


def imported_modules(source: str) -> set[str]:
    """Every module `source` imports, by its full dotted name (relative imports left out)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def io_imports(source: str) -> set[str]:
    """The imports of `source` that are an I/O module or one of its submodules."""
    return {
        module
        for module in imported_modules(source)
        if any(module == banned or module.startswith(f"{banned}.") for banned in IO_MODULES)
    }


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import subprocess", {"subprocess"}),
        ("import os.path", {"os.path"}),
        ("from urllib.request import urlopen", {"urllib.request"}),
        ("from http import client", {"http"}),
        ("import socket as s, json", {"socket"}),
        ("def f():\n    import shutil", {"shutil"}),
        ("import asyncio.subprocess", {"asyncio.subprocess"}),
        ("import asyncio", set()),
        ("import httplib2", set()),
        ("from . import os", set()),
        ("from pathlib import Path\nimport yaml", set()),
    ],
)
def test_io_imports_are_found_at_any_depth(source, found):
    assert io_imports(source) == found


def program_files() -> list[Path]:
    return sorted(path for package in PROGRAM for path in (ROOT / package).rglob("*.py"))


def test_the_program_has_modules_to_check():
    assert len(program_files()) > 30


# The program's modules allowed an I/O module, and the ones each may import.
ALLOWED = {"model/kubeconfig.py": {"os"}, "components/interruption.py": {"os"}}


@pytest.mark.parametrize("path", program_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_program_module_imports_an_io_module(path):
    assert io_imports(path.read_text()) == ALLOWED.get(str(path.relative_to(ROOT)), set())
