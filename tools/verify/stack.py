"""The deployed stack's URL and configuration, read with the Pulumi CLI (or, for the configuration, from the
stack files when the CLI cannot answer)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from typing import Any

from model.project import load_project
from tools.preview.stack_config import ROOT, assemble, defaults

CLI_TIMEOUT = 60


class StackError(Exception):
    """The Pulumi CLI could not answer."""


def pulumi(arguments: list[str], stack: str | None) -> str:
    """stdout of `pulumi ARGUMENTS [--stack STACK]`; raises StackError when the CLI is missing or fails."""
    if shutil.which("pulumi") is None:
        raise StackError("the Pulumi CLI is not on PATH")
    command = ["pulumi", *arguments, *(["--stack", stack] if stack else [])]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StackError(f"`{shlex.join(command)}`: {error}") from None
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise StackError(
            f"`{shlex.join(command)}` failed: {lines[-1] if lines else f'exit status {result.returncode}'}"
        )
    return result.stdout


def product_page_url(stack: str | None) -> str:
    """The stack output `productpageUrl`; raises StackError."""
    url = pulumi(["stack", "output", "productpageUrl"], stack).strip()
    if not url:
        raise StackError("the stack has no productpageUrl output (has `pulumi up` run?)")
    return url


def cli_config(stack: str | None) -> dict[str, dict[str, Any]]:
    """`pulumi config --json`: key -> {"value": ..., "objectValue": ...}; raises StackError on anything else."""
    output = pulumi(["config", "--json"], stack)
    try:
        values = json.loads(output)
    except json.JSONDecodeError as error:
        raise StackError(f"`pulumi config --json` printed no JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(values, dict) or not all(isinstance(entry, dict) for entry in values.values()):
        raise StackError("`pulumi config --json` printed JSON of an unexpected shape")
    return values


def stack_config(stack: str | None) -> tuple[dict[str, Any], str]:
    """The stack's configuration as `pulumi up` reads it (Pulumi.yaml defaults <- the stack's values), and its source.

    Without a working Pulumi CLI: Pulumi.yaml and Pulumi.<stack>.yaml (default stack dev) from this checkout.
    """
    project = load_project()
    try:
        values = cli_config(stack)
    except StackError as error:
        name = stack or "dev"
        return assemble(name, root=ROOT)[1], f"Pulumi.yaml and Pulumi.{name}.yaml ({error})"
    config = defaults(project)
    config.update(
        {key: entry.get("objectValue", entry.get("value")) for key, entry in values.items() if "value" in entry}
    )
    return config, f"the configuration of stack {stack or '(selected)'}"
