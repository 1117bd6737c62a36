"""The renderer's set-up: Mermaid and playwright-core at the versions package-lock.json pins (checked against its
hashes by `npm ci`), installed once from the npm registry into a cache outside the repository, and Debian's Chromium,
which playwright-core drives (installed with apt-get where it is missing and this is root)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
PINS = ("package.json", "package-lock.json")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")  # Debian's names, then the Chrome of CI images
NODE_MAJOR = 20  # playwright-core's oldest Node.js


class RendererMissing(RuntimeError):
    """The renderer is not installed, or cannot be here; the message says what to do."""


@dataclass(frozen=True)
class Renderer:
    node: str
    browser: str
    modules: Path  # node_modules with mermaid and playwright-core
    script: Path = HERE / "render.mjs"


def cache_dir() -> Path:
    explicit = os.environ.get("ISTIO_DEMO_MERMAID_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "istio-demo" / "mermaid"


def pinned() -> str:
    """What the cache must have been installed from: the hash of the pins."""
    return hashlib.sha256(b"".join((HERE / name).read_bytes() for name in PINS)).hexdigest()


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise RendererMissing(f"Node.js {NODE_MAJOR} or newer is not installed (no `node` on PATH)")
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < NODE_MAJOR:
        raise RendererMissing(f"Node.js {version} is older than the {NODE_MAJOR} playwright-core needs")
    return found


def browser(install: bool) -> str:
    """Debian's Chromium; with `install`, installed by apt-get when missing (as root)."""
    found = next(filter(None, map(shutil.which, BROWSERS)), None)
    if found is not None:
        return found
    if not install or os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RendererMissing("Chromium is not installed: install Debian's `chromium` (apt-get install chromium)")
    print("installing Debian's chromium (once)", file=sys.stderr)
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            check=False,
        )
        if done.returncode != 0:
            raise RendererMissing(f"`{' '.join(command)}` failed: {done.stderr.strip().splitlines()[-1:]}")
    return browser(install=False)


def modules(install: bool) -> Path:
    """The cache's node_modules, installed by `npm ci` when missing or from other pins (with `install`)."""
    cache = cache_dir()
    stamp = cache / "installed"
    if stamp.is_file() and stamp.read_text() == pinned():
        return cache / "node_modules"
    if not install:
        raise RendererMissing(f"Mermaid is not installed in {cache}: run `python -m tools.mermaid` (make test does)")
    npm = shutil.which("npm")
    if npm is None:
        raise RendererMissing("npm is not installed (it comes with Node.js)")
    cache.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    for name in PINS:
        shutil.copy(HERE / name, cache / name)
    print(f"installing Mermaid into {cache} (once)", file=sys.stderr)
    command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    done = subprocess.run(command, cwd=cache, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RendererMissing(f"`npm ci` in {cache} failed: {done.stderr.strip()}")
    stamp.write_text(pinned())
    return cache / "node_modules"


def renderer(install: bool = False) -> Renderer:
    """The installed renderer; with `install`, installing what is missing first. Raises RendererMissing."""
    return Renderer(node(), browser(install), modules(install))
