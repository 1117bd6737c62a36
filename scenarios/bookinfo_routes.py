"""Scenarios that route Bookinfo, each equivalent to upstream's samples/bookinfo/networking files."""

from __future__ import annotations

from typing import Any

from model import istio_objects as istio
from model.bookinfo_app import NAMESPACE, VERSIONS
from model.parameters import ScenarioParameters, milliseconds
from scenarios.plan import ScenarioPlan

Rule = dict[str, Any]


def routes(service: str, *rules: Rule) -> istio.IstioObject:
    """A VirtualService for one Bookinfo service, named after it."""
    return istio.virtual_service(service, NAMESPACE, [service], http=list(rules))


def to(service: str, subset: str, **extra: Any) -> Rule:
    """An HTTP rule sending everything it matches to one subset."""
    return {"route": [istio.route(service, subset)], **extra}


def end_user(user: str) -> list[Rule]:
    """productpage forwards the logged-in user in the `end-user` header."""
    return [{"headers": {"end-user": {"exact": user}}}]


def with_routes(*replacements: istio.IstioObject) -> tuple[istio.IstioObject, ...]:
    """Every Bookinfo service routed to v1, except the services `replacements` route otherwise."""
    by_host = {service: routes(service, to(service, "v1")) for service in VERSIONS}
    by_host.update({obj["metadata"]["name"]: obj for obj in replacements})
    return tuple(by_host.values())


def all_v1(_: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(with_routes())


def reviews_for_user(p: ScenarioParameters) -> istio.IstioObject:
    return routes("reviews", to("reviews", "v2", match=end_user(p.user)), to("reviews", "v1"))


def user_routing(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(with_routes(reviews_for_user(p)))


def ratings_with_fault(p: ScenarioParameters, fault: Rule) -> istio.IstioObject:
    """ratings v1 with `fault` for the user (or for everyone, as faultTarget says)."""
    if p.fault_target == "everyone":
        return routes("ratings", to("ratings", "v1", fault=fault))
    return routes("ratings", to("ratings", "v1", match=end_user(p.user), fault=fault), to("ratings", "v1"))


def fault_delay(p: ScenarioParameters) -> ScenarioPlan:
    delay = {"delay": {"percentage": istio.percentage(p.fault_percentage), "fixedDelay": p.fault_delay}}
    return ScenarioPlan(with_routes(reviews_for_user(p), ratings_with_fault(p, delay)))


def fault_abort(p: ScenarioParameters) -> ScenarioPlan:
    abort = {"abort": {"percentage": istio.percentage(p.fault_percentage), "httpStatus": p.fault_abort_status}}
    return ScenarioPlan(with_routes(reviews_for_user(p), ratings_with_fault(p, abort)))


def traffic_shifting(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(with_routes(routes("reviews", {"route": istio.split("reviews", p.reviews_weights)})))


def request_timeout(p: ScenarioParameters) -> ScenarioPlan:
    """reviews v2 calls ratings, which now answers late; the timeout on reviews cuts the wait short."""
    delay = {"delay": {"percentage": istio.percentage(100), "fixedDelay": p.ratings_delay}}
    return ScenarioPlan(
        with_routes(
            routes("reviews", to("reviews", "v2", timeout=p.reviews_timeout)),
            routes("ratings", to("ratings", "v1", fault=delay)),
        )
    )


def header_routing(p: ScenarioParameters) -> ScenarioPlan:
    match = [{"headers": {p.header_name: {"regex": p.header_regex}}}]
    return ScenarioPlan(
        with_routes(routes("reviews", to("reviews", p.header_subset, match=match), to("reviews", "v1")))
    )


def fault_caveats(p: ScenarioParameters) -> tuple[str, ...]:
    return ("faultPercentage: 0 injects the fault into no request",) if p.fault_percentage == 0 else ()


def request_timeout_caveats(p: ScenarioParameters) -> tuple[str, ...]:
    if milliseconds(p.reviews_timeout) <= milliseconds(p.ratings_delay):
        return ()
    return (
        f"reviewsTimeout: {p.reviews_timeout} is longer than ratingsDelay {p.ratings_delay}, so reviews answers before"
        " the timeout and it never fires",
    )


def header_routing_caveats(p: ScenarioParameters) -> tuple[str, ...]:
    if p.header_subset != "v1":
        return ()
    return ("headerSubset: v1 is what every other request gets too, so the header route changes nothing",)
