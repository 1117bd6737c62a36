"""What the sample applications do whatever the scenario, stated once (istio/istio samples/*/src).

Everything a scenario changes is read from its objects; these are the fixed behaviours of the code behind
them that turn routing into what a client sees.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BookinfoFacts:
    """Bookinfo 1.20's timeouts and retries (productpage.py, reviews' LibertyRestEndpoint.java).

    Tests scale the durations down; everything else uses `BOOKINFO`.
    """

    # productpage: `requests.get(reviews, timeout=3.0)`, tried twice (`for _ in range(2)`), then it gives up.
    reviews_try_timeout: float = 3.0
    reviews_tries: int = 2
    # reviews v2 (black stars) waits 10s for ratings, v3 (red stars) 2.5s; v1 never calls ratings.
    ratings_timeouts: tuple[tuple[str, float], ...] = (("v2", 10.0), ("v3", 2.5))

    def ratings_timeout(self, version: str) -> float | None:
        """How long reviews `version` waits for ratings; None when it does not call ratings."""
        return dict(self.ratings_timeouts).get(version)


BOOKINFO = BookinfoFacts()

# Request headers productpage passes on to reviews, and reviews to ratings, besides `end-user`, which
# productpage sets from its session (the logged-in user). Route rules can only match on these.
FORWARDED_HEADERS = ("user-agent", "cookie", "authorization", "jwt")

# What productpage's page shows (templates/productpage.html): the reviews pod's name after
# "Reviews served by:", stars coloured by the reviews version, and the two error messages.
REVIEWS_UNAVAILABLE = "Sorry, product reviews are currently unavailable for this book."
RATINGS_UNAVAILABLE = "Ratings service is currently unavailable"
STAR_COLOURS = {"black": "v2", "red": "v3"}

# httpbin answers 200 on each of these paths; the verifier asks for them through the ingress gateway.
HTTPBIN_PATHS = ("/headers", "/status/200", "/get")


def tcp_echo_prefix(args: tuple[str, ...]) -> str:
    """tcp-echo-server's arguments are its ports, then the prefix it puts before each echoed line (main.go)."""
    return args[1]
