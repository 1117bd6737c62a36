"""reviews v2 calls ratings, which now answers late; a timeout on reviews cuts the wait short."""

from __future__ import annotations

from model import gateway_api as routes
from model.istio_routing import Delay, Fault, Percent
from model.parameters import ScenarioParameters, milliseconds
from scenarios import bookinfo_routes as istio
from scenarios import gateway_api_routes as gateway_api
from scenarios.plan import ScenarioPlan
from scenarios.record import Scenario


def ratings_late(p: ScenarioParameters) -> Fault:
    return Fault(delay=Delay(p.ratings_delay, Percent(100)))


def request_timeout(p: ScenarioParameters) -> ScenarioPlan:
    return ScenarioPlan(
        istio.with_routes(
            istio.routes("reviews", istio.only("reviews", "v2", timeout=p.reviews_timeout)),
            istio.ratings_with_fault(ratings_late(p), None),
        )
    )


def request_timeout_gateway_api(p: ScenarioParameters) -> ScenarioPlan:
    """The timeout is the HTTPRoute's; the delay it cuts short is a fault, so a VirtualService's."""
    timeouts = routes.Timeouts(request=routes.gateway_duration(int(milliseconds(p.reviews_timeout))))  # whole ms
    reviews = gateway_api.routes("reviews", gateway_api.only("reviews", "v2", timeouts=timeouts))
    return ScenarioPlan(gateway_api.with_routes(reviews, gateway_api.ratings_with_fault(ratings_late(p), None)))


def request_timeout_caveats(p: ScenarioParameters) -> tuple[str, ...]:
    if milliseconds(p.reviews_timeout) <= milliseconds(p.ratings_delay):
        return ()
    return (
        f"reviewsTimeout: {p.reviews_timeout} is longer than ratingsDelay {p.ratings_delay}, so reviews answers before"
        " the timeout and it never fires",
    )


SCENARIO = Scenario(
    "request-timeout",
    7,
    request_timeout,
    request_timeout_gateway_api,
    summary="reviews v2 with a timeout, ratings slowed down: the page says reviews are unavailable after the timeout.",
    changes="all-v1, plus reviews → v2 with a 0.5s timeout and ratings delayed 2s",
    shows=(
        'the page returns in about 1s (productpage retries once) with "Sorry, product reviews are currently '
        'unavailable for this book."'
    ),
    parameters=("reviewsTimeout", "ratingsDelay"),
    caveats=request_timeout_caveats,
)
