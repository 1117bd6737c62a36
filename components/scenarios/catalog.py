"""Every scenario the `scenario` config key can name, and the builder behind each."""

from __future__ import annotations

from typing import Callable

from components.scenarios.plan import ScenarioPlan


def round_robin() -> ScenarioPlan:
    """The tutorial's start: no rule on reviews, so requests spread over v1, v2 and v3."""
    return ScenarioPlan(routing=("reviews: no route rule -> round robin over v1, v2, v3",))


CATALOG: dict[str, Callable[[], ScenarioPlan]] = {
    "round-robin": round_robin,
}
