"""Checkov's Kubernetes checks on our Bookinfo objects against upstream's bookinfo.yaml (`make checkov`).

    python -m tools.checkov_report --checkov venv-checkov/bin/checkov

Renders the default stack offline, takes the Bookinfo ServiceAccounts, Services and Deployments from it,
runs checkov on them and on upstream's samples/bookinfo/platform/kube/bookinfo.yaml, and prints the failed
checks of both. Exit status 1 when ours fail more than half as many checks as upstream's, or when the
security guide (docs/security.md) does not state the two measured numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from model.bookinfo_app import NAMESPACE
from tools.preview.rendering import render
from tools.preview.schemas import upstream_dir
from tools.preview.stack_config import ROOT

KINDS = ("ServiceAccount", "Service", "Deployment")
UPSTREAM = Path("samples/bookinfo/platform/kube/bookinfo.yaml")
Failures = Counter[tuple[str, str]]  # (check id, check name) -> failed resources
SECURITY_DOC = ROOT / "docs" / "security.md"
DOCS_CLAIM = re.compile(r"checkov (\d+\.\d+\.\d+) fails (\d+) checks on ours and (\d+) on upstream's")


def our_bookinfo() -> list[dict[str, Any]]:
    return [obj for obj in render().manifests if obj["kind"] in KINDS and obj["metadata"].get("namespace") == NAMESPACE]


def failed_checks(checkov: str, manifest: Path) -> tuple[str, Failures]:
    """checkov's version and its failed Kubernetes checks on `manifest`, counted by check id and name."""
    run = subprocess.run(
        [checkov, "--file", str(manifest), "--framework", "kubernetes", "--quiet", "--compact", "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed ({run.returncode}): {run.stderr.strip()}")
    report = json.loads(run.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = Counter((check["check_id"], check["check_name"]) for check in report["results"]["failed_checks"])
    return report["summary"]["checkov_version"], failed


def docs_claim() -> tuple[str, int, int] | None:
    match = DOCS_CLAIM.search(" ".join(SECURITY_DOC.read_text().split()))
    return (match.group(1), int(match.group(2)), int(match.group(3))) if match else None


def report_lines(ours: Failures, theirs: Failures) -> list[str]:
    lines = [f"{'ours':>5} {'upstream':>8}  check"]
    for check in sorted(set(ours) | set(theirs)):
        lines.append(f"{ours[check]:5d} {theirs[check]:8d}  {check[0]} {check[1]}")
    lines.append(f"{sum(ours.values()):5d} {sum(theirs.values()):8d}  failed in total")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.checkov_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkov", default="venv-checkov/bin/checkov", help="the checkov executable")
    arguments = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        ours_file = Path(scratch) / "bookinfo-ours.yaml"
        ours_file.write_text(yaml.safe_dump_all(our_bookinfo(), sort_keys=True))
        version, ours = failed_checks(arguments.checkov, ours_file)
        _, theirs = failed_checks(arguments.checkov, upstream_dir() / UPSTREAM)

    print("\n".join(report_lines(ours, theirs)))
    failed_ours, failed_theirs = sum(ours.values()), sum(theirs.values())
    status = 0
    if 2 * failed_ours > failed_theirs:
        print(f"FAIL: {failed_ours} is more than half of upstream's {failed_theirs}")
        status = 1
    measured = (version, failed_ours, failed_theirs)
    if docs_claim() != measured:
        print(
            f"FAIL: docs/security.md should say "
            f'"checkov {version} fails {failed_ours} checks on ours and {failed_theirs} on upstream\'s"'
        )
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
