"""Shared fixtures: the program rendered offline (once per configuration in the whole run) and queries over its
plan."""

from __future__ import annotations

import functools
import gc
from pathlib import Path

import pytest

from model import kubeconfig
from tests import shared_renders
from tools.preview.rendering import Rendering
from tools.preview.schemas import upstream_dir
from tools.preview.stack_config import assemble

# No kubeconfig of the machine's: the program checks a kubeContext against the file kubectl would read
# (model/kubeconfig.py), and the suite's stacks name contexts of no real file.
kubeconfig.ENVIRONMENT = {"HOME": str(Path(__file__).parent / "data" / "no-home")}

# An existing cluster of the user's (kind): where the Gateway API's experimental TCPRoute can be installed, which a
# GKE cluster refuses; the builders' objects are the same on every target.
OWN_CLUSTER = ("target=existing", "kubeContext=kind-demo", "platform=none")


def pytest_configure(config: pytest.Config) -> None:
    shared_renders.start(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    shared_renders.finish(config)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown() -> None:
    """After each test, once its fixtures are finalised: its garbage collected, and what outlives it (the run's
    renders, above all) left out of the collector's later passes, each of which would otherwise scan every render
    kept so far."""
    gc.collect()
    gc.freeze()


@functools.cache
def rendered(overrides: tuple[str, ...] = (), preset: str | None = None) -> Rendering:
    """The dev stack rendered with `preset` and `overrides`; every render of one configuration is identical, so the
    run makes each once (tests/shared_renders.py)."""
    project, config = assemble("dev", Path(preset) if preset else None, overrides)
    return shared_renders.render_once(project.name, "dev", config)


@pytest.fixture(scope="session")
def default() -> Rendering:
    return rendered()


@pytest.fixture(scope="session")
def upstream() -> Path:
    path = upstream_dir()
    assert path.is_dir(), f"upstream Istio reference data missing at {path} (set ISTIO_UPSTREAM)"
    return path
