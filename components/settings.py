"""The stack configuration, parsed once into typed settings and validated before anything is declared."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional, Protocol, TypeVar

import pulumi

T = TypeVar("T")


class ConfigError(pulumi.RunError):
    """A configuration value the program refuses; Pulumi prints a RunError without a traceback."""

    def __init__(self, key: str, problem: str, allowed: str) -> None:
        super().__init__(f"{key}: {problem}; {allowed}")
        self.key = key


class RawConfig(Protocol):
    """What the settings need from a configuration namespace (`pulumi.Config` fits)."""

    def get(self, key: str) -> Optional[str]: ...


CLUSTER_NAME = re.compile(r"^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$")
ZONE = re.compile(r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")
MACHINE_TYPE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")
RELEASE_CHANNELS = ("RAPID", "REGULAR", "STABLE")
MTLS_MODES = ("PERMISSIVE", "STRICT")


@dataclass(frozen=True)
class ClusterSettings:
    name: str
    zone: str
    project: Optional[str]
    node_count: int
    machine_type: str
    spot_nodes: bool
    release_channel: str
    deletion_protection: bool


@dataclass(frozen=True)
class MeshSettings:
    istio_version: str
    egress_gateway: bool


@dataclass(frozen=True)
class SecuritySettings:
    mtls_mode: str
    authorization: bool


@dataclass(frozen=True)
class Settings:
    cluster: ClusterSettings
    mesh: MeshSettings
    security: SecuritySettings
    scenario: str


class ConfigParser:
    """Reads raw strings from one namespace and turns them into typed values or a ConfigError."""

    def __init__(self, raw: RawConfig, prefix: str = "") -> None:
        self._raw = raw
        self._prefix = prefix

    def text(self, key: str) -> str:
        value = self._raw.get(key)
        if value is None:
            raise ConfigError(
                self._prefix + key, "not set", f"set it with `pulumi config set {self._prefix}{key} <value>`"
            )
        return value

    def optional_text(self, key: str) -> Optional[str]:
        return self._raw.get(key)

    def matching(self, key: str, pattern: re.Pattern[str], allowed: str) -> str:
        value = self.text(key)
        if not pattern.match(value):
            raise ConfigError(self._prefix + key, f"{value!r} is not valid", allowed)
        return value

    def one_of(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in choices:
            raise ConfigError(self._prefix + key, f"unknown value {value!r}", f"allowed: {', '.join(choices)}")
        return value

    def integer(self, key: str, minimum: int, maximum: Optional[int] = None) -> int:
        allowed = f"allowed: an integer from {minimum} to {maximum}" if maximum is not None else (
            f"allowed: an integer >= {minimum}"
        )
        value = self.text(key)
        if not re.fullmatch(r"-?[0-9]+", value.strip()):
            raise ConfigError(self._prefix + key, f"{value!r} is not an integer", allowed)
        number = int(value)
        if number < minimum or (maximum is not None and number > maximum):
            raise ConfigError(self._prefix + key, f"{number} is out of range", allowed)
        return number

    def boolean(self, key: str) -> bool:
        value = self.text(key)
        if value.lower() not in ("true", "false"):
            raise ConfigError(self._prefix + key, f"{value!r} is not a boolean", "allowed: true, false")
        return value.lower() == "true"

    def parsed(self, key: str, parse: Callable[[str], T], allowed: str) -> T:
        """Applies `parse` (which raises ValueError with the problem) to the raw value."""
        value = self.text(key)
        try:
            return parse(value)
        except ValueError as problem:
            raise ConfigError(self._prefix + key, str(problem), allowed) from None


def load_cluster(project: ConfigParser, gcp: ConfigParser) -> ClusterSettings:
    return ClusterSettings(
        name=project.matching(
            "clusterName",
            CLUSTER_NAME,
            "allowed: 1-40 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
        ),
        zone=gcp.matching("zone", ZONE, "allowed: a Compute Engine zone name such as us-central1-a"),
        project=gcp.optional_text("project"),
        node_count=project.integer("nodeCount", minimum=1),
        machine_type=project.matching(
            "machineType", MACHINE_TYPE, "allowed: a Compute Engine machine type such as n1-standard-1"
        ),
        spot_nodes=project.boolean("spotNodes"),
        release_channel=project.one_of("releaseChannel", RELEASE_CHANNELS),
        deletion_protection=project.boolean("deletionProtection"),
    )


def load_mesh(project: ConfigParser) -> MeshSettings:
    return MeshSettings(
        istio_version=project.matching("istioVersion", VERSION, "allowed: a version x.y.z such as 1.30.3"),
        egress_gateway=project.boolean("egressGateway"),
    )


def load_security(project: ConfigParser) -> SecuritySettings:
    return SecuritySettings(
        mtls_mode=project.one_of("mtlsMode", MTLS_MODES),
        authorization=project.boolean("authorization"),
    )


def load_settings(project_config: RawConfig, gcp_config: RawConfig, scenario_names: tuple[str, ...]) -> Settings:
    """Parses and validates every key; raises ConfigError on the first bad value."""
    project = ConfigParser(project_config)
    gcp = ConfigParser(gcp_config, prefix="gcp:")
    return Settings(
        cluster=load_cluster(project, gcp),
        mesh=load_mesh(project),
        security=load_security(project),
        scenario=project.one_of("scenario", scenario_names),
    )
