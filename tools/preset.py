"""Apply a scenario preset to a Pulumi stack: `pulumi config set-all` with the preset's keys.

    python -m tools.preset stacks/NAME.yaml [--stack STACK] [--dry-run]

Needs the Pulumi CLI (except with --dry-run, which prints the command). Then run `pulumi up`.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from model.config import ConfigError, config_text
from model.project import load_project
from tools.preview.stack_config import ROOT, UsageError, assemble, read_config_file, typed_settings


def set_all_command(preset: Path, stack: str | None) -> list[str]:
    """The `pulumi config set-all` invocation that writes every key of `preset` into the stack."""
    config = read_config_file(preset, load_project(), preset=True)
    command = ["pulumi", "config", "set-all"] + (["--stack", stack] if stack else [])
    for key, value in config.items():
        command += ["--plaintext", f"{key}={config_text(value)}"]
    return command


def validate(preset: Path, stack: str | None) -> None:
    """Runs the preset, over the stack file's values (the dev stack's when the stack has no file here), through
    the program's own settings parser; raises its ConfigError before anything is written to the stack."""
    name = stack if stack and (ROOT / f"Pulumi.{stack}.yaml").is_file() else "dev"
    typed_settings(assemble(name, preset)[1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.preset", description=__doc__.split("\n\n")[0])
    parser.add_argument("preset", type=Path, help="a preset file, e.g. stacks/fault-delay.yaml")
    parser.add_argument("--stack", help="the stack to change (default: Pulumi's selected stack)")
    parser.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    arguments = parser.parse_args(argv)
    try:
        validate(arguments.preset, arguments.stack)
        command = set_all_command(arguments.preset, arguments.stack)
    except (ConfigError, UsageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if arguments.dry_run:
        print(shlex.join(command))
        return 0
    if shutil.which("pulumi") is None:
        print("error: the Pulumi CLI is not on PATH; install it or use --dry-run", file=sys.stderr)
        return 2
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
