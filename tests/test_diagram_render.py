"""Every routing diagram renders with Mermaid itself (the library in headless Chromium that `python -m tools.mermaid`
sets up, as `make test` does first): each scenario's, those its parameters change, and one with every character
Mermaid reads as syntax. All in one browser session; no network."""

from __future__ import annotations

import pytest

from scenarios.catalog import CATALOG
from tests.test_diagram import ARROWS, drawn
from tools.mermaid.check import errors
from tools.mermaid.install import RendererMissing, renderer

BROKEN = 'flowchart LR\n    a -->|"unclosed| b\n'  # what a syntax error looks like to the check
DIAGRAMS = {
    **{name: drawn(name) for name in CATALOG},
    **{f"{name}-{'-'.join(parameters)}": drawn(name, *parameters) for name, parameters, _ in ARROWS if parameters},
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, str | None]:
    try:
        found = renderer()
    except RendererMissing as error:
        pytest.fail(f"no Mermaid renderer: {error}")
    return errors(found, {**DIAGRAMS, "broken": BROKEN})


@pytest.mark.parametrize("name", sorted(DIAGRAMS))
def test_the_diagram_renders(rendered, name):
    assert rendered[name] is None


def test_a_syntax_error_is_reported(rendered):
    assert (rendered["broken"] or "").startswith("Parse error on line ")
