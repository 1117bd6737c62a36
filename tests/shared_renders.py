"""One offline render per distinct configuration in a whole test run: renders are keyed by the assembled
configuration (so a preset and the overrides that spell it out share one), kept per process, and handed between
the run's test processes through a directory the controlling process makes and removes."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tools.preview.rendering import Rendering, render_assembled
from tools.preview.stack_config import ROOT

# The directory of this run's renders, set by the controlling process before it starts the workers, which inherit it.
DIRECTORY = "ISTIO_DEMO_TEST_RENDERS"

_in_process: dict[str, Rendering] = {}


def start(config: pytest.Config) -> None:
    """In the controlling process (a nested run included): a fresh directory for this run's renders."""
    if not hasattr(config, "workerinput"):
        os.environ[DIRECTORY] = tempfile.mkdtemp(prefix="istio-demo-renders-")


def finish(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        shutil.rmtree(os.environ.pop(DIRECTORY), ignore_errors=True)


def render_once(project: str, stack: str, config: dict[str, Any]) -> Rendering:
    """The render of `config`, made by whichever process of the run asks first; the others wait for it and load it."""
    key = json.dumps([str(ROOT), project, stack, config], sort_keys=True)
    if key in _in_process:
        return _in_process[key]
    path = Path(os.environ[DIRECTORY]) / hashlib.sha256(key.encode()).hexdigest()
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            rendering: Rendering = pickle.loads(path.read_bytes())
        else:
            rendering = render_assembled(project, stack, config)
            partial = path.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(rendering, protocol=pickle.HIGHEST_PROTOCOL))
            partial.rename(path)
    _in_process[key] = rendering
    return rendering
