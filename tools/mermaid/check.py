"""Mermaid run on diagrams: all of them in one Chromium page (one start-up), each one's error or None."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tools.mermaid.install import Renderer


def errors(renderer: Renderer, diagrams: Mapping[str, str], png: Path | None = None) -> dict[str, str | None]:
    """Each diagram's error as Mermaid reports it (None: it renders); with `png`, each one that renders drawn into
    `png/<name>.png`."""
    command = [renderer.node, str(renderer.script), str(renderer.modules), renderer.browser]
    if png is not None:
        png.mkdir(parents=True, exist_ok=True)
        command.append(str(png))
    batch = json.dumps([{"name": name, "text": text} for name, text in diagrams.items()])
    done = subprocess.run(command, input=batch, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the renderer failed: {done.stderr.strip()}")
    return {result["name"]: result["error"] for result in json.loads(done.stdout)}
