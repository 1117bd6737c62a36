"""Which reviews version served a product page, and what went wrong on it, read off productpage's HTML.

The reviews pod's name after "Reviews served by:" (`reviews-v2-…`) names the version. Pages without it
(Bookinfo before the pod name was shown) fall back on the star colour: black for v2, red for v3, as
`<font color="black">` in the Bootstrap template and as the `text-black-500` class of the star row in the
Tailwind one; a page with reviews but neither is v1.
"""

from __future__ import annotations

import re

from tools.verify import outcomes
from tools.verify.facts import RATINGS_UNAVAILABLE, REVIEWS_UNAVAILABLE, STAR_COLOURS

SERVED_BY = re.compile(r"Reviews served by:\s*reviews-(v[0-9]+)-")
STARS = re.compile(r'<font color="(black|red)">|class="flex gap-x-1 text-(black|red)-500"')
REVIEWS_HEADING = "Book Reviews"


def _version(body: str) -> str | None:
    served = SERVED_BY.search(body)
    if served:
        return served.group(1)
    stars = STARS.search(body)
    if stars:
        return STAR_COLOURS[stars.group(1) or stars.group(2)]
    if REVIEWS_HEADING in body and RATINGS_UNAVAILABLE not in body:
        return "v1"
    return None


def classify(status: int, body: str) -> str:
    """The outcome label of one GET /productpage response."""
    if status != 200:
        return outcomes.http(status)
    if REVIEWS_UNAVAILABLE in body:
        return outcomes.REVIEWS_UNAVAILABLE
    version = _version(body)
    if version is None:
        return outcomes.UNRECOGNISED_PAGE
    return outcomes.page(version, RATINGS_UNAVAILABLE in body)
