"""What a scenario builder returns: the Istio objects and sample workloads it needs, and its routing in words."""

from __future__ import annotations

from dataclasses import dataclass

from components.istio_objects import IstioObject


@dataclass(frozen=True)
class ScenarioPlan:
    objects: tuple[IstioObject, ...] = ()
    samples: tuple[str, ...] = ()
    routing: tuple[str, ...] = ()
