"""Static checks on the whole tree, as `make lint` runs them with pyproject.toml's settings: ruff's lint rules,
ruff's formatting, and mypy in strict mode. Each must find nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.preview.stack_config import ROOT

CHECKS = {
    "ruff check": ["ruff", "check", "--no-cache", "."],
    "ruff format": ["ruff", "format", "--no-cache", "--check", "."],
    # Incremental, its cache outside the checkout: a cold run reads pulumi_gcp's large typed package (about 50 s).
    "mypy": ["mypy", "--cache-dir", str(Path.home() / ".cache" / "istio-demo" / "mypy")],
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_finds_nothing(check):
    result = subprocess.run(
        [sys.executable, "-m", *CHECKS[check]], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
