"""What a scenario builder returns: the Istio objects and sample workloads it needs, and its routing in words."""

from __future__ import annotations

from dataclasses import dataclass

from model.crd import CustomObject
from model.workloads import AppSet
from scenarios.describe import describe


@dataclass(frozen=True)
class ScenarioPlan:
    objects: tuple[CustomObject, ...] = ()
    samples: AppSet | None = None
    notes: tuple[str, ...] = ()

    @property
    def routing(self) -> tuple[str, ...]:
        """One line per routing object, then the notes, as the offline preview prints them."""
        return describe(self.objects) + self.notes
