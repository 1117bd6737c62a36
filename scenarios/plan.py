"""What a scenario builder returns: the routing objects and sample workloads it needs, and its routing in words."""

from __future__ import annotations

from dataclasses import dataclass

from model.crd import CustomObject
from model.workloads import AppSet
from scenarios.describe import describe


@dataclass(frozen=True)
class ScenarioPlan:
    objects: tuple[CustomObject, ...] = ()
    samples: AppSet | None = None
    notes: tuple[str, ...] = ()  # routing the objects do not show (no rule: round robin; no route: 404)

    @property
    def routing(self) -> tuple[str, ...]:
        """The routing in words, the same under either API: one line per route and per limits, then the notes."""
        return describe(self.objects) + self.notes
