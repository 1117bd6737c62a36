"""Shared fixtures: the program rendered offline (cached per configuration) and queries over its plan."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from model import kubeconfig
from tools.preview.rendering import Rendering, render
from tools.preview.schemas import upstream_dir

# No kubeconfig of the machine's: the program checks a kubeContext against the file kubectl would read
# (model/kubeconfig.py), and the suite's stacks name contexts of no real file.
kubeconfig.ENVIRONMENT = {"HOME": str(Path(__file__).parent / "data" / "no-home")}

# An existing cluster of the user's (kind): where the Gateway API's experimental TCPRoute can be installed, which a
# GKE cluster refuses; the builders' objects are the same on every target.
OWN_CLUSTER = ("target=existing", "kubeContext=kind-demo", "platform=none")


@functools.cache
def rendered(overrides: tuple[str, ...] = (), preset: str | None = None) -> Rendering:
    """The dev stack rendered with `overrides`; cached, since every render of one config is identical."""
    return render("dev", Path(preset) if preset else None, overrides)


@pytest.fixture(scope="session")
def default() -> Rendering:
    return rendered()


@pytest.fixture(scope="session")
def upstream() -> Path:
    path = upstream_dir()
    assert path.is_dir(), f"upstream Istio reference data missing at {path} (set ISTIO_UPSTREAM)"
    return path
