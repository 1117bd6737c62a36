"""The outcomes a scenario should produce, worked out from its own objects and the apps' fixed behaviour.

The routing comes from the routes (VirtualServices or Gateway API routes) the scenario's builder returns (the objects `pulumi up` applies), so
a changed parameter changes the expectation with it; what Bookinfo, httpbin and tcp-echo do with the traffic
comes from `facts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from model.bookinfo_app import WORKLOADS
from scenarios.plan import ScenarioPlan
from tools.verify import outcomes
from tools.verify.facts import BOOKINFO, BookinfoFacts, tcp_echo_prefix
from tools.verify.outcomes import Expected, Outcome
from tools.verify.routing import Fault, http_rule, routes, tcp_rule

# One try of productpage at reviews: (share, outcome label or None when the try fails, seconds it takes).
Try = tuple[Fraction, str | None, float]


def _add(expected: Expected, outcome: Outcome, share: Fraction) -> None:
    if share:
        expected[outcome] = expected.get(outcome, Fraction(0)) + share


def _even_over_pods(app: str) -> list[tuple[str, Fraction]]:
    """Without a route rule a service spreads requests evenly over its pods (one per version in Bookinfo)."""
    versions = [workload.version for workload in WORKLOADS if workload.app == app]
    return [(version, Fraction(1, len(versions))) for version in versions]


def _ratings_fault(plan: ScenarioPlan, headers: Mapping[str, str]) -> Fault:
    if not routes(plan, "ratings"):
        return Fault()
    rule = http_rule(plan, "ratings", headers)
    return rule.fault if rule is not None else Fault(aborted=Fraction(1))  # no route: a 404, like an abort


def _reviews_answer(version: str, ratings: Fault, facts: BookinfoFacts) -> list[Try]:
    """How reviews `version` answers: at once without ratings (v1), else once ratings answered or it gave up."""
    waits = facts.ratings_timeout(version)
    if waits is None:
        return [(Fraction(1), outcomes.page(version), 0.0)]
    answers: list[Try] = []
    for delayed, delayed_share in ((True, ratings.delayed), (False, 1 - ratings.delayed)):
        for aborted, aborted_share in ((True, ratings.aborted), (False, 1 - ratings.aborted)):
            latency = ratings.delay if delayed else 0.0
            if latency >= waits:
                answers.append((delayed_share * aborted_share, outcomes.page(version, True), waits))
            else:
                answers.append((delayed_share * aborted_share, outcomes.page(version, aborted), latency))
    return answers


def _reviews_try(plan: ScenarioPlan, headers: Mapping[str, str], facts: BookinfoFacts) -> list[Try]:
    """One call of productpage to reviews, routed and limited by the reviews rule that matches `headers`."""
    limit = facts.reviews_try_timeout
    if not routes(plan, "reviews"):
        versions = _even_over_pods("reviews")
    else:
        rule = http_rule(plan, "reviews", headers)
        if rule is None:
            return [(Fraction(1), None, 0.0)]  # no route: the sidecar answers 404 at once
        versions = list(rule.split)
        limit = min(limit, rule.timeout or limit)
    ratings = _ratings_fault(plan, headers)
    tries: list[Try] = []
    for version, version_share in versions:
        for share, label, seconds in _reviews_answer(version, ratings, facts):
            failed = seconds >= limit
            tries.append((version_share * share, None if failed else label, limit if failed else seconds))
    return tries


def product_page(plan: ScenarioPlan, headers: Mapping[str, str], facts: BookinfoFacts = BOOKINFO) -> Expected:
    """What GET /productpage shows when reviews and ratings receive `headers` (lowercase names).

    productpage tries reviews `facts.reviews_tries` times, each try cut at its timeout or the route's,
    whichever is shorter, and shows "reviews unavailable" when every try failed.
    """
    one_try = _reviews_try(plan, headers, facts)
    expected: Expected = {}
    waiting: dict[float, Fraction] = {0.0: Fraction(1)}  # seconds already spent -> share still waiting
    for _ in range(facts.reviews_tries):
        still: dict[float, Fraction] = {}
        for spent, waiting_share in waiting.items():
            for share, label, seconds in one_try:
                elapsed = round(spent + seconds, 6)
                if label is None:
                    still[elapsed] = still.get(elapsed, Fraction(0)) + waiting_share * share
                else:
                    _add(expected, Outcome(label, elapsed), waiting_share * share)
        waiting = still
    for spent, share in waiting.items():
        _add(expected, Outcome(outcomes.REVIEWS_UNAVAILABLE, spent), share)
    return expected


def httpbin_path(plan: ScenarioPlan, host: str, path: str) -> Expected:
    """httpbin answers 200 on a path a rule for `host` routes to it; the gateway answers 404 on any other."""
    routed = routes(plan, host) and http_rule(plan, host, {}, path) is not None
    return {Outcome(outcomes.http(200 if routed else 404)): Fraction(1)}


def echo_prefixes(plan: ScenarioPlan) -> dict[str, str]:
    """tcp-echo version -> the prefix that version puts before each line it echoes."""
    workloads = plan.samples.workloads if plan.samples else ()
    return {w.version: tcp_echo_prefix(w.args) for w in workloads if w.app == "tcp-echo"}


def tcp_echo(plan: ScenarioPlan, port: int) -> Expected:
    """Which tcp-echo version echoes a connection arriving at the gateway's `port`, by the TCP rule's weights."""
    rule = tcp_rule(plan, "tcp-echo", port)
    if rule is None:
        return {Outcome(outcomes.NO_RESPONSE): Fraction(1)}
    prefixes = echo_prefixes(plan)
    return {Outcome(outcomes.echo(version, prefixes[version])): share for version, share in rule.split}
