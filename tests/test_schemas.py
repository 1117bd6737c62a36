"""Every object the program sends to the API server is valid under strict schemas; the checker itself is strict."""

from __future__ import annotations

import pytest

from tools.preview.schemas import violations


def test_every_manifest_is_strictly_valid(default):
    assert len(default.manifests) >= 20
    problems = {
        f"{obj['kind']} {obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}": violations(obj)
        for obj in default.manifests
    }
    assert {name: found for name, found in problems.items() if found} == {}


def _virtual_service(route: dict) -> dict:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "reviews", "namespace": "bookinfo"},
        "spec": {"hosts": ["reviews"], "http": [route]},
    }


@pytest.mark.parametrize(
    ("obj", "problem"),
    [
        (
            _virtual_service({"route": [{"destination": {"host": "reviews", "subsets": "v1"}}]}),
            "'subsets' was unexpected",
        ),
        (_virtual_service({"routes": []}), "'routes' was unexpected"),
        (
            _virtual_service({"route": [{"destination": {"host": "reviews"}, "weight": "half"}]}),
            "'half' is not of type",
        ),
        (
            {"apiVersion": "networking.istio.io/v1", "kind": "Sidecarz", "metadata": {"name": "x"}, "spec": {}},
            "no CRD serves Sidecarz",
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "x"},
                "spec": {"ports": [{"port": 80, "bogus": 1}]},
            },
            "'bogus' was unexpected",
        ),
        (
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"replicas": "one"}},
            "is not of type",
        ),
    ],
)
def test_checker_refuses_unknown_fields_and_wrong_types(obj, problem):
    found = violations(obj)
    assert found and problem in " ".join(found)
