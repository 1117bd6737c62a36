"""Offline preview: what `pulumi up` would declare, without a cloud, a cluster or the Pulumi CLI.

    python -m tools.render [--stack NAME] [--preset FILE] [--set KEY=VALUE]... --out DIR

Writes DIR/plan.json, DIR/manifests.yaml, DIR/routing.mmd (the scenario's routing as a Mermaid flowchart) and, when
the stack installs CRDs, DIR/crds.yaml, and prints a summary.
Exit status 2, one `error:` line on stderr and no files when the configuration (or the command line) is invalid.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from model.config import ConfigError
from tools.preview.rendering import Rendering, render
from tools.preview.stack_config import UsageError


def summary(rendering: Rendering) -> str:
    plan = rendering.plan
    counts = Counter(resource["type"] for resource in plan["resources"] if not resource.get("read"))
    reads = Counter(resource["type"] for resource in plan["resources"] if resource.get("read"))
    lines = [
        f"{plan['project']}/{plan['stack']}: {len(plan['resources'])} resources in plan.json, {sum(counts.values())}"
        f" declared and {sum(reads.values())} read"
    ]
    lines += [f"  {count:3d}  {kind}" for kind, count in sorted(counts.items())]
    lines += [f"  {count:3d}  {kind} (read)" for kind, count in sorted(reads.items())]
    lines.append(f"{len(rendering.manifests)} Kubernetes objects in manifests.yaml")
    if rendering.crds:
        lines.append(f"{len(rendering.crds)} CustomResourceDefinitions in crds.yaml")
    lines.append(f"scenario: {plan['outputs'].get('scenario')}")
    lines += [f"  {line}" for line in plan["outputs"].get("routing", [])]
    for output in ("capacity", "capacity2"):  # capacity2: the second cluster's, with clusters=2
        if capacity := plan["outputs"].get(output):
            lines.append(
                f"{output}: requested {capacity['requested']['cpu']} CPU, {capacity['requested']['memory']} memory"
                f" of {_allocatable(capacity)}"
            )
    return "\n".join(lines)


def _allocatable(capacity: dict[str, Any]) -> str:
    allocatable = capacity["allocatable"]
    if isinstance(allocatable, str):
        return f"allocatable {allocatable}"
    verdict = "fits" if capacity["fits"] else "DOES NOT FIT"
    return f"allocatable {allocatable['cpu']} CPU, {allocatable['memory']} ({verdict})"


def write(rendering: Rendering, out: Path) -> list[Path]:
    """Writes the plan, the manifests, the routing diagram and, if any, the CRDs; a crds.yaml of an earlier render is
    removed."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "plan.json", out / "manifests.yaml", out / "routing.mmd"]
    written[0].write_text(json.dumps(rendering.plan, indent=2, sort_keys=True) + "\n")
    written[1].write_text(yaml.safe_dump_all(rendering.manifests, sort_keys=True, default_flow_style=False))
    written[2].write_text(rendering.diagram)
    crds = out / "crds.yaml"
    if rendering.crds:
        crds.write_text(yaml.safe_dump_all(rendering.crds, sort_keys=True, default_flow_style=False))
        written.append(crds)
    else:
        crds.unlink(missing_ok=True)
    return written


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.render", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to read (default: dev)")
    parser.add_argument("--preset", type=Path, help="a stack-config preset, e.g. stacks/all-v1.yaml")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one key as `pulumi config set --path` takes it (gcp: prefix for that namespace)",
    )
    parser.add_argument(
        "--out", required=True, help="directory for plan.json, manifests.yaml, routing.mmd and crds.yaml"
    )
    return parser.parse_args(argv)


def check_out(text: str) -> Path:
    """--out must name a directory this process can create or write, checked before the program runs."""
    allowed = "allowed: a directory (created if missing) that you may write"
    if not text.strip():
        raise UsageError(f"--out: empty; {allowed}")
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} is a file; {allowed}")
    existing = next(parent for parent in (out, *out.absolute().parents) if parent.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out: {existing} is not writable; {allowed}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        out = check_out(arguments.out)
        rendering = render(arguments.stack, arguments.preset, arguments.overrides)
    except (ConfigError, UsageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for warning in rendering.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    written = write(rendering, out)
    print(summary(rendering))
    print(f"wrote {', '.join(map(str, written[:-1]))} and {written[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
