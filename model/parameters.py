"""The scenarios' typed parameters: parsed and validated with the rest of the configuration."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import re2

from model.bookinfo_app import VERSIONS
from model.config import ConfigParser
from model.sample_apps import TCP_ECHO_PREFIXES

REVIEWS_SUBSETS = VERSIONS["reviews"]
TCP_ECHO_SUBSETS = tuple(TCP_ECHO_PREFIXES)
# An abort's HTTP status (Istio's CRD: 200-599) and a share of requests in percent.
HTTP_STATUS_RANGE = (200, 599)
PERCENT_RANGE = (0, 100)
FAULT_TARGETS = ("user", "everyone")

DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)")
MILLISECONDS = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
# Istio's CRDs check a duration with CEL's duration(), which is Go's time.Duration: at most 2^63-1 ns (about
# 292 years); istiod's validation (pkg/config/validation/agent ValidateDuration) wants whole milliseconds, >= 1ms.
DURATION_MAX_MS = (2**63 - 1) // 1_000_000
# istiod's validateStringRegexp (pkg/config/validation): a header regex is non-empty and at most 1,024 characters,
# its stand-in for Envoy's RE2 program-size limit.
REGEX_MAX_LENGTH = 1024
# Names that resolve inside the cluster (Kubernetes' service domain and its default cluster domain): an egress
# route to one of them never leaves the mesh.
IN_CLUSTER_SUFFIXES = (".svc", ".local")
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


def milliseconds(text: str) -> Fraction:
    """A duration as Istio takes it (`7s`, `0.5s`, `1m30s`, `500ms`), exactly, in milliseconds."""
    parts = DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"{text!r} is not a duration")
    return sum((Fraction(number) * MILLISECONDS[unit] for number, unit in parts), Fraction(0))


def duration(text: str) -> str:
    """A duration Istio accepts: whole milliseconds from 1ms to Go's largest duration."""
    total = milliseconds(text)
    if total < 1:
        raise ValueError(f"{text!r} is shorter than 1ms")
    if total.denominator != 1:
        raise ValueError(f"{text!r} is not a whole number of milliseconds")
    if total > DURATION_MAX_MS:
        raise ValueError(f"{text!r} is longer than Go's largest duration (about 292 years)")
    return text


def regex(text: str) -> str:
    """A regular expression istiod and Envoy accept: RE2 syntax (no lookaround or backreferences), 1-1024 characters."""
    if not text or len(text) > REGEX_MAX_LENGTH:
        raise ValueError(f"{text[:20]!r}{'...' if len(text) > 20 else ''} has {len(text)} characters")
    options = re2.Options()
    options.log_errors = False
    try:
        re2.compile(text, options)
    except re2.error as problem:
        reason = problem.args[0].decode() if isinstance(problem.args[0], bytes) else str(problem.args[0])
        raise ValueError(f"{text!r} is not a valid RE2 regular expression ({reason})") from None
    return text


def external_host(text: str) -> str:
    """A DNS name outside the cluster (the egress gateway's destination)."""
    if not HOSTNAME.match(text):
        raise ValueError(f"{text!r} is not valid")
    if text.endswith(IN_CLUSTER_SUFFIXES) or ".svc." in text:
        raise ValueError(
            f"{text!r} is a name inside the cluster, so its traffic never leaves through the egress gateway"
        )
    return text


def load_parameters(config: ConfigParser) -> ScenarioParameters:
    durations = "allowed: whole milliseconds from 1ms, such as 7s, 0.5s or 500ms"
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
        fault_abort_status=config.integer("faultAbortStatus", *HTTP_STATUS_RANGE),
        fault_percentage=config.integer("faultPercentage", *PERCENT_RANGE),
        fault_target=config.one_of("faultTarget", FAULT_TARGETS),
        reviews_timeout=config.parsed("reviewsTimeout", duration, durations),
        ratings_delay=config.parsed("ratingsDelay", duration, durations),
        header_name=config.matching("headerName", HEADER, "allowed: a lowercase header name such as user-agent"),
        header_regex=config.parsed(
            "headerRegex",
            regex,
            f"allowed: an RE2 regular expression of 1-{REGEX_MAX_LENGTH} characters such as .*Firefox.*",
        ),
        header_subset=config.one_of("headerSubset", REVIEWS_SUBSETS),
        mirror_percentage=config.integer("mirrorPercentage", *PERCENT_RANGE),
        egress_host=config.parsed(
            "egressHost", external_host, "allowed: a DNS host name outside the cluster such as edition.cnn.com"
        ),
        httpbin_status_path=config.boolean("httpbinStatusPath"),
    )
