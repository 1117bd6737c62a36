"""The offline preview of a pull request: every stack preset rendered on the PR and on its base, and the difference.

    python -m tools.pr_preview --base DIR [--head DIR] --out DIR

HEAD (default: this checkout) and BASE are two checkouts of the project, e.g. the PR's merge commit and its first
parent. For the dev stack's defaults and for every `stacks/*.yaml` of either side, each checkout renders the preset
with its own `python -m tools.render` (so the base runs the base's program), and this tool writes:

    DIR/<preset>/{head,base}/{plan.json,manifests.yaml,crds.yaml,routing.mmd}   the two renderings
    DIR/<preset>/{manifests,crds,plan}.diff                         unified diffs, base -> head (the CRDs apart, so
                                                                    that a routing change reads on one screen)
    DIR/summary.md                                         the table and diffs a reviewer reads (the job summary),
                                                           with the routing diagram before and after where it
                                                           changes

No cloud credentials, no network. Exit status 1 when a preset does not render on the PR (a failure on the base is
reported, not fatal: the base may predate the preset); 0 otherwise, changes or not.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.preview.stack_config import ROOT

DEFAULTS = "_defaults"  # the dev stack as it is, without a preset
# Longest diff shown inline per preset and in all; the artifact always has the whole diffs.
INLINE_DIFF_LINES = 400
SUMMARY_BUDGET = 900_000  # GitHub caps a step summary at 1 MiB.


@dataclass
class Side:
    """One preset rendered by one checkout."""

    present: bool
    status: int | None = None
    stdout: str = ""
    stderr: str = ""
    plan: dict[str, Any] | None = None
    manifests: str = ""
    crds: str = ""
    diagram: str = ""  # routing.mmd (none from a base older than the diagrams)

    @property
    def ok(self) -> bool:
        return self.present and self.status == 0 and self.plan is not None

    @property
    def error(self) -> str:
        if not self.present:
            return "no such preset"
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else f"exit status {self.status}"

    def resource_count(self) -> int | None:
        if not self.ok or self.plan is None:
            return None
        return sum(1 for resource in self.plan["resources"] if not resource.get("read"))

    def object_count(self) -> int | None:
        if not self.ok:
            return None
        return self.manifests.count("\napiVersion: ") + int(self.manifests.startswith("apiVersion: "))

    def scenario(self) -> str:
        return str(self.plan["outputs"].get("scenario", "")) if self.ok and self.plan is not None else ""


@dataclass
class Comparison:
    name: str
    head: Side
    base: Side
    # What the head is diffed against: the base's rendering of the same preset, or for a preset the PR adds,
    # the base's defaults (so the diff shows what the new preset changes on the dev stack).
    reference: Side | None = None
    manifests_diff: list[str] = field(default_factory=list)
    crds_diff: list[str] = field(default_factory=list)
    plan_diff: list[str] = field(default_factory=list)

    @property
    def diffs(self) -> tuple[tuple[str, list[str]], ...]:
        return (("manifests.yaml", self.manifests_diff), ("crds.yaml", self.crds_diff), ("plan.json", self.plan_diff))

    @property
    def changed(self) -> bool:
        sides_differ = self.head.present != self.base.present or self.head.ok != self.base.ok
        return sides_differ or any(diff for _, diff in self.diffs)


def presets(checkout: Path) -> dict[str, str | None]:
    """Preset name -> path relative to the checkout (None for the dev stack's own defaults)."""
    found: dict[str, str | None] = {DEFAULTS: None}
    for path in sorted((checkout / "stacks").glob("*.yaml")):
        found[path.stem] = f"stacks/{path.name}"
    return found


def render(checkout: Path, preset: str | None, out: Path, python: str) -> Side:
    """Renders with the checkout's own program: `python -m tools.render` run from inside it."""
    command = [python, "-m", "tools.render", "--out", str(out.resolve())]
    if preset is not None:
        command[3:3] = ["--preset", preset]
    finished = subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=False)
    side = Side(present=True, status=finished.returncode, stdout=finished.stdout, stderr=finished.stderr)
    if finished.returncode == 0 and (out / "plan.json").is_file():
        side.plan = json.loads((out / "plan.json").read_text())
        side.manifests = (out / "manifests.yaml").read_text()
        side.crds = (out / "crds.yaml").read_text() if (out / "crds.yaml").is_file() else ""
        side.diagram = (out / "routing.mmd").read_text() if (out / "routing.mmd").is_file() else ""
    return side


