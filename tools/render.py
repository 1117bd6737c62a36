"""Offline preview: what `pulumi up` would declare, without a cloud, a cluster or the Pulumi CLI.

    python -m tools.render [--stack NAME] [--preset FILE] [--set KEY=VALUE]... --out DIR

Writes DIR/plan.json and DIR/manifests.yaml and prints a summary. Exit status 2, one `error:` line on
stderr and no files when the configuration (or the command line) is invalid.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.config import ConfigError
from tools.offline import Run, run_program
from tools.stack_config import ROOT, UsageError, as_runtime_strings, assemble

# Resources that are Kubernetes objects sent as they are (Helm releases and the provider are not).
NOT_MANIFESTS = ("pulumi:providers:kubernetes", "kubernetes:helm.sh/v3:Release")


@dataclass(frozen=True)
class Rendering:
    plan: dict[str, Any]
    manifests: list[dict[str, Any]]
    warnings: list[str]


def render(
    stack: str = "dev",
    preset: Path | None = None,
    overrides: Sequence[str] = (),
    root: Path = ROOT,
) -> Rendering:
    """Runs the program offline with the assembled configuration; raises ConfigError or UsageError."""
    project, config = assemble(stack, preset, overrides, root)
    run = run_program(project.name, stack, as_runtime_strings(config), root)
    return Rendering(plan=plan_document(run, config), manifests=manifests(run), warnings=run.warnings)


def plan_document(run: Run, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "project": run.project,
        "stack": run.stack,
        "config": dict(sorted(config.items())),
        "resources": [
            {
                "urn": resource.urn,
                "type": resource.type,
                "name": resource.name,
                "parent": resource.parent,
                "provider": resource.provider,
                "dependsOn": resource.depends_on,
                "inputs": resource.inputs,
                **({"read": True} if resource.read else {}),
                **({"deletedWith": resource.deleted_with} if resource.deleted_with else {}),
                **({"secretOutputs": resource.secret_outputs} if resource.secret_outputs else {}),
                **({"ignoreChanges": resource.ignore_changes} if resource.ignore_changes else {}),
            }
            for resource in run.resources
        ],
        "outputs": run.outputs,
    }


def manifests(run: Run) -> list[dict[str, Any]]:
    """Every Kubernetes object the program declares, sorted by kind, namespace and name."""
    objects = [
        resource.inputs
        for resource in run.resources
        if resource.type.startswith("kubernetes:") and resource.type not in NOT_MANIFESTS and not resource.read
    ]
    return sorted(
        objects,
        key=lambda obj: (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]),
    )


def summary(rendering: Rendering) -> str:
    plan = rendering.plan
    counts = Counter(resource["type"] for resource in plan["resources"] if not resource.get("read"))
    lines = [f"{plan['project']}/{plan['stack']}: {sum(counts.values())} resources"]
    lines += [f"  {count:3d}  {kind}" for kind, count in sorted(counts.items())]
    lines.append(f"{len(rendering.manifests)} Kubernetes objects in manifests.yaml")
    lines.append(f"scenario: {plan['outputs'].get('scenario')}")
    lines += [f"  {line}" for line in plan["outputs"].get("routing", [])]
    capacity = plan["outputs"].get("capacity", {})
    if capacity:
        lines.append(
            f"capacity: requested {capacity['requested']['cpu']} CPU, {capacity['requested']['memory']} memory"
            f" of {_allocatable(capacity)}"
        )
    return "\n".join(lines)


def _allocatable(capacity: dict[str, Any]) -> str:
    allocatable = capacity["allocatable"]
    if isinstance(allocatable, str):
        return f"allocatable {allocatable}"
    verdict = "fits" if capacity["fits"] else "DOES NOT FIT"
    return f"allocatable {allocatable['cpu']} CPU, {allocatable['memory']} ({verdict})"


def write(rendering: Rendering, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "plan.json").write_text(json.dumps(rendering.plan, indent=2, sort_keys=True) + "\n")
    (out / "manifests.yaml").write_text(
        yaml.safe_dump_all(rendering.manifests, sort_keys=True, default_flow_style=False)
    )


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
    parser.add_argument("--out", type=Path, required=True, help="directory for plan.json and manifests.yaml")
    return parser.parse_args(argv)


def check_out(out: Path) -> None:
    """--out must be a directory this process can create or write, checked before the program runs."""
    allowed = "allowed: a directory (created if missing) that you may write"
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} is a file; {allowed}")
    existing = next(parent for parent in (out, *out.absolute().parents) if parent.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out: {existing} is not writable; {allowed}")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        check_out(arguments.out)
        rendering = render(arguments.stack, arguments.preset, arguments.overrides)
    except (ConfigError, UsageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for warning in rendering.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    write(rendering, arguments.out)
    print(summary(rendering))
    print(f"wrote {arguments.out / 'plan.json'} and {arguments.out / 'manifests.yaml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
