"""No route rule on reviews, and a DestinationRule that keeps each caller on its own cluster's reviews pods until
outlier detection ejects them (clusters=2, docs/multicluster.md)."""

from __future__ import annotations

from model.bookinfo_app import NAMESPACE
from model.istio_routing import (
    DestinationRule,
    LoadBalancerSettings,
    LocalityLbSetting,
    OutlierDetection,
    TrafficPolicy,
)
from model.parameters import ScenarioParameters
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario, Traffic
from scenarios.view import Note

# The label istiod gives every endpoint and proxy with its cluster's name (global.multiCluster.clusterName).
CLUSTER_LABEL = "topology.istio.io/cluster"


def failover_rule() -> DestinationRule:
    """Named apart from Bookinfo's own `reviews` rule, whose subsets Istio merges with this rule's policy."""
    policy = TrafficPolicy(
        outlier_detection=OutlierDetection(
            consecutive_5xx_errors=1, interval="1s", base_ejection_time="1m", max_ejection_percent=100
        ),
        load_balancer=LoadBalancerSettings(LocalityLbSetting(enabled=True, failover_priority=(CLUSTER_LABEL,))),
    )
    return DestinationRule("reviews-failover", NAMESPACE, host="reviews", traffic_policy=policy)


def locality_failover(_: ScenarioParameters) -> ScenarioPlan:
    """Under either routing API: the Gateway API has no locality load balancing or outlier detection."""
    return ScenarioPlan(
        (failover_rule(),),
        notes=(
            Note(
                "reviews",
                "mesh",
                "no route rule",
                "the caller's own cluster's pods; the other cluster's once a 5xx has ejected those (for 1m)",
            ),
        ),
    )


SCENARIO = Scenario(
    "locality-failover",
    14,
    locality_failover,
    locality_failover,
    summary=(
        "With clusters=2, productpage stays on the reviews pods of its own cluster (v1, v2) and fails over to the"
        " other cluster's (v3) once outlier detection has ejected them."
    ),
    changes=(
        f"DestinationRule `reviews-failover` on reviews: failoverPriority `{CLUSTER_LABEL}`, eject a pod after one "
        "5xx (1s interval, 1m ejection, up to 100%)"
    ),
    shows=(
        "with clusters=2, no stars or black stars only; after `kubectl -n bookinfo scale deploy reviews-v1 "
        "reviews-v2 --replicas=0` in the first cluster, red stars from the second"
    ),
    shown_by=Traffic.IN_CLUSTER,
    needs_clusters=2,
)
