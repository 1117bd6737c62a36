"""The building blocks of the Bookinfo scenarios with Istio's API, as upstream's samples/bookinfo/networking files
write them."""

from __future__ import annotations

from collections.abc import Callable

from model.bookinfo_app import NAMESPACE, USER_HEADER, VERSIONS
from model.crd import CustomObject
from model.istio_routing import (
    Abort,
    Delay,
    Fault,
    HTTPMatch,
    HTTPRoute,
    Percent,
    RouteDestination,
    StringMatch,
    VirtualService,
    to,
)
from model.parameters import ScenarioParameters


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
    """productpage forwards the logged-in user in a header."""
    return (HTTPMatch(headers={USER_HEADER: StringMatch("exact", user)}),)


def every_service(v1: Callable[[str], CustomObject], *replacements: CustomObject) -> tuple[CustomObject, ...]:
    """Every Bookinfo service routed to v1 by `v1(service)`, except the services `replacements` route otherwise
    (each named after its service); both routing APIs' builders use it."""
    by_service = {service: v1(service) for service in VERSIONS}
    by_service.update({obj.name: obj for obj in replacements})
    return tuple(by_service.values())


def with_routes(*replacements: VirtualService) -> tuple[CustomObject, ...]:
    return every_service(lambda service: routes(service, only(service, "v1")), *replacements)


def reviews_for_user(p: ScenarioParameters) -> VirtualService:
    return routes("reviews", only("reviews", "v2", end_user(p.user)), only("reviews", "v1"))


def ratings_with_fault(fault: Fault, user: str | None, v1: RouteDestination | None = None) -> VirtualService:
    """ratings v1 (subset v1, or the destination `v1`) with `fault` for `user`, or for everyone when None."""
    target = (v1 or to("ratings", "v1"),)
    if user is None:
        return routes("ratings", HTTPRoute(target, fault=fault))
    return routes("ratings", HTTPRoute(target, end_user(user), fault=fault), HTTPRoute(target))


def fault_for(p: ScenarioParameters) -> str | None:
    """Whom the fault scenarios' fault hits: the user, or everyone (None), as faultTarget says."""
    return None if p.fault_target == "everyone" else p.user


def delay(p: ScenarioParameters) -> Fault:
    return Fault(delay=Delay(p.fault_delay, Percent(p.fault_percentage)))


def abort(p: ScenarioParameters) -> Fault:
    return Fault(abort=Abort(p.fault_abort_status, Percent(p.fault_percentage)))


def user_routing_with_fault(p: ScenarioParameters, fault: Fault) -> tuple[CustomObject, ...]:
    """The fault scenarios' objects: user-routing, plus `fault` on ratings for whom faultTarget says."""
    return with_routes(reviews_for_user(p), ratings_with_fault(fault, fault_for(p)))


def fault_caveats(p: ScenarioParameters) -> tuple[str, ...]:
    return ("faultPercentage: 0 injects the fault into no request",) if p.fault_percentage == 0 else ()
