"""Existing stacks are kept, not replaced: every resource of an earlier program is the same resource now, by its URN
or through an alias (its own, or one it inherits from its parent, as the engine multiplies them out). The end-to-end
run proves the same under the real engine for the Kubernetes resources; this covers the GCP ones, which it cannot
create.

tests/data holds the URNs the offline preview gave at two commits, each for the dev stack's defaults, every preset,
the existing-cluster target and STRICT mTLS with authorization: before the components' children were prefixed with
their component's name (and before Jaeger became a component of its own), and before the components' type tokens were
named after their modules (with ambient, and the Gateway API on an existing cluster, too).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import rendered
from tools.preview.stack_config import ROOT

EARLIER = {
    name: json.loads((ROOT / "tests" / "data" / f"urns_before_{name}.json").read_text())
    for name in ("prefixed_children", "module_type_tokens")
}
BEFORE = EARLIER["prefixed_children"]


def arguments_as_render(arguments: list[str]) -> tuple[tuple[str, ...], str | None]:
    """The recorded `tools.render` arguments as (overrides, preset)."""
    overrides, preset = [], None
    for flag, value in zip(arguments[::2], arguments[1::2], strict=True):
        if flag == "--preset":
            preset = str(ROOT / value)
        else:
            overrides.append(value)
    return tuple(overrides), preset


@pytest.mark.parametrize(
    ("earlier", "name"), sorted((earlier, name) for earlier, data in EARLIER.items() for name in data["configs"])
)
def test_every_resource_of_an_existing_stack_is_kept(earlier, name):
    before = EARLIER[earlier]["configs"][name]
    plan = rendered(*arguments_as_render(before["arguments"])).plan
    claims = Counter(urn for resource in plan["resources"] for urn in {resource["urn"], *resource.get("aliases", [])})
    old = [EARLIER[earlier]["urnPrefix"] + urn for urn in before["urns"]]
    assert [urn for urn in old if urn not in claims] == []
    assert [urn for urn in old if claims[urn] > 1] == []  # one resource takes each former URN


def test_no_gcp_resource_changes_its_urn():
    now = {resource["urn"] for resource in rendered().plan["resources"]}
    gcp = [BEFORE["urnPrefix"] + urn for urn in BEFORE["configs"]["defaults"]["urns"] if "gcp:" in urn]
    assert gcp and [urn for urn in gcp if urn not in now] == []
