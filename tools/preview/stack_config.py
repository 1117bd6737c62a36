"""Stack configuration assembled as the Pulumi CLI does: Pulumi.yaml defaults <- stack file <- preset <- overrides.

Under mocks `pulumi.Config` reads neither Pulumi.yaml nor stack files, so the offline preview and the tests
use this module to hand the program the same values `pulumi up` would.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from model.config import MappingConfig, config_text, too_many_digits
from model.project import Project, load_project
from model.settings import Settings, load_settings
from scenarios.catalog import CATALOG

ROOT = Path(__file__).resolve().parents[2]


class UsageError(Exception):
    """A mistake in how a tool was called (bad flag, missing file), as opposed to a bad config value."""


def qualified(key: str, project: Project) -> str:
    return key if ":" in key else f"{project.name}:{key}"


def defaults(project: Project) -> dict[str, Any]:
    """Pulumi.yaml's defaults, copied: a `--set` with a path writes into them, and the project is read once."""
    values = {
        qualified(key, project): copy.deepcopy(spec["default"])
        for key, spec in project.declarations.items()
        if "default" in spec
    }
    values.update(project.fixed_values)
    return values


class PulumiYamlLoader(yaml.SafeLoader):
    """YAML as the Pulumi CLI reads stack files (YAML 1.2's core schema): only true/false are booleans, so
    `yes`, `on` and `off` stay text, which the settings then refuse, as `pulumi config set` would."""


PulumiYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
PulumiYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _integer_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """An integer, or its text when it has more digits than any setting allows (the settings then refuse it by
    key; Python would refuse to convert more than 4,300 digits at all)."""
    text = loader.construct_scalar(node)
    if too_many_digits(text):
        return text
    return loader.construct_yaml_int(node)


PulumiYamlLoader.add_constructor("tag:yaml.org,2002:int", _integer_or_text)


def yaml_problem(error: yaml.YAMLError) -> str:
    """`invalid YAML at line L, column C (problem)`, from PyYAML's error."""
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"invalid YAML{where} ({getattr(error, 'problem', None) or 'unreadable'})"


# The keys of a Pulumi stack file besides `config:` (a stack file may hold only these, e.g. its secrets' salt).
STACK_FILE_KEYS = ("config", "encryptionsalt", "secretsprovider", "encryptedkey", "environment")


def read_config_file(path: Path, project: Project, preset: bool = False) -> dict[str, Any]:
    """The `config:` mapping of a stack file or preset, keys qualified with the project name. A preset must set at
    least one key; a stack file must at least be one (an empty file, or one with none of a stack file's keys, is
    refused rather than read as no configuration)."""
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    allowed = "allowed: a YAML mapping with a `config:` mapping of keys to values, as Pulumi's stack files"
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror}); {allowed}") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not UTF-8 text (byte {error.start}); {allowed}") from None
    try:
        document = yaml.load(text, Loader=PulumiYamlLoader) or {}
    except yaml.YAMLError as error:
        raise UsageError(f"{path}: {yaml_problem(error)}; {allowed}") from None
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(config if config is not None else {}, dict):
        raise UsageError(f"{path}: expected a mapping with a `config:` mapping; {allowed}")
    if preset and not config:
        raise UsageError(f"{path}: sets no key (no `config:` mapping, or an empty one); {allowed}")
    if not any(key in document for key in STACK_FILE_KEYS):
        raise UsageError(f"{path}: is empty or not a stack file (no `config:` mapping); {allowed}")
    keys = [key for key in (config or {}) if not isinstance(key, str)]
    if keys:
        raise UsageError(f"{path}: config key {keys[0]!r} is not text; {allowed}")
    return {qualified(key, project): value for key, value in (config or {}).items()}


def parse_value(text: str) -> Any:
    """A --set VALUE: YAML for objects and arrays; for scalars only true/false and integers are typed,
    so that text such as `1.30`, `on` or `0755` reaches the program exactly as written (as the CLI keeps it)."""
    if text.lstrip().startswith(("{", "[")):
        return yaml.load(text, Loader=PulumiYamlLoader)
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?(?:0|[1-9][0-9]*)", text) and not too_many_digits(text):
        return int(text)
    return text


def apply_override(config: dict[str, Any], assignment: str, project: Project) -> None:
    """Applies one KEY=VALUE as `pulumi config set --path KEY VALUE` would (VALUE parsed as YAML)."""
    key, separator, text = assignment.partition("=")
    if not separator or not key:
        raise UsageError(f"--set expects KEY=VALUE, got {assignment!r}")
    try:
        value = parse_value(text)
    except yaml.YAMLError as error:
        raise UsageError(
            f"--set {key}: {yaml_problem(error)}; allowed: text, true/false, an integer, or a YAML object or array"
        ) from None
    head, *path = qualified(key, project).split(".")
    if not path:
        config[head] = value
        return
    node = config.setdefault(head, {})
    for part in path[:-1]:
        if not isinstance(node, dict):
            raise UsageError(f"--set {key}: {head} is not an object")
        node = node.setdefault(part, {})
    if not isinstance(node, dict):
        raise UsageError(f"--set {key}: {head} is not an object")
    node[path[-1]] = value


def assemble(
    stack: str = "dev",
    preset: Path | None = None,
    overrides: Iterable[str] = (),
    root: Path = ROOT,
) -> tuple[Project, dict[str, Any]]:
    """The whole configuration of `stack`, as typed YAML values keyed `namespace:key`."""
    project = load_project(root / "Pulumi.yaml")
    config = defaults(project)
    config.update(read_config_file(root / f"Pulumi.{stack}.yaml", project))
    if preset is not None:
        config.update(read_config_file(preset, project, preset=True))
    for assignment in overrides:
        apply_override(config, assignment, project)
    return project, config


def as_runtime_strings(config: dict[str, Any]) -> dict[str, str]:
    """Config values as the engine hands them to a program."""
    return {key: config_text(value) for key, value in config.items()}


def typed_settings(config: dict[str, Any], scenario: str | None = None) -> Settings:
    """The program's own typed, validated settings of `config` (as `assemble` returns it), with `scenario` in place
    of the configured one when given; raises the ConfigError `pulumi up` would."""
    project = load_project()
    strings = as_runtime_strings(config)
    if scenario is not None:
        strings[f"{project.name}:scenario"] = scenario
    return load_settings(MappingConfig(strings, project.name), MappingConfig(strings, "gcp"), CATALOG, strings)
