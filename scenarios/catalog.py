"""Every scenario the `scenario` config key can name: the records of the modules under scenarios/tutorial/, one
module per scenario (docs/architecture.md gives the recipe for a new one). The settings' checks and warnings, the
presets (`python -m tools.presets`), the verifier's traffic and the docs table are derived from these records."""

from __future__ import annotations

import importlib
import pkgutil

from model.settings import RoutingApi, Settings
from scenarios import tutorial
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario


def discovered(package_path: list[str], package: str) -> tuple[Scenario, ...]:
    """The `SCENARIO` record of each module in the package, in the tutorial's order."""
    records = [
        importlib.import_module(f"{package}.{module.name}").SCENARIO for module in pkgutil.iter_modules(package_path)
    ]
    return tuple(sorted(records, key=lambda record: record.position))


SCENARIOS: tuple[Scenario, ...] = discovered(list(tutorial.__path__), tutorial.__name__)
CATALOG: dict[str, Scenario] = {scenario.name: scenario for scenario in SCENARIOS}


def plan_for(settings: Settings) -> ScenarioPlan:
    """The active scenario's plan, as the settings choose it: its scenario, routing API, parameters and data plane."""
    return CATALOG[settings.scenario].plan(settings.mesh.routing_api, settings.parameters, settings.mesh.ambient)


def sample_namespaces(settings: Settings) -> tuple[str, ...]:
    """Every namespace of sample workloads the catalog's scenarios use, in the tutorial's order."""
    plans = (scenario.plan(RoutingApi.ISTIO, settings.parameters) for scenario in SCENARIOS)
    return tuple(dict.fromkeys(plan.samples.namespace for plan in plans if plan.samples))
