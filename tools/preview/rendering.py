"""What `pulumi up` would declare, as data: the program run under the mocks with the assembled configuration,
turned into the plan document and the Kubernetes manifests (SPEC §5), with the scenario's routing diagram.
`python -m tools.render` writes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.catalog import plan_for
from tools.preview.offline import Registration, Run, run_program
from tools.preview.stack_config import ROOT, as_runtime_strings, assemble, typed_settings

# Resources that are Kubernetes objects sent as they are (Helm releases, ConfigFiles and the provider are not).
NOT_MANIFESTS = ("pulumi:providers:kubernetes", "kubernetes:helm.sh/v3:Release", "kubernetes:yaml/v2:ConfigFile")
# Objects kept apart from the manifests a reviewer reads: the Gateway API's CRDs, about 24,000 lines.
CRD_KIND = "CustomResourceDefinition"


@dataclass(frozen=True)
class Rendering:
    plan: dict[str, Any]
    manifests: list[dict[str, Any]]  # every Kubernetes object but the CRDs
    warnings: list[str]
    crds: list[dict[str, Any]] = field(default_factory=list)
    diagram: str = ""  # the active scenario's routing as a Mermaid flowchart

    @property
    def objects(self) -> list[dict[str, Any]]:
        """Every Kubernetes object the program declares, the CRDs included."""
        return [*self.crds, *self.manifests]


def render(
    stack: str = "dev",
    preset: Path | None = None,
    overrides: Sequence[str] = (),
    root: Path = ROOT,
) -> Rendering:
    """Runs the program offline with the assembled configuration; raises ConfigError or UsageError."""
    project, config = assemble(stack, preset, overrides, root)
    return render_assembled(project.name, stack, config, root)


def render_assembled(project: str, stack: str, config: dict[str, Any], root: Path = ROOT) -> Rendering:
    """Runs the program offline with a configuration as `assemble` makes it; raises what the program raises."""
    run = run_program(project, stack, as_runtime_strings(config), root)
    objects = kubernetes_objects(run)
    return Rendering(
        plan=plan_document(run, config),
        manifests=[obj for obj in objects if obj["kind"] != CRD_KIND],
        warnings=run.warnings,
        crds=[obj for obj in objects if obj["kind"] == CRD_KIND],
        diagram=plan_for(typed_settings(config)).diagram,  # the plan the program declared, from the same settings
    )


# The fields of each resource in plan.json (README.md lists them): always these, then those set only when they apply.
RESOURCE_FIELDS = ("urn", "type", "name", "parent", "provider", "dependsOn", "inputs")
OPTIONAL_FIELDS = ("read", "deletedWith", "retainOnDelete", "secretOutputs", "ignoreChanges", "aliases")


def resource_document(resource: Registration) -> dict[str, Any]:
    values = (
        resource.urn,
        resource.type,
        resource.name,
        resource.parent,
        resource.provider,
        resource.depends_on,
        resource.inputs,
    )
    optional = (
        resource.read,
        resource.deleted_with,
        resource.retain_on_delete,
        resource.secret_outputs,
        resource.ignore_changes,
        resource.aliases,
    )
    return {
        **dict(zip(RESOURCE_FIELDS, values, strict=True)),
        **{field: value for field, value in zip(OPTIONAL_FIELDS, optional, strict=True) if value},
    }


def plan_document(run: Run, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "project": run.project,
        "stack": run.stack,
        "config": dict(sorted(config.items())),
        "resources": [resource_document(resource) for resource in run.resources],
        "outputs": run.outputs,
    }


def kubernetes_objects(run: Run) -> list[dict[str, Any]]:
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