def unified(before: str, after: str, before_name: str, after_name: str, file: str) -> list[str]:
    return list(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"base/{before_name}/{file}",
            tofile=f"head/{after_name}/{file}",
        )
    )


CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"


def plan_text(side: Side) -> str:
    """The plan, each CRD's inputs left to crds.yaml (where their diff is)."""
    if not side.ok or side.plan is None:
        return ""
    resources = [
        {**r, "inputs": "(in crds.yaml)"} if r["type"] == CRD and not r.get("read") else r
        for r in side.plan["resources"]
    ]
    return json.dumps({**side.plan, "resources": resources}, indent=2, sort_keys=True) + "\n"


def compare(head: Path, base: Path, out: Path, python: str = sys.executable) -> list[Comparison]:
    head_presets, base_presets = presets(head), presets(base)
    names = [DEFAULTS, *sorted((set(head_presets) | set(base_presets)) - {DEFAULTS})]
    comparisons: list[Comparison] = []
    for name in names:
        directory = out / name
        sides = {}
        for label, checkout, available in (("head", head, head_presets), ("base", base, base_presets)):
            # A preset the PR removes is only listed: rendering the base's copy would show nothing to review.
            if name in available and name in head_presets:
                sides[label] = render(checkout, available[name], directory / label, python)
            else:
                sides[label] = Side(present=name in available)
        comparison = Comparison(name, sides["head"], sides["base"])
        if comparison.head.present:
            new = not comparison.base.present and comparisons and comparisons[0].name == DEFAULTS
            reference = comparisons[0].base if new else comparison.base
            reference_name = DEFAULTS if new else name
            comparison.reference = reference
            comparison.manifests_diff = unified(
                reference.manifests, comparison.head.manifests, reference_name, name, "manifests.yaml"
            )
            comparison.crds_diff = unified(reference.crds, comparison.head.crds, reference_name, name, "crds.yaml")
            comparison.plan_diff = unified(
                plan_text(reference), plan_text(comparison.head), reference_name, name, "plan.json"
            )
        directory.mkdir(parents=True, exist_ok=True)
        for file, diff in comparison.diffs:
            (directory / f"{file.split('.')[0]}.diff").write_text("".join(diff))
        comparisons.append(comparison)
    return comparisons


def _delta(head: int | None, base: int | None) -> str:
    if head is None:
        return "–"
    if base is None or head == base:
        return str(head)
    return f"{head} ({head - base:+d})"


def _line_counts(diff: list[str]) -> tuple[int, int]:
    added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
    return added, removed


def status(comparison: Comparison) -> str:
    head, base = comparison.head, comparison.base
    if not head.present:
        return "removed by this PR"
    if not head.ok:
        return f"**does not render**: `{_cell(head.error)}`"
    if not base.present:
        against = "base defaults" if comparison.reference is not None and comparison.reference.present else "nothing"
        return f"new preset; {_diff_counts(comparison)} against {against}"
    if not base.ok:
        return f"renders now (base: `{_cell(base.error)}`)"
    if not comparison.changed:
        return "unchanged"
    return _diff_counts(comparison)


