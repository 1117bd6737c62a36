"""The upgrade check: a stack created by the project's program as it was at an earlier commit
(e2e/versions.py UPGRADE_FROM), then `up` with this checkout: an existing stack must keep every resource, so the
engine may create new ones (a new component) but must replace and delete nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from e2e.engine import Changes

# Run inside the earlier commit's tree: its own program and engine driver, the state in the given directory.
BASE_UP = """
import json, sys
from pathlib import Path
from components.program import program
from e2e.engine import Engine
engine = Engine(Path(sys.argv[1]), program)
engine.configure(json.loads(sys.argv[2]))
print(json.dumps(engine.up().document()))
"""


class UpgradeError(RuntimeError):
    """The earlier commit could not be had or run."""


def base_tree(root: Path, commit: str, into: Path) -> Path:
    """The files of `commit` of the repository at `root`, written to `into` (run later with this interpreter)."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(root), "archive", commit], capture_output=True, check=False)
    if archive.returncode != 0:
        raise UpgradeError(
            f"commit {commit} is not in this clone ({archive.stderr.decode().strip()}); the upgrade check needs the"
            " project's history (a full clone, not a shallow one)"
        )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def base_up(tree: Path, work: Path, config: dict[str, str]) -> dict[str, list[str]]:
    """`up` of the stack in `work` by the program in `tree`; the engine's changes by operation."""
    finished = subprocess.run(
        [sys.executable, "-c", BASE_UP, str(work), json.dumps(config)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise UpgradeError(f"the earlier program's up failed: {finished.stderr.strip()[-2000:]}")
    changes: dict[str, list[str]] = json.loads(finished.stdout.strip().splitlines()[-1])
    return changes


def kept(changes: Changes) -> list[str]:
    """Problems: what an upgrade of an existing stack replaced or deleted."""
    return [f"{operation} {urn}" for operation in ("replace", "delete") for urn in sorted(getattr(changes, operation))]
