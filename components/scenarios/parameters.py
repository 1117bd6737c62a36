"""The scenarios' typed parameters: parsed and validated with the rest of the configuration."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

import re2

from components.config import ConfigParser

REVIEWS_SUBSETS = ("v1", "v2", "v3")
TCP_ECHO_SUBSETS = ("v1", "v2")
FAULT_TARGETS = ("user", "everyone")

DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)")
MILLISECONDS = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
USER = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
HEADER = re.compile(r"^[a-z0-9][a-z0-9-]*$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

Weights = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ScenarioParameters:
    user: str
    reviews_weights: Weights
    tcp_echo_weights: Weights
    fault_delay: str
    fault_abort_status: int
    fault_percentage: int
    fault_target: str
    reviews_timeout: str
    ratings_delay: str
    header_name: str
    header_regex: str
    header_subset: str
    mirror_percentage: int
    egress_host: str
    httpbin_status_path: bool


# Which scenarios read each parameter; a parameter changed while none of them is active is ignored, with a warning.
USED_BY: dict[str, tuple[str, ...]] = {
    "user": ("user-routing", "fault-delay", "fault-abort"),
    "reviewsWeights": ("traffic-shifting",),
    "tcpEchoWeights": ("tcp-traffic-shifting",),
    "faultDelay": ("fault-delay",),
    "faultAbortStatus": ("fault-abort",),
    "faultPercentage": ("fault-delay", "fault-abort"),
    "faultTarget": ("fault-delay", "fault-abort"),
    "reviewsTimeout": ("request-timeout",),
    "ratingsDelay": ("request-timeout",),
    "headerName": ("header-routing",),
    "headerRegex": ("header-routing",),
    "headerSubset": ("header-routing",),
    "mirrorPercentage": ("mirroring",),
    "egressHost": ("egress-gateway",),
    "httpbinStatusPath": ("httpbin-ingress",),
}


def weights_parser(subsets: tuple[str, ...]) -> Callable[[str], Weights]:
    """Parses `v1=80,v2=20`: known subsets, each once, integer weights 0-100 summing to 100."""

    def parse(text: str) -> Weights:
        pairs: list[tuple[str, int]] = []
        for item in text.split(","):
            subset, separator, weight = item.strip().partition("=")
            if not separator or not re.fullmatch(r"[0-9]{1,3}", weight.strip()):
                raise ValueError(f"{item.strip()!r} is not subset=weight")
            if subset not in subsets:
                raise ValueError(f"there is no subset {subset!r}")
            if subset in dict(pairs):
                raise ValueError(f"subset {subset!r} appears twice")
            pairs.append((subset, int(weight)))
        total = sum(weight for _, weight in pairs)
        if total != 100:
            raise ValueError(f"weights sum to {total}")
        return tuple(pairs)

    return parse


def duration(text: str) -> str:
    """A duration as Istio takes it (`7s`, `0.5s`, `1m30s`, `500ms`); its CRDs refuse anything under 1ms."""
    parts = DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"{text!r} is not a duration")
    if sum(float(number) * MILLISECONDS[unit] for number, unit in parts) < 1:
        raise ValueError(f"{text!r} is shorter than 1ms")
    return text


def regex(text: str) -> str:
    """A regular expression Envoy accepts: RE2 syntax, which has no lookaround or backreferences."""
    options = re2.Options()
    options.log_errors = False
    try:
        re2.compile(text, options)
    except re2.error as problem:
        reason = problem.args[0].decode() if isinstance(problem.args[0], bytes) else str(problem.args[0])
        raise ValueError(f"{text!r} is not a valid RE2 regular expression ({reason})") from None
    return text


def load_parameters(config: ConfigParser) -> ScenarioParameters:
    durations = "allowed: a duration of at least 1ms such as 7s, 0.5s or 500ms"
    return ScenarioParameters(
        user=config.matching("user", USER, "allowed: 1-64 letters, digits and . _ @ -"),
        reviews_weights=config.parsed(
            "reviewsWeights",
            weights_parser(REVIEWS_SUBSETS),
            f"allowed: subset=weight pairs over {', '.join(REVIEWS_SUBSETS)} summing to 100, e.g. v1=80,v2=20",
        ),
        tcp_echo_weights=config.parsed(
            "tcpEchoWeights",
            weights_parser(TCP_ECHO_SUBSETS),
            f"allowed: subset=weight pairs over {', '.join(TCP_ECHO_SUBSETS)} summing to 100, e.g. v1=80,v2=20",
        ),
        fault_delay=config.parsed("faultDelay", duration, durations),
        fault_abort_status=config.integer("faultAbortStatus", minimum=200, maximum=599),
        fault_percentage=config.integer("faultPercentage", minimum=0, maximum=100),
        fault_target=config.one_of("faultTarget", FAULT_TARGETS),
        reviews_timeout=config.parsed("reviewsTimeout", duration, durations),
        ratings_delay=config.parsed("ratingsDelay", duration, durations),
        header_name=config.matching("headerName", HEADER, "allowed: a lowercase header name such as user-agent"),
        header_regex=config.parsed("headerRegex", regex, "allowed: an RE2 regular expression such as .*Firefox.*"),
        header_subset=config.one_of("headerSubset", REVIEWS_SUBSETS),
        mirror_percentage=config.integer("mirrorPercentage", minimum=0, maximum=100),
        egress_host=config.matching("egressHost", HOSTNAME, "allowed: a DNS host name such as edition.cnn.com"),
        httpbin_status_path=config.boolean("httpbinStatusPath"),
    )


def ignored_parameters(scenario: str, changed: Iterable[str]) -> list[str]:
    """Warnings for the `changed` parameters (set away from their default) that the active scenario does not read."""
    return [
        f"{key}: ignored, the active scenario {scenario} does not use it (it applies to {', '.join(USED_BY[key])})"
        for key in changed
        if scenario not in USED_BY[key]
    ]