def _diff_counts(comparison: Comparison) -> str:
    parts = []
    for file, diff in comparison.diffs:
        if diff or file != "crds.yaml":
            parts.append(
                f"{file.split('.')[0]} " + ("+{} −{} lines".format(*_line_counts(diff)) if diff else "unchanged")
            )
    return "; ".join(parts)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell and inline code span."""
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")[:300]


def _fenced(text: str, language: str) -> str:
    """A code block whose fence is longer than any backtick run inside `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}{'' if text.endswith(chr(10)) else chr(10)}{fence}\n"


def _excerpt(diff: list[str]) -> str:
    if len(diff) <= INLINE_DIFF_LINES:
        return "".join(diff)
    hidden = len(diff) - INLINE_DIFF_LINES
    return "".join(diff[:INLINE_DIFF_LINES]) + f"... {hidden} more lines in the artifact\n"


def routing_change(comparison: Comparison) -> str:
    """The routing diagram before (what the head is diffed against) and after, when they differ; else nothing."""
    before, after = comparison.reference, comparison.head
    if before is None or before.diagram == after.diagram:
        return ""
    against = "" if before is comparison.base else " (the base's defaults)"
    drawn = _fenced(before.diagram, "mermaid") if before.diagram else "_No routing diagram on the base._\n"
    return f"\n**Routing before**{against}\n\n{drawn}\n**Routing after**\n\n{_fenced(after.diagram, 'mermaid')}\n"


def summary(comparisons: list[Comparison], base_label: str = "base") -> str:
    changed = [c for c in comparisons if c.changed]
    lines = [
        "## Offline preview (Pulumi mocks, no cloud)",
        "",
        f"{len(comparisons)} configurations compared between this PR and {base_label}; "
        f"{len(changed)} {'differs' if len(changed) == 1 else 'differ'}. "
        "Full renderings and diffs are in the workflow's artifact.",
        "",
        "| preset | scenario | resources | Kubernetes objects | against base |",
        "|---|---|---|---|---|",
    ]
    for c in comparisons:
        lines.append(
            f"| `{_cell(c.name)}` | {_cell(c.head.scenario()) or '–'} "
            f"| {_delta(c.head.resource_count(), c.base.resource_count())} "
            f"| {_delta(c.head.object_count(), c.base.object_count())} | {status(c)} |"
        )
    text = "\n".join(lines) + "\n"
    for c in changed:
        section = [f"\n### `{_cell(c.name)}`\n"]
        if not c.head.present:
            section.append("Removed by this PR.\n")
        elif not c.head.ok:
            section.append(_fenced(c.head.stderr or c.head.error, "text"))
        else:
            report = "".join(line for line in c.head.stdout.splitlines(keepends=True) if not line.startswith("wrote "))
            section.append(f"<details><summary>render summary</summary>\n\n{_fenced(report, 'text')}\n</details>\n")
            section.append(routing_change(c))
            for file, diff in c.diffs:
                if diff:
                    counts = "+{} −{}".format(*_line_counts(diff))
                    section.append(
                        f"<details><summary>{file} diff ({counts})</summary>\n\n"
                        f"{_fenced(_excerpt(diff), 'diff')}\n</details>\n"
                    )
        chunk = "".join(section)
        if len(text) + len(chunk) > SUMMARY_BUDGET:
            text += "\n_More differences than fit here: see the artifact._\n"
            break
        text += chunk
    return text


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.pr_preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="checkout of the base branch")
    parser.add_argument("--head", type=Path, default=ROOT, help="checkout of the PR (default: this one)")
    parser.add_argument("--base-label", default="the base branch", help="how the summary names the base")
    parser.add_argument("--out", type=Path, required=True, help="directory for renderings, diffs and summary.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    for checkout in (arguments.head, arguments.base):
        if not (checkout / "Pulumi.yaml").is_file():
            print(f"error: {checkout}: not a checkout of the project (no Pulumi.yaml)", file=sys.stderr)
            return 2
    arguments.out.mkdir(parents=True, exist_ok=True)
    comparisons = compare(arguments.head.resolve(), arguments.base.resolve(), arguments.out)
    text = summary(comparisons, arguments.base_label)
    (arguments.out / "summary.md").write_text(text)
    print(text)
    broken = [c.name for c in comparisons if c.head.present and not c.head.ok]
    if broken:
        print(f"error: does not render on this PR: {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
