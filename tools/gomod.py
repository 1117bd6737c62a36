"""Go modules through the Go module proxy, checked against Go's checksum database and kept in Go's module cache:
how the reference data and the end-to-end run's tools get their sources."""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path

from model.versions import GATEWAY_API_MODULE, GATEWAY_API_VERSION


class GoModuleError(RuntimeError):
    """A module version the Go module proxy here does not serve (or Go could not fetch)."""


def module_dir(module: str, version: str, cwd: Path = Path(".")) -> Path:
    """`module@version` in Go's module cache, downloaded and checked against Go's checksum database if missing."""
    command = ["go", "mod", "download", "-json", f"{module}@{version}"]
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GoModuleError(
            f"{module}@{version} is fetched with Go, which is not installed (no `go` on PATH)"
        ) from None
    try:
        info = json.loads(result.stdout)
    except json.JSONDecodeError:
        info = {"Error": result.stderr.strip()}
    if result.returncode != 0 or "Dir" not in info:
        raise GoModuleError(
            f"{module}@{version} cannot be had through the Go module proxy: {info.get('Error', '').strip()}"
        )
    return Path(info["Dir"])


@functools.cache
def gateway_api_crd_dir() -> Path:
    """The Gateway API release's config/crd (standard/ and experimental/), from its Go module at the pinned version:
    the same files the stack reads from the release on GitHub. Looked up once per process (every offline render
    with the Gateway API reads it)."""
    return module_dir(GATEWAY_API_MODULE, GATEWAY_API_VERSION) / "config" / "crd"
