"""The outcomes responses are sorted into, named the same way for what is expected and what is seen."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

NO_RESPONSE = "no response"
REVIEWS_UNAVAILABLE = "reviews unavailable"
UNRECOGNISED_PAGE = "unrecognised page"
OTHER_REPLY = "other reply"


@dataclass(frozen=True, order=True)
class Outcome:
    """What one response showed, and how long at least it must have taken (`floor`, seconds).

    The floor is a physical lower bound (an injected delay, a timeout that has to expire); responses are
    never held to an upper bound, which would depend on the network between the verifier and the cluster.
    """

    label: str
    floor: float = 0.0

    def __str__(self) -> str:
        return f"{self.label}, >= {self.floor:g}s" if self.floor else self.label


# Probability of each outcome; exact, so that "never" and "always" are exactly 0 and 1.
Expected = dict[Outcome, Fraction]


def page(version: str, ratings_unavailable: bool = False) -> str:
    """A product page whose reviews came from reviews `version`."""
    return f"{version} + ratings unavailable" if ratings_unavailable else version


def http(status: int) -> str:
    return f"HTTP {status}"


def echo(version: str, prefix: str) -> str:
    """A line echoed back by tcp-echo `version`, which prefixes it with `prefix`."""
    return f"{version} ({prefix})"


@dataclass(frozen=True)
class Observation:
    """One response as the verifier saw it: its outcome label and how long it took."""

    label: str
    seconds: float
