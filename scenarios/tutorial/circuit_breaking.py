"""httpbin with a connection pool of one and outlier detection; fortio's load trips the breaker."""

from __future__ import annotations

from model.istio_routing import (
    ConnectionPool,
    DestinationRule,
    HTTPSettings,
    OutlierDetection,
    TCPSettings,
    TrafficPolicy,
)
from model.parameters import ScenarioParameters
from model.sample_apps import circuit_breaking_samples
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic


def circuit_breaking(_: ScenarioParameters) -> ScenarioPlan:
    """Under either routing API: the Gateway API has no connection pool or outlier detection."""
    namespace = "circuit-breaking"
    policy = TrafficPolicy(
        connection_pool=ConnectionPool(
            tcp=TCPSettings(max_connections=1),
            http=HTTPSettings(http1_max_pending_requests=1, max_requests_per_connection=1),
        ),
        outlier_detection=OutlierDetection(
            consecutive_5xx_errors=1, interval="1s", base_ejection_time="3m", max_ejection_percent=100
        ),
    )
    return ScenarioPlan(
        (DestinationRule("httpbin", namespace, host="httpbin", traffic_policy=policy),),
        circuit_breaking_samples(namespace),
    )


SCENARIO = Scenario(
    "circuit-breaking",
    9,
    circuit_breaking,
    circuit_breaking,
    summary="httpbin with a connection pool of one and outlier detection; fortio's load trips the breaker.",
    changes=(
        "namespace `circuit-breaking` with httpbin and fortio; DestinationRule on httpbin: 1 connection, 1 "
        "pending request, 1 request per connection, eject after one 5xx (1s interval, 3m ejection, up to "
        "100%)"
    ),
    shows=(
        "`kubectl -n circuit-breaking exec deploy/fortio-v1 -c fortio -- /usr/bin/fortio load -c 3 -qps 0 -n "
        "30 -loglevel Warning http://httpbin:8000/get`: a share of the calls return 503; `... -c istio-proxy "
        r"-- pilot-agent request GET stats \| grep httpbin \| grep pending` shows "
        "`upstream_rq_pending_overflow`"
    ),
    shown_by=Traffic.IN_CLUSTER,
    needs_waypoint=True,
)
