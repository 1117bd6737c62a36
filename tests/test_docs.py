"""The README agrees with the code: the configuration reference with Pulumi.yaml, the test command with CI."""

from __future__ import annotations

import re

from components.project import load_project
from tools.stack_config import ROOT


def section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def reference_rows() -> dict[str, tuple[str, str]]:
    """key -> (type, default) from the README's configuration table."""
    rows = re.findall(r"^\| `([A-Za-z]+)` \| (\w+) \| `([^`]*)` \|", section("Configuration reference"), re.M)
    return {key: (type_, default) for key, type_, default in rows}


def yaml_text(value) -> str:
    """A default as the README's table spells it: booleans lowercase, the empty string as `""`."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if value != "" else '""'


def test_configuration_reference_matches_pulumi_yaml():
    declared = {
        key: (spec["type"], yaml_text(spec["default"])) for key, spec in load_project().declarations.items()
    }
    assert reference_rows() == declared


def test_ci_runs_the_readmes_test_command():
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    quick_start = section("Quick start")
    assert "make test" in ci
    assert "make test " in quick_start and "make preview " in quick_start
