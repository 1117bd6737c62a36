"""The real Pulumi engine driving the project's program, through the Automation API as an inline program.

No Python language host binary is served here, so the rig cannot `pulumi up` the project directory; the
Automation API's inline program needs none: this Python process serves the language runtime and the CLI
connects to it. The program is `components.program.program`, the function `__main__.py` calls, and the
work directory holds a copy of the project's Pulumi.yaml, so its `config:` declarations and defaults apply
as under `pulumi up`. State lives in a local file backend; secrets use a passphrase.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from pulumi import automation as auto

from e2e.toolchain import TOOLS, cache_root
from model.project import PROJECT_FILE, load_project

STACK = "e2e"
PASSPHRASE = "istio-demo-e2e"
# The engine's own builtin provider: created for the `pulumi:pulumi:getResource` invoke with which the SDK resolves
# the resource references a remote component (the Gateway API's ConfigFiles) returns; no object of the stack.
BUILTIN_PROVIDER = "pulumi:providers:pulumi"
# The engine names a default provider (pulumi-random's, which the program does not declare) `default_<version>`;
# the offline preview has none, since the mocks declare no provider the program does not.
DEFAULT_PROVIDER = re.compile(r"::pulumi:providers:[^:]+::default(_[0-9_]+)?$")
# Engine operations as the report groups them.
OPERATIONS = {
    "create": "create",
    "update": "update",
    "delete": "delete",
    "replace": "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
}


@dataclass
class Changes:
    """URNs by operation, as the engine reported its steps (reads and unchanged resources left out)."""

    create: set[str] = field(default_factory=set)
    update: set[str] = field(default_factory=set)
    delete: set[str] = field(default_factory=set)
    replace: set[str] = field(default_factory=set)

    def record(self, event: auto.EngineEvent) -> None:
        step = event.resource_pre_event
        if (
            step is None
            or step.metadata.type.startswith("pulumi:pulumi:Stack")
            or step.metadata.type == BUILTIN_PROVIDER
            or DEFAULT_PROVIDER.search(step.metadata.urn)
        ):
            return
        operation = OPERATIONS.get(step.metadata.op.value)
        if operation is not None:
            getattr(self, operation).add(step.metadata.urn)

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete or self.replace)

    def document(self) -> dict[str, list[str]]:
        return {name: sorted(getattr(self, name)) for name in ("create", "update", "delete", "replace")}


def leaves(key: str, value: object) -> dict[str, str]:
    """An object's leaves as `pulumi config set --path` sets them: `key.a.b` -> text."""
    if isinstance(value, dict):
        return {path: leaf for name, inner in value.items() for path, leaf in leaves(f"{key}.{name}", inner).items()}
    return {key: value if isinstance(value, str) else json.dumps(value)}


def environment(home: Path) -> dict[str, str]:
    """The engine's environment: nothing downloaded, nothing outside the run's own directories."""
    return {
        "PULUMI_HOME": str(home),
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "HELM_CACHE_HOME": str(home / "helm" / "cache"),
        "HELM_CONFIG_HOME": str(home / "helm" / "config"),
        "HELM_DATA_HOME": str(home / "helm" / "data"),
    }


# The resource plugins the run registers: plugin name -> (the tool that builds it, the Python SDK that asks for it).
PLUGINS = {
    "kubernetes": ("pulumi-resource-kubernetes", "pulumi-kubernetes"),
    "random": ("pulumi-resource-random", "pulumi-random"),
}


def install_plugins(home: Path) -> None:
    """Registers each built provider plugin under the version its installed Python SDK asks for (again whenever
    the build is newer than the registered copy); a plugin whose source is not beside the clone is left out."""
    for name, (tool, distribution) in PLUGINS.items():
        if not TOOLS[tool].available:
            continue
        sdk = version(distribution)
        plugin = home / "plugins" / f"resource-{name}-v{sdk}"
        built = TOOLS[tool].path(tool)
        if plugin.is_dir() and plugin.stat().st_mtime >= built.stat().st_mtime:
            continue
        install = ["plugin", "install", "resource", name, sdk, "--reinstall", "--file", str(built)]
        subprocess.run(
            [str(TOOLS["pulumi"].path("pulumi")), *install],
            env={**os.environ, **environment(home)},
            check=True,
            capture_output=True,
            text=True,
        )


