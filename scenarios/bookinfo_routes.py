"""Scenarios that route Bookinfo, each equivalent to upstream's samples/bookinfo/networking files."""

from __future__ import annotations

from model.bookinfo_app import NAMESPACE, VERSIONS
from model.istio_routing import (
    Abort,
    Delay,
    Fault,
    HTTPMatch,
    HTTPRoute,
    Percent,
    StringMatch,
    VirtualService,
    split,
    to,
)
from model.parameters import ScenarioParameters, milliseconds
from scenarios.plan import ScenarioPlan


def routes(service: str, *rules: HTTPRoute) -> VirtualService:
    """A VirtualService for one Bookinfo service, named after it."""
    return VirtualService(service, NAMESPACE, hosts=(service,), http=rules)


def only(
    service: str,
    subset: str,
    match: tuple[HTTPMatch, ...] = (),
    fault: Fault | None = None,
    timeout: str | None = None,
) -> HTTPRoute:
    """An HTTP rule sending everything it matches to one subset."""
    return HTTPRoute((to(service, subset),), match, fault, timeout)


def end_user(user: str) -> tuple[HTTPMatch, ...]:
    """productpage forwards the logged-in user in the `end-user` header."""
    return (HTTPMatch(headers={"end-user": StringMatch("exact", user)}),)


def with_routes(*replacements: VirtualService) -> tuple[VirtualService, ...]:
    """Every Bookinfo service routed to v1, except the services `replacements` route otherwise."""
    by_host = {service: routes(service, only(service, "v1")) for service in VERSIONS}
    by_host.update({vs.name: vs for vs in replacements})
    return tuple(by_host.values())


def all_v1(_: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(with_routes())


def reviews_for_user(p: ScenarioParameters) -> VirtualService:
    return routes("reviews", only("reviews", "v2", end_user(p.user)), only("reviews", "v1"))


def user_routing(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(with_routes(reviews_for_user(p)))


def ratings_with_fault(p: ScenarioParameters, fault: Fault) -> VirtualService:
    """ratings v1 with `fault` for the user (or for everyone, as faultTarget says)."""
    if p.fault_target == "everyone":
        return routes("ratings", only("ratings", "v1", fault=fault))
    return routes("ratings", only("ratings", "v1", end_user(p.user), fault=fault), only("ratings", "v1"))


def fault_delay(p: ScenarioParameters) -> ScenarioPlan:
    delay = Fault(delay=Delay(p.fault_delay, Percent(p.fault_percentage)))
    return ScenarioPlan(with_routes(reviews_for_user(p), ratings_with_fault(p, delay)))


def fault_abort(p: ScenarioParameters) -> ScenarioPlan:
    abort = Fault(abort=Abort(p.fault_abort_status, Percent(p.fault_percentage)))
    return ScenarioPlan(with_routes(reviews_for_user(p), ratings_with_fault(p, abort)))


def traffic_shifting(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(with_routes(routes("reviews", HTTPRoute(split("reviews", p.reviews_weights)))))


def request_timeout(p: ScenarioParameters) -> ScenarioPlan:
    """reviews v2 calls ratings, which now answers late; the timeout on reviews cuts the wait short."""
    delay = Fault(delay=Delay(p.ratings_delay, Percent(100)))
    return ScenarioPlan(
        with_routes(
            routes("reviews", only("reviews", "v2", timeout=p.reviews_timeout)),
            routes("ratings", only("ratings", "v1", fault=delay)),
        )
    )


def header_routing(p: ScenarioParameters) -> ScenarioPlan:
    match = (HTTPMatch(headers={p.header_name: StringMatch("regex", p.header_regex)}),)
    return ScenarioPlan(with_routes(routes("reviews", only("reviews", p.header_subset, match), only("reviews", "v1"))))


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
