"""The tutorial's start: no rule on reviews, so requests spread over v1, v2 and v3."""

from __future__ import annotations

from model.parameters import ScenarioParameters
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario
from scenarios.view import Note


def round_robin(_: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(notes=(Note("reviews", "mesh", "no route rule", "round robin over v1, v2, v3"),))


SCENARIO = Scenario(
    "round-robin",
    1,
    round_robin,
    round_robin,
    summary=(
        "The tutorial's start: no route rule on reviews, so each refresh of the product page shows v1 (no "
        "stars), v2 (black) or v3 (red) in turn."
    ),
    changes="nothing routes reviews",
    shows="refresh the product page: no stars, black, red, in turn",
)
