"""What a scenario builder returns: the routing objects and sample workloads it needs; its routing in words and drawn."""

from __future__ import annotations

from dataclasses import dataclass

from model.crd import CustomObject
from model.workloads import AppSet
from scenarios.describe import describe
from scenarios.diagram import diagram
from scenarios.view import Note


@dataclass(frozen=True)
class ScenarioPlan:
    objects: tuple[CustomObject, ...] = ()
    samples: AppSet | None = None
    notes: tuple[Note, ...] = ()  # routing the objects do not show (no rule: round robin; no route: 404)

    @property
    def routing(self) -> tuple[str, ...]:
        """The routing in words, the same under either API: one line per route and per limits, then the notes."""
        return describe(self.objects, self.notes)

    @property
    def diagram(self) -> str:
        """The same routing as a Mermaid flowchart, the same under either API."""
        return diagram(self.objects, self.notes)
