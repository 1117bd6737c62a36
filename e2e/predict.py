"""Offline previews of many configurations at once, each into its own directory (plan.json, manifests.yaml).

    python -m e2e.predict OUT SPEC.json     # SPEC: {"name": ["key=value", ...], ...}

Run in a process of its own: the offline preview installs Pulumi's mocks process-wide, which must never
meet the real engine's inline program in the rig's process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tools.preview.rendering import render
from tools.render import write


def main(argv: list[str]) -> int:
    out, spec = Path(argv[0]), json.loads(Path(argv[1]).read_text())
    for name, overrides in spec.items():
        write(render("dev", None, overrides), out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