def stop_engine_processes() -> None:
    """Ends what an interrupted operation leaves running: the CLI and the provider plugins it started."""
    for binary in (TOOLS["pulumi"].path("pulumi"), cache_root() / "pulumi-home" / "plugins"):
        subprocess.run(["pkill", "-f", str(binary)], check=False, capture_output=True)


class Engine:
    """One stack of the project on a local backend, driven by the real CLI and engine."""

    def __init__(self, work: Path, program: Callable[[], None], fresh: bool = True) -> None:
        """The stack in `work`: a new one (`fresh`), or the one already there, as another program left it."""
        stop_engine_processes()  # of a run that was killed before it could clean up
        self.home = cache_root() / "pulumi-home"
        self.home.mkdir(parents=True, exist_ok=True)
        install_plugins(self.home)
        state = work / "state"
        project_dir = work / "project"
        if fresh:
            shutil.rmtree(work, ignore_errors=True)
        state.mkdir(parents=True, exist_ok=True)
        project_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_FILE, project_dir / "Pulumi.yaml")
        self.stack = auto.create_or_select_stack(
            stack_name=STACK,
            project_name=load_project().name,
            program=program,
            opts=auto.LocalWorkspaceOptions(
                work_dir=str(project_dir),
                pulumi_home=str(self.home),
                pulumi_command=auto.PulumiCommand(root=str(TOOLS["pulumi"].directory)),
                env_vars={**environment(self.home), "PULUMI_BACKEND_URL": f"file://{state}"},
                secrets_provider="passphrase",
            ),
        )

    def configure(self, config: dict[str, str]) -> None:
        """Replaces the stack's configuration with `config` (`namespace:key` -> text; an object-typed key's value is
        its JSON, set as `pulumi config set --path` sets each leaf)."""
        current = self.stack.get_all_config()
        stale = [key for key in current if key not in config]
        if stale:
            self.stack.remove_all_config(stale)
        objects = {key for key, spec in load_project().declarations.items() if spec.get("type") == "object"}
        plain, paths = {}, {}
        for key, value in config.items():
            if key.split(":", 1)[-1] in objects:
                paths.update({path: auto.ConfigValue(leaf) for path, leaf in leaves(key, json.loads(value)).items()})
            else:
                plain[key] = auto.ConfigValue(value)
        self.stack.set_all_config(plain)
        if paths:
            self.stack.set_all_config(paths, path=True)

    def up(self) -> Changes:
        changes = Changes()
        self.stack.up(on_event=changes.record, color="never", suppress_progress=True)
        return changes

    def preview(self) -> Changes:
        """A preview with diff, as a pull request's stack preview runs it."""
        changes = Changes()
        self.stack.preview(diff=True, on_event=changes.record, color="never", suppress_progress=True)
        return changes

    def refresh(self) -> dict[str, list[str]]:
        """URN -> the properties a refresh found changed in the live objects (no entry: no drift)."""
        drift: dict[str, list[str]] = {}

        def record(event: auto.EngineEvent) -> None:
            outputs = event.res_outputs_event
            if outputs is not None and (outputs.metadata.diffs or outputs.metadata.detailed_diff):
                drift[outputs.metadata.urn] = sorted(outputs.metadata.diffs or outputs.metadata.detailed_diff or [])

        self.stack.refresh(on_event=record, color="never", suppress_progress=True)
        return drift

    def destroy(self) -> Changes:
        changes = Changes()
        self.stack.destroy(on_event=changes.record, color="never", suppress_progress=True)
        return changes

    def remove(self) -> None:
        self.stack.workspace.remove_stack(STACK)
