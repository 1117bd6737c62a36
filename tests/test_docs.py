"""The README and docs/ agree with the code: the configuration reference with Pulumi.yaml, the test command with CI,
the scenario table with the catalog."""

from __future__ import annotations

import re

import pytest

from model.parameters import (
    HTTP_STATUS_RANGE,
    PERCENT_RANGE,
    REGEX_MAX_LENGTH,
    REVIEWS_SUBSETS,
    TCP_ECHO_SUBSETS,
)
from model.project import load_project
from model.settings import CLUSTER_NAME_MAX, NODE_COUNT_MAX
from model.versions import ISTIO_RELEASE
from scenarios.catalog import CATALOG
from tools.docs import SCENARIOS_DOC, with_generated
from tools.preview.rendering import OPTIONAL_FIELDS, RESOURCE_FIELDS
from tools.preview.stack_config import ROOT


def section(title: str, document: str = "README.md") -> str:
    """The `## title` section of `document` (a path from the project root), or the whole of a docs/ page."""
    text = (ROOT / document).read_text()
    if text.startswith(f"# {title}\n"):
        return text
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def reference_rows() -> dict[str, tuple[str, str]]:
    """key -> (type, default) from the README's configuration table."""
    rows = re.findall(r"^\| `([A-Za-z]+)` \| (\w+) \| `([^`]*)` \|", section("Configuration reference"), re.M)
    return {key: (type_, default) for key, type_, default in rows}


def yaml_text(value) -> str:
    """A default as the README's table spells it: booleans lowercase, the empty string as `""`."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if value != "" else '""'


def test_configuration_reference_matches_pulumi_yaml():
    declared = {key: (spec["type"], yaml_text(spec["default"])) for key, spec in load_project().declarations.items()}
    assert reference_rows() == declared


def test_ci_runs_the_readmes_test_command():
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    quick_start = section("Quick start")
    assert "make test" in ci and "make lint" in ci
    assert "make test " in quick_start and "make lint " in quick_start and "make preview " in quick_start


def test_every_api_the_stack_calls_is_enabled_by_the_one_script_both_set_ups_run():
    script = (ROOT / "tools/enable-gcp-apis").read_text()
    for api in ("container", "compute", "iam", "cloudresourcemanager"):
        assert f"{api}.googleapis.com" in script
    assert "tools/enable-gcp-apis YOUR_PROJECT_ID" in section("Deploy for real")
    assert 'tools/enable-gcp-apis "$PROJECT_ID"' in section("Continuous delivery", "docs/delivery.md")
    for document in ("README.md", *(str(path.relative_to(ROOT)) for path in (ROOT / "docs").glob("*.md"))):
        assert "gcloud services enable" not in (ROOT / document).read_text(), document


# Each enforced limit, and how the documentation must state it (Pulumi.yaml's description and the README's row).
DURATION = "whole milliseconds from 1ms"
PERCENT = f"({PERCENT_RANGE[0]}-{PERCENT_RANGE[1]})"
LIMITS = {
    "clusterName": f"at most {CLUSTER_NAME_MAX} characters",
    "nodeCount": f"from 1 to {NODE_COUNT_MAX}",
    "faultDelay": DURATION,
    "reviewsTimeout": DURATION,
    "ratingsDelay": DURATION,
    "headerRegex": f"RE2 syntax, 1-{REGEX_MAX_LENGTH} characters",
    "egressHost": "outside the cluster",
    "reviewsWeights": f"over {', '.join(REVIEWS_SUBSETS)} summing to 100",
    "tcpEchoWeights": f"over {', '.join(TCP_ECHO_SUBSETS)} summing to 100",
    "faultAbortStatus": f"({HTTP_STATUS_RANGE[0]}-{HTTP_STATUS_RANGE[1]})",
    "faultPercentage": PERCENT,
    "mirrorPercentage": PERCENT,
}
README_LIMITS = {
    **LIMITS,
    "clusterName": f"1-{CLUSTER_NAME_MAX} lowercase letters",
}


def readme_meaning(key: str) -> str:
    row = next(line for line in section("Configuration reference").splitlines() if line.startswith(f"| `{key}` |"))
    return row.split(" | ")[3]


@pytest.mark.parametrize("key", sorted(LIMITS))
def test_documented_limits_are_the_enforced_ones(key):
    assert LIMITS[key] in load_project().declarations[key]["description"]
    assert README_LIMITS[key] in readme_meaning(key)


def test_the_scenario_tables_and_diagrams_are_written_from_the_catalog():
    text = SCENARIOS_DOC.read_text()
    assert with_generated(text) == text, "a table or diagram is stale: run `venv/bin/python -m tools.docs`"
    assert text.count("```mermaid\n") == len(CATALOG)


def test_the_readme_lists_every_field_of_plan_json():
    paragraph = next(p for p in section("See what would be deployed").split("\n- ") if p.startswith("`DIR/plan.json`"))
    fields = re.findall(r"`([a-zA-Z]+)`", paragraph)
    assert fields == [*RESOURCE_FIELDS, *OPTIONAL_FIELDS]


def test_the_pinned_istio_release_is_pulumi_yamls_default():
    """Stated twice on purpose (Pulumi.yaml is the one source of defaults, model.versions of what the stack pins):
    they must agree."""
    assert load_project().default("istioVersion") == ISTIO_RELEASE
