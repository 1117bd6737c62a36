"""Where Istio's reference data for the tests is, fetching it once if this checkout has none beside it.

    python -m tools.upstream      # prints the directory (make test passes it to pytest as ISTIO_UPSTREAM)

In order: $ISTIO_UPSTREAM; ../shared/upstream/istio/<istioVersion>; else the Go module istio.io/istio at the
release-1.30 branch (ISTIO_MODULE below), whose samples/ and manifests/ hold every reference file of
Istio 1.30.3 byte for byte. Go downloads it once into its module cache, outside the repository, and checks it
against Go's checksum database. This is set-up, run before the tests: the tests themselves use no network.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.gomod import GoModuleError
from tools.gomod import module_dir as go_module_dir
from tools.preview.schemas import shared_upstream_dir

# Istio's release-1.30 branch: the only Istio 1.30 source the Go module proxy serves (no tag is served); its
# samples/ and manifests/ hold the 1.30.3 tag's reference files byte for byte.
ISTIO_MODULE = "v0.0.0-20260826214018-9739e10eb9d7"
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
        return go_module_dir("istio.io/istio", ISTIO_MODULE)
    except GoModuleError as error:
        raise UpstreamMissing(str(error)) from None


def upstream() -> Path:
    explicit = os.environ.get("ISTIO_UPSTREAM")
    if explicit:
        return Path(explicit)
    shared = shared_upstream_dir()
    return shared if shared.is_dir() else module_dir()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.upstream", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    try:
        print(upstream())
    except UpstreamMissing as error:
        print(f"error: Istio reference data: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
