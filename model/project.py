"""Pulumi.yaml as data: the project name, its declared config keys (with defaults) and other namespaces' values."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.yaml_safe import safe_load

PROJECT_FILE = Path(__file__).resolve().parent.parent / "Pulumi.yaml"


@dataclass(frozen=True)
class Project:
    name: str
    declarations: dict[str, dict[str, Any]]
    fixed_values: dict[str, Any]

    def default(self, key: str) -> Any:
        return self.declarations[key]["default"]


@functools.cache
def load_project(path: Path = PROJECT_FILE) -> Project:
    """Pulumi.yaml, read once per process (the settings consult it several times per run of the program)."""
    document = safe_load(path.read_text())
    declarations: dict[str, dict[str, Any]] = {}
    fixed: dict[str, Any] = {}
    for key, declaration in (document.get("config") or {}).items():
        if ":" in key:
            fixed[key] = declaration["value"] if isinstance(declaration, dict) else declaration
        else:
            declarations[key] = declaration
    return Project(document["name"], declarations, fixed)
