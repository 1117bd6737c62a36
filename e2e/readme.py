"""The README's own commands, as a new user runs them: a copy of the project, the CLI with Pulumi's Python language
host (Pulumi.yaml's runtime makes `venv/` itself), docs/own-cluster.md's kind recipe pointed at the run's cluster,
the README's Switch and Tear down sections, and the pull-request preview's `pulumi preview --diff` with the policy
pack.

The commands are written here as the docs print them, and a test keeps each one in the docs (tests/test_e2e_rig.py).
What the rig adds is said where it is added: the settings that point the kind stack at the run's cluster (its
context and kubeconfig file, the chart mirror, the run's istiod) before the first `up`, and
`PULUMI_SKIP_CONFIRMATIONS`, the CLI's own answer `yes` to the prompts of `pulumi up` and `pulumi destroy`.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from e2e.engine import PASSPHRASE, environment, leaves
from e2e.toolchain import TOOLS, cache_root
from tools.preview.stack_config import ROOT

STACK = "kind"
# Each command the step runs, by the step's name for it: (where the docs print it, the command). First
# docs/own-cluster.md's kind recipe; the README's Switch section; the pull request's preview
# (.github/workflows/pulumi-preview.yml runs it with the policy pack and the diff, after installing the pack); then
# the README's Tear down.
COMMANDS = {
    "stack-init": ("docs/own-cluster.md", "pulumi stack init kind"),
    "up": ("docs/own-cluster.md", "pulumi up"),
    "port-forward": ("docs/own-cluster.md", "pulumi stack output productpagePortForward"),
    "switch:user-routing": ("README.md", "pulumi config set scenario user-routing && pulumi up"),
    "switch:fault-delay": ("README.md", "venv/bin/python -m tools.preset stacks/fault-delay.yaml && pulumi up"),
    "switch:round-robin": ("README.md", "pulumi config set scenario round-robin && pulumi up"),
    "policy-pack": (".github/workflows/pulumi-preview.yml", ".github/scripts/install-policy-pack policy"),
    "pull-request-preview": (".github/workflows/pulumi-preview.yml", "pulumi preview --diff --policy-pack policy"),
    "destroy": ("README.md", "pulumi destroy"),
}
# The settings the rig gives the kind stack so that it reaches the run's cluster, charts and istiod (and, without
# the add-on charts beside the clone, leaves the add-ons off); everything else is Pulumi.kind.yaml's.
RIG_KEYS = ("kubeContext", "kubeconfig", "chartMirror", "helmValues", "prometheus", "grafana", "kiali")
COMMAND_TIMEOUT_SECONDS = 900


class ReadmeError(RuntimeError):
    """A command of the docs failed."""


def project_copy(into: Path) -> Path:
    """The project's tracked files, as a fresh clone has them (no venv/, nothing built)."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, into / name)
    return into


@dataclass
class Shell:
    """A new user's shell in the project copy: the CLI and the language host on PATH, a local state backend."""

    project: Path
    state: Path

    def environment(self) -> dict[str, str]:
        home = cache_root() / "pulumi-home"
        tools = [
            TOOLS["pulumi"].path("pulumi").parent,
            TOOLS["pulumi-language-python"].path("pulumi-language-python").parent,
        ]
        path = os.pathsep.join([*(str(tool) for tool in tools), os.environ["PATH"]])
        return {
            **os.environ,
            **environment(home),
            "PATH": path,
            "PULUMI_BACKEND_URL": f"file://{self.state}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_CONFIRMATIONS": "true",
        }

    def run(self, command: str) -> str:
        """`command` as bash runs it in the project; its output, or the failure with the output's end."""
        self.state.mkdir(parents=True, exist_ok=True)
        finished = subprocess.run(
            ["bash", "-c", f"set -euo pipefail; {command}"],
            cwd=self.project,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
        if finished.returncode != 0:
            tail = (finished.stdout + finished.stderr).strip()[-1500:]
            raise ReadmeError(f"`{command}` failed ({finished.returncode}): {tail}")
        return finished.stdout

    def config_set(self, key: str, value: str, path: bool = False) -> None:
        flag = " --path" if path else ""
        self.run(f"pulumi config set{flag} {shlex.quote(key)} {shlex.quote(value)}")


def command(name: str) -> str:
    return COMMANDS[name][1]


def rig_settings(target: tuple[str, ...]) -> tuple[str, ...]:
    """The run's `key=value` settings that the kind stack gets from the rig."""
    return tuple(item for item in target if item.split("=", 1)[0] in RIG_KEYS)


def point_at_run(shell: Shell, target: tuple[str, ...]) -> None:
    """`pulumi config set` of each rig setting, an object's leaves with `--path` as docs/own-cluster.md sets them."""
    for item in rig_settings(target):
        key, _, value = item.partition("=")
        if key == "helmValues":
            for path, leaf in leaves(key, json.loads(value)).items():
                shell.config_set(path, leaf, path=True)
        else:
            shell.config_set(key, value)


def preview_problems(output: str, expected: dict[str, set[str]]) -> list[str]:
    """The CLI's preview against the offline previews' predicted changes: the policy pack ran, and each predicted
    resource is named with its operation's count in the summary."""
    problems = [] if "Policy Packs run:" in output else ["the preview ran no policy pack"]
    changed = {urn for urns in expected.values() for urn in urns}
    problems += [f"the preview does not show {urn}" for urn in sorted(changed) if urn.rsplit("::", 1)[1] not in output]
    for operation, sign in (("create", "+"), ("delete", "-")):
        count = len(expected[operation])
        if count and f"{sign} {count} to {operation}" not in output:
            problems.append(f"the preview's summary does not say `{sign} {count} to {operation}`")
    return problems
