"""The stack configuration, parsed once into typed settings and validated before anything is declared."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from components.config import ConfigError, ConfigParser, RawConfig, config_text
from components.project import load_project
from components.scenarios.parameters import USED_BY, ScenarioParameters, ignored_parameters, load_parameters


# GKE allows 40 characters, and the node pool is named `<clusterName>-nodes` within the same limit.
CLUSTER_NAME = re.compile(r"^[a-z](?:[-a-z0-9]{0,32}[a-z0-9])?$")
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
class AddonSettings:
    """Which observability add-ons of the demo setup to install."""

    prometheus: bool
    grafana: bool
    kiali: bool
    jaeger: bool


@dataclass(frozen=True)
class SecuritySettings:
    mtls_mode: str
    authorization: bool


@dataclass(frozen=True)
class Settings:
    cluster: ClusterSettings
    mesh: MeshSettings
    addons: AddonSettings
    security: SecuritySettings
    scenario: str
    parameters: ScenarioParameters
    warnings: tuple[str, ...]


def load_cluster(project: ConfigParser, gcp: ConfigParser) -> ClusterSettings:
    return ClusterSettings(
        name=project.matching(
            "clusterName",
            CLUSTER_NAME,
            "allowed: 1-34 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
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


def load_addons(project: ConfigParser) -> AddonSettings:
    """The add-on toggles; Kiali and Grafana read their metrics from Prometheus, so they need it."""
    addons = AddonSettings(
        prometheus=project.boolean("prometheus"),
        grafana=project.boolean("grafana"),
        kiali=project.boolean("kiali"),
        jaeger=project.boolean("jaeger"),
    )
    for key, enabled in (("kiali", addons.kiali), ("grafana", addons.grafana)):
        if enabled and not addons.prometheus:
            raise ConfigError(key, "needs prometheus=true", f"set prometheus=true or {key}=false")
    return addons


def load_security(project: ConfigParser) -> SecuritySettings:
    return SecuritySettings(
        mtls_mode=project.one_of("mtlsMode", MTLS_MODES),
        authorization=project.boolean("authorization"),
    )


def load_settings(project_config: RawConfig, gcp_config: RawConfig, scenario_names: tuple[str, ...]) -> Settings:
    """Parses and validates every key; raises ConfigError on the first bad value."""
    project = ConfigParser(project_config)
    gcp = ConfigParser(gcp_config, prefix="gcp:")
    mesh = load_mesh(project)
    scenario = project.one_of("scenario", scenario_names)
    if scenario == "egress-gateway" and not mesh.egress_gateway:
        raise ConfigError("scenario", "egress-gateway needs the egress gateway", "set egressGateway=true or pick another scenario")
    return Settings(
        cluster=load_cluster(project, gcp),
        mesh=mesh,
        addons=load_addons(project),
        security=load_security(project),
        scenario=scenario,
        parameters=load_parameters(project),
        warnings=parameter_warnings(project, scenario),
    )


def parameter_warnings(project: ConfigParser, scenario: str) -> tuple[str, ...]:
    declared = load_project()
    values = {key: project.text(key) for key in USED_BY}
    defaults = {key: config_text(declared.default(key)) for key in USED_BY}
    return tuple(ignored_parameters(scenario, values, defaults))
