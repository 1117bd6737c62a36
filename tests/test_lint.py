"""Static checks on the whole tree: no unused import or name, no undefined name, no syntax error, blank lines
between definitions."""

from __future__ import annotations

import subprocess
import sys

from tools.stack_config import ROOT


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--preview", "--select", "F,E9,E30,W29", "--exclude", "venv*", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
