"""Sets up the Mermaid renderer once, then checks (and draws) Mermaid files.

    python -m tools.mermaid                      # install what is missing; make test runs it before the tests
    python -m tools.mermaid [--png DIR] FILE...  # and render each file, saying what fails; --png draws each one

The cache is `$ISTIO_DEMO_MERMAID_CACHE`, else `$XDG_CACHE_HOME/istio-demo/mermaid`, else
`~/.cache/istio-demo/mermaid`. Set-up uses the npm registry (and Debian's, for Chromium); rendering uses no network.
Exit status 1 when a file does not render, 2 when the renderer cannot be installed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tools.mermaid.check import errors
from tools.mermaid.install import RendererMissing, renderer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mermaid", description=__doc__.split("\n\n")[0])
    parser.add_argument("--png", type=Path, help="draw each file that renders into DIR/<name>.png")
    parser.add_argument("files", nargs="*", type=Path, help="Mermaid files to render")
    arguments = parser.parse_args(argv)
    started = time.monotonic()
    try:
        ready = renderer(install=True)
    except RendererMissing as error:
        print(f"error: Mermaid renderer: {error}", file=sys.stderr)
        return 2
    print(f"Mermaid renderer ready in {ready.modules.parent} ({time.monotonic() - started:.1f}s)", file=sys.stderr)
    if not arguments.files:
        return 0
    found = errors(ready, {path.stem: path.read_text() for path in arguments.files}, arguments.png)
    for name, problem in found.items():
        print(f"{name}: {'renders' if problem is None else problem}")
    return 1 if any(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
