"""Where Istio's reference data for the tests is, fetching it once if this checkout has none beside it.

    python -m tools.upstream      # prints the directory (make test passes it to pytest as ISTIO_UPSTREAM)

In order: $ISTIO_UPSTREAM; ../shared/upstream/istio/<istioVersion>; else the Go module istio.io/istio at the
release-1.30 branch (e2e/versions.py ISTIO_MODULE), whose samples/ and manifests/ hold every reference file of
Istio 1.30.3 byte for byte. Go downloads it once into its module cache, outside the repository, and checks it
against Go's checksum database. This is set-up, run before the tests: the tests themselves use no network.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from e2e import toolchain
from e2e.versions import ISTIO_MODULE
from tools.schemas import shared_upstream_dir

MODULE = f"istio.io/istio@{ISTIO_MODULE}"


class UpstreamMissing(Exception):
    """No reference data, and no way to fetch it here."""


def module_dir() -> Path:
    """The Istio module's directory in Go's module cache, fetched once; raises UpstreamMissing without Go."""
    if shutil.which("go") is None:
        raise UpstreamMissing(
            f"no Istio reference data at {shared_upstream_dir()} and no ISTIO_UPSTREAM, and Go is not installed to "
            f"fetch {MODULE}: install Go 1.25 or newer (https://go.dev/dl/) or set ISTIO_UPSTREAM"
        )
    try:
        return toolchain.module_dir("istio.io/istio", ISTIO_MODULE)
    except toolchain.BuildError as error:
        raise UpstreamMissing(str(error)) from None


def upstream() -> Path:
    explicit = os.environ.get("ISTIO_UPSTREAM")
    if explicit:
        return Path(explicit)
    shared = shared_upstream_dir()
    return shared if shared.is_dir() else module_dir()


def main() -> int:
    try:
        print(upstream())
    except UpstreamMissing as error:
        print(f"error: Istio reference data: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
