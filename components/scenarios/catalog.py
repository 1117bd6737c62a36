"""Every scenario the `scenario` config key can name, and the builder behind each."""

from __future__ import annotations

from typing import Callable

from components.scenarios import bookinfo, tasks
from components.scenarios.parameters import ScenarioParameters
from components.scenarios.plan import ScenarioPlan

Builder = Callable[[ScenarioParameters], ScenarioPlan]


def round_robin(_: ScenarioParameters) -> ScenarioPlan:
    """The tutorial's start: no rule on reviews, so requests spread over v1, v2 and v3."""
    return ScenarioPlan(notes=("reviews: no route rule -> round robin over v1, v2, v3",))


CATALOG: dict[str, Builder] = {
    "round-robin": round_robin,
    "all-v1": bookinfo.all_v1,
    "user-routing": bookinfo.user_routing,
    "fault-delay": bookinfo.fault_delay,
    "fault-abort": bookinfo.fault_abort,
    "traffic-shifting": bookinfo.traffic_shifting,
    "request-timeout": bookinfo.request_timeout,
    "header-routing": bookinfo.header_routing,
    "circuit-breaking": tasks.circuit_breaking,
    "mirroring": tasks.mirroring,
    "tcp-traffic-shifting": tasks.tcp_traffic_shifting,
    "httpbin-ingress": tasks.httpbin_ingress,
    "egress-gateway": tasks.egress_gateway,
}
