"""The typed routing model serialises to exactly the field names and shapes the CRDs use."""

from __future__ import annotations

import pytest

from model.crd import camel, serialise
from model.istio_routing import (
    Abort,
    Delay,
    Fault,
    HTTPMatch,
    HTTPRoute,
    OutlierDetection,
    Percent,
    StringMatch,
    VirtualService,
    to,
)


@pytest.mark.parametrize(
    ("field", "crd"),
    [
        ("host", "host"),
        ("fixed_delay", "fixedDelay"),
        ("mirror_percentage", "mirrorPercentage"),
        ("http1_max_pending_requests", "http1MaxPendingRequests"),
        ("consecutive_5xx_errors", "consecutive5xxErrors"),
        ("from_", "from"),
    ],
)
def test_field_names_are_the_crds(field, crd):
    assert camel(field) == crd


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (to("reviews"), {"destination": {"host": "reviews"}}),
        (
            to("reviews", "v2", 10, 9080),
            {"destination": {"host": "reviews", "subset": "v2", "port": {"number": 9080}}, "weight": 10},
        ),
        (to("reviews", weight=0), {"destination": {"host": "reviews"}, "weight": 0}),
        (StringMatch("regex", ".*Firefox.*"), {"regex": ".*Firefox.*"}),
        (HTTPMatch(headers={"end-user": StringMatch("exact", "jason")}), {"headers": {"end-user": {"exact": "jason"}}}),
        (
            Fault(delay=Delay("7s", Percent(100)), abort=Abort(500, Percent(0))),
            {
                "delay": {"fixedDelay": "7s", "percentage": {"value": 100}},
                "abort": {"httpStatus": 500, "percentage": {"value": 0}},
            },
        ),
        (
            OutlierDetection(
                consecutive_5xx_errors=1, interval="1s", base_ejection_time="3m", max_ejection_percent=100
            ),
            {"consecutive5xxErrors": 1, "interval": "1s", "baseEjectionTime": "3m", "maxEjectionPercent": 100},
        ),
    ],
)
def test_values_serialise_as_the_crds_spell_them(value, expected):
    """Unset fields (None, empty) are left out; zero is kept."""
    assert serialise(value) == expected


def test_an_object_is_metadata_and_spec():
    rule = HTTPRoute((to("ratings", "v1"),), timeout="10s")
    assert VirtualService("ratings", "bookinfo", hosts=("ratings",), http=(rule,)).manifest() == {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "ratings", "namespace": "bookinfo"},
        "spec": {
            "hosts": ["ratings"],
            "http": [{"route": [{"destination": {"host": "ratings", "subset": "v1"}}], "timeout": "10s"}],
        },
    }
